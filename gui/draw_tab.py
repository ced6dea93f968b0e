"""The Draw tab: the canvas, the live prediction, what the network sees, and the model in use.
Images come onto the sheet by drag and drop too (and model files dropped here are opened)."""
from __future__ import annotations

import logging
import traceback

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.errors import ModelFileError
from engine.nn.calibration import UNSURE_BELOW

from .canvas import PEN_WIDTH_RANGE, DrawingCanvas
from .digit_image import digit_pixmap
from .model_actions import ModelActions
from .model_library import ModelEntry, ModelLibrary
from .prediction import LivePredictor
from .probability_chart import ProbabilityChart
from .saliency import DrawingExplainer
from .settings import read_float, read_text
from .sheet_images import SheetImages, local_files
from .theme import big_font

log = logging.getLogger(__name__)
LIVE_INTERVAL_MS = 50    # at most ~20 predictions a second while the pen moves
PREVIEW_SIDE = 140


def shortcut_text(key: QKeySequence.StandardKey) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


class DrawTab(QWidget):
    status = Signal(str)          # a message for the status bar
    error = Signal(str, str)      # title, message: shown in a dialog by the window
    shown = Signal(int)           # the canvas revision whose probabilities are now on screen

    def __init__(self, library: ModelLibrary, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.library, self.settings = library, settings
        self.canvas = DrawingCanvas()
        self.images = SheetImages(self.canvas, settings, self)
        self.model_actions = ModelActions(library, settings, self)
        self.predictor = LivePredictor(self)
        self._probabilities = np.zeros(10)
        self.shown_revision = -1          # the canvas revision whose prediction is on screen
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(self.request_prediction)
        self._build()
        self.explainer = DrawingExplainer(self.canvas, library, self)
        self.canvas_column.addWidget(self.explainer.controls)
        self.canvas.strokeMoved.connect(self._on_pen_moved)
        self.canvas.changed.connect(self.request_prediction)
        self.canvas.changed.connect(self._update_history_buttons)
        self._digits_seen = (-1, 1)   # (revision, digits side by side in it)
        self.predictor.counted.connect(self._on_counted)
        self.predictor.updated.connect(self._show)
        self.predictor.failed.connect(self._show_failure)
        for source in (self.images, self.model_actions):
            source.status.connect(self.status)
            source.error.connect(self.error)
        self.setAcceptDrops(True)
        library.entriesChanged.connect(self._fill_models)
        library.activeChanged.connect(self._on_model_changed)
        self._fill_models()
        self._update_history_buttons()
        pen = read_float(settings, "draw/pen_width", self.canvas.pen_width(), *PEN_WIDTH_RANGE)
        self.canvas.set_pen_width(pen)
        self.pen_slider.setValue(round(pen * 1000))

    # Layout.
    def _build(self) -> None:
        clear = QPushButton("Clear")
        clear.setToolTip("Clear the canvas (Esc, or right-click on it); Undo brings the drawing back")
        clear.clicked.connect(self.canvas.clear)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip(f"Undo the last change: a stroke, a Clear, an image "
                                    f"({shortcut_text(QKeySequence.StandardKey.Undo)})")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.setToolTip(f"Redo what was undone ({shortcut_text(QKeySequence.StandardKey.Redo)})")
        self.redo_button.clicked.connect(self.canvas.redo)
        self.pen_slider = QSlider(Qt.Orientation.Horizontal)
        self.pen_slider.setRange(*(round(v * 1000) for v in PEN_WIDTH_RANGE))
        self.pen_slider.setToolTip("Pen width. MNIST digits have strokes of about 2 of their 20 pixels.")
        self.pen_slider.valueChanged.connect(self._on_pen_width)
        self.pen_slider.setMaximumWidth(160)
        tools = QHBoxLayout()
        tools.addWidget(clear)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.redo_button)
        tools.addStretch(1)
        tools.addWidget(QLabel("Pen"))
        tools.addWidget(self.pen_slider)

        self.canvas_column = QVBoxLayout()
        self.canvas_column.addWidget(self.canvas, 1)
        self.canvas_column.addLayout(tools)

        # Model picker.
        self._model_combo = QComboBox()
        self._model_combo.setToolTip("The network that reads your drawing")
        self._model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._model_combo.activated.connect(self.library.set_active)
        open_button = QPushButton("Open…")
        open_button.setToolTip("Use a model file (.npz) saved by ScratchNet")
        open_button.clicked.connect(self.open_model_dialog)
        self.model_info = QLabel()
        self.model_info.setWordWrap(True)
        self.model_info.setTextFormat(Qt.TextFormat.PlainText)   # a model file's text is data, never markup
        self.model_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        model_box = QGroupBox("Model")
        model_layout = QGridLayout(model_box)
        model_layout.addWidget(self._model_combo, 0, 0)
        model_layout.addWidget(open_button, 0, 1)
        model_layout.addWidget(self.model_actions.button, 0, 2)
        model_layout.addWidget(self.model_info, 1, 0, 1, 3)
        model_layout.setColumnStretch(0, 1)

        # The verdict and what the network sees.
        self.digit_label = QLabel("–")
        self.digit_label.setFont(big_font(self, 5.0))
        self.digit_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit_label.setMinimumWidth(110)
        self.digit_label.setAccessibleName("Predicted digit")
        self._confidence_label = QLabel("Draw a digit")
        self._confidence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._confidence_label.setFont(big_font(self, 1.15, bold=False))
        # "not sure" when the top probability is low, "several digits?" when the ink lies in groups side by side.
        self.doubt_label = QLabel()
        self.doubt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.doubt_label.setWordWrap(True)
        self.doubt_label.setAccessibleName("Doubts about the reading")
        verdict = QVBoxLayout()
        verdict.addStretch(1)
        verdict.addWidget(self.digit_label)
        verdict.addWidget(self._confidence_label)
        verdict.addWidget(self.doubt_label)
        verdict.addStretch(1)
        self._preview = QLabel()
        self._preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self._preview.setFrameShape(QFrame.Shape.Box)
        self._preview.setToolTip("Exactly what the network sees: your drawing cropped, scaled into a 20x20 box and "
                                 "centred by its centre of mass in 28x28 pixels, as MNIST's digits were.")
        self._preview.setPixmap(digit_pixmap(np.zeros((28, 28)), PREVIEW_SIDE))
        preview_column = QVBoxLayout()
        preview_column.addWidget(self._preview, 0, Qt.AlignmentFlag.AlignHCenter)
        caption = QLabel("What the network sees (28×28)")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption.setEnabled(False)
        preview_column.addWidget(caption)
        top = QHBoxLayout()
        top.addLayout(verdict, 1)
        top.addLayout(preview_column)
        self.chart = ProbabilityChart()

        self.side_column = QVBoxLayout()
        self.side_column.addWidget(model_box)
        self.side_column.addLayout(top)
        self.side_column.addWidget(self.chart, 1)

        body = QHBoxLayout()
        body.addLayout(self.canvas_column, 5)
        body.addSpacing(12)
        body.addLayout(self.side_column, 4)
        self.main_layout = QVBoxLayout(self)
        self.main_layout.addLayout(body, 1)

    def _update_history_buttons(self) -> None:
        self.undo_button.setEnabled(self.canvas.can_undo())
        self.redo_button.setEnabled(self.canvas.can_redo())

    # Models.
    def _fill_models(self) -> None:
        self._model_combo.blockSignals(True)
        self._model_combo.clear()
        for entry in self.library.entries():
            self._model_combo.addItem(entry.name)
            if entry.is_unsaved():
                self._model_combo.setItemData(self._model_combo.count() - 1, "Not saved yet: File > Save model",
                                              Qt.ItemDataRole.ToolTipRole)
        self._model_combo.setCurrentIndex(self.library.active_index())
        self._model_combo.blockSignals(False)

    def _on_model_changed(self, entry: ModelEntry) -> None:
        self._model_combo.setCurrentIndex(self.library.active_index())
        self.model_info.setText(entry.summary())
        self.shown_revision = -1
        self.request_prediction()

    def open_model_dialog(self) -> None:
        start = read_text(self.settings, "paths/models")
        path, _ = QFileDialog.getOpenFileName(self, "Open a model", start, "ScratchNet models (*.npz);;All files (*)")
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> bool:
        """Load and activate a model file; on failure, say why and keep the current model."""
        try:
            entry = self.library.open_file(path)
        except Exception as e:  # noqa: BLE001 - ModelFileError, or a bug: either way the current model stays
            if not isinstance(e, ModelFileError):
                log.error("opening %s failed:\n%s", path, traceback.format_exc())
            self.error.emit("Cannot open the model", f"{e}\n\nThe current model stays in use.")
            return False
        self.settings.setValue("paths/models", str(entry.path.parent))
        self.status.emit(f"Using {entry.name}: {entry.model.describe()}")
        return True

    # Drag and drop: images onto the sheet, model files into the list.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self.images.can_take(mime) or any(p.suffix.lower() == ".npz" for p in local_files(mime)):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        models = [p for p in local_files(mime) if p.suffix.lower() == ".npz"]
        if models:
            self.open_model(str(models[0]))
        else:
            self.images.take(mime)
        event.acceptProposedAction()

    # Prediction.
    def _on_pen_moved(self) -> None:
        if not self._live_timer.isActive():
            self._live_timer.start()

    def _on_pen_width(self, value: int) -> None:
        self.canvas.set_pen_width(value / 1000)
        self.settings.setValue("draw/pen_width", value / 1000)

    def _network(self):
        entry = self.library.active
        return entry.model.network if entry else None

    def request_prediction(self) -> None:
        revision = self.canvas.revision()
        if self.canvas.is_blank():
            self._show(revision, None, np.zeros((28, 28), np.float32))
            return
        self.predictor.request(revision, self._network(), self.canvas.render_image(), self.canvas.is_drawing())

    def _on_counted(self, revision: int, digits: int) -> None:
        self._digits_seen = (revision, digits)

    def _show(self, revision: int, probabilities, field) -> None:
        if revision < self.shown_revision:
            return  # an older result overtaken by a newer one
        self.shown_revision = revision
        self._probabilities = np.zeros(10) if probabilities is None else np.asarray(probabilities, dtype=float)
        self.chart.set_probabilities(probabilities)
        self._preview.setPixmap(digit_pixmap(field, PREVIEW_SIDE))
        doubts = []
        if probabilities is None:
            self.digit_label.setText("–")
            self._confidence_label.setText("Draw a digit" if self.canvas.is_blank() else "No digit found")
        else:
            digit = int(np.argmax(probabilities))
            self.digit_label.setText(str(digit))
            self._confidence_label.setText(f"{probabilities[digit]:.1%} sure")
            if probabilities[digit] < UNSURE_BELOW:
                doubts.append("not sure")
            seen, digits = self._digits_seen
            if seen == revision and digits > 1:
                doubts.append("several digits?")
        self.doubt_label.setText(" · ".join(doubts))
        self.doubt_label.setToolTip("Several digits? The network reads one digit at a time: it read the largest."
                                    if "several digits?" in doubts else "")
        self.shown.emit(revision)

    def _show_failure(self, revision: int, message: str) -> None:
        if revision >= self.shown_revision:
            self._show(revision, None, np.zeros((28, 28), np.float32))
            self._confidence_label.setText("This model cannot read it")
            self.status.emit(f"The model could not read the drawing: {message}")

    def current_probabilities(self) -> np.ndarray:
        """The probabilities on screen, those of canvas revision `shown_revision` (the `shown`
        signal says when they change). Nothing is computed here: right after a change of the
        drawing they are still the previous state's until the worker's answer is shown."""
        return self._probabilities.copy()

    def shutdown(self) -> None:
        self._live_timer.stop()
        self.predictor.shutdown()
        self.explainer.shutdown()
