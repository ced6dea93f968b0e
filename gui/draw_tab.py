"""The Draw tab: the canvas, the live prediction, what the network sees, and the model in use."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
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

from .canvas import PEN_WIDTH_RANGE, DrawingCanvas
from .digit_image import digit_pixmap
from .model_library import ModelEntry, ModelLibrary
from .prediction import LivePredictor, predict_drawing
from .probability_chart import ProbabilityChart
from .saliency import DrawingExplainer
from .theme import big_font

LIVE_INTERVAL_MS = 50    # at most ~20 predictions a second while the pen moves
PREVIEW_SIDE = 140


class DrawTab(QWidget):
    status = Signal(str)          # a message for the status bar
    error = Signal(str, str)      # title, message: shown in a dialog by the window

    def __init__(self, library: ModelLibrary, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.library, self.settings = library, settings
        self.canvas = DrawingCanvas()
        self.predictor = LivePredictor(self)
        self._probabilities = np.zeros(10)
        self.shown_revision = -1
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(self.request_prediction)
        self._build()
        self.explainer = DrawingExplainer(self.canvas, library, self)
        self.canvas_column.addWidget(self.explainer.controls)
        self.canvas.strokeMoved.connect(self._on_pen_moved)
        self.canvas.changed.connect(self.request_prediction)
        self.predictor.updated.connect(self._show)
        library.entriesChanged.connect(self._fill_models)
        library.activeChanged.connect(self._on_model_changed)
        self._fill_models()
        pen = float(settings.value("draw/pen_width", self.canvas.pen_width()))
        self.canvas.set_pen_width(pen)
        self.pen_slider.setValue(round(pen * 1000))

    # Layout.
    def _build(self) -> None:
        clear = QPushButton("Clear")
        clear.setToolTip("Clear the canvas (Esc, or right-click on it)")
        clear.clicked.connect(self.canvas.clear)
        undo = QPushButton("Undo")
        undo.setToolTip(f"Undo the last stroke ({QKeySequence(QKeySequence.StandardKey.Undo).toString(QKeySequence.SequenceFormat.NativeText)})")
        undo.clicked.connect(self.canvas.undo)
        self.pen_slider = QSlider(Qt.Orientation.Horizontal)
        self.pen_slider.setRange(*(round(v * 1000) for v in PEN_WIDTH_RANGE))
        self.pen_slider.setToolTip("Pen width. MNIST digits have strokes of about 2 of their 20 pixels.")
        self.pen_slider.valueChanged.connect(self._on_pen_width)
        self.pen_slider.setMaximumWidth(160)
        tools = QHBoxLayout()
        tools.addWidget(clear)
        tools.addWidget(undo)
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
        self.model_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        model_box = QGroupBox("Model")
        model_layout = QGridLayout(model_box)
        model_layout.addWidget(self._model_combo, 0, 0)
        model_layout.addWidget(open_button, 0, 1)
        model_layout.addWidget(self.model_info, 1, 0, 1, 2)
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
        verdict = QVBoxLayout()
        verdict.addStretch(1)
        verdict.addWidget(self.digit_label)
        verdict.addWidget(self._confidence_label)
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

    # Models.
    def _fill_models(self) -> None:
        self._model_combo.blockSignals(True)
        self._model_combo.clear()
        for entry in self.library.entries():
            self._model_combo.addItem(entry.name)
        self._model_combo.setCurrentIndex(self.library.active_index())
        self._model_combo.blockSignals(False)

    def _on_model_changed(self, entry: ModelEntry) -> None:
        self._model_combo.setCurrentIndex(self.library.active_index())
        self.model_info.setText(entry.summary())
        self.shown_revision = -1
        self.request_prediction()

    def open_model_dialog(self) -> None:
        start = str(self.settings.value("paths/models", ""))
        path, _ = QFileDialog.getOpenFileName(self, "Open a model", start, "ScratchNet models (*.npz);;All files (*)")
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> bool:
        """Load and activate a model file; on failure, say why and keep the current model."""
        try:
            entry = self.library.open_file(path)
        except ModelFileError as e:
            self.error.emit("Cannot open the model", f"{e}\n\nThe current model stays in use.")
            return False
        self.settings.setValue("paths/models", str(entry.path.parent))
        self.status.emit(f"Using {entry.name}: {entry.model.describe()}")
        return True

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
        self.predictor.request(revision, self._network(), self.canvas.render_image())

    def _show(self, revision: int, probabilities, field) -> None:
        if revision < self.shown_revision:
            return  # an older result overtaken by a newer one
        self.shown_revision = revision
        self._probabilities = np.zeros(10) if probabilities is None else np.asarray(probabilities, dtype=float)
        self.chart.set_probabilities(probabilities)
        self._preview.setPixmap(digit_pixmap(field, PREVIEW_SIDE))
        if probabilities is None:
            self.digit_label.setText("–")
            self._confidence_label.setText("Draw a digit" if self.canvas.is_blank() else "No digit found")
        else:
            digit = int(np.argmax(probabilities))
            self.digit_label.setText(str(digit))
            self._confidence_label.setText(f"{probabilities[digit]:.1%} sure")

    def current_probabilities(self) -> np.ndarray:
        """What the tab shows; if the drawing changed since, the prediction is brought up to date first."""
        if self.canvas.revision() != self.shown_revision:
            if self.canvas.is_blank():
                self._show(self.canvas.revision(), None, np.zeros((28, 28), np.float32))
            else:
                self._show(self.canvas.revision(), *predict_drawing(self._network(), self.canvas.render_image()))
        return self._probabilities.copy()

    def shutdown(self) -> None:
        self._live_timer.stop()
        self.predictor.shutdown()
        self.explainer.shutdown()
