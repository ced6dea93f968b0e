"""The Draw tab's "Why this digit?": a toggle and its choices under the canvas, and a map painted
over the drawing that follows the pen. The maps are computed in a worker thread of their own, the
newest drawing first (gui/latest_only.py); the GUI thread only renders the result."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from engine.data.preprocess import FIELD
from engine.experiments.saliency import saliency

from .canvas import DrawingCanvas
from .drawing_explanation import VIEWS, ExplainRequest, Explanation, explain
from .latest_only import LatestOnly
from .model_library import ModelLibrary
from .saliency_overlay import ghost_image, heat_image, paint_field

TIPS = {
    "reasons": "Each pixel's ink times how much the answer's score would change with it (the gradient, "
               "by the network's own backward pass): the ink the answer rests on, and the ink against it.",
    "occlusion": "Covers each 6x6 patch of the 28x28 digit with blank paper in turn and watches the answer's "
                 "probability: slower, and it asks the network itself instead of its gradient.",
    "class": "The gradient of the chosen digit's log-probability: where more ink would make the drawing more "
             "of that digit (red) or less (blue), on paper or on ink.",
}


class SaliencyControls(QWidget):
    """The toggle, the view, the class of "what would make it a…", and the ghost."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.toggle = QCheckBox("Why this digit?")
        self.toggle.setToolTip("Paint over your drawing what the network's answer rests on")
        self.view = QComboBox()
        for key, text in VIEWS.items():
            self.view.addItem(text, key)
            self.view.setItemData(self.view.count() - 1, TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.target = QComboBox()
        for digit in range(10):
            self.target.addItem(str(digit), digit)
        self.target.setCurrentIndex(3)
        self.target.setToolTip("The digit to make of your drawing")
        self.target.setAccessibleName("Digit to make")
        self.ghost = QCheckBox("Nudge")
        self.ghost.setToolTip("Instead of the map, show as a ghost what a few gradient steps towards that digit "
                              "change in your drawing")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setEnabled(False)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle, 0, 0)
        layout.addWidget(self.view, 0, 1)
        layout.addWidget(self.target, 0, 2)
        layout.addWidget(self.ghost, 0, 3)
        layout.setColumnStretch(1, 1)
        layout.addWidget(self.caption, 1, 0, 1, 4)
        for signal in (self.toggle.toggled, self.view.currentIndexChanged, self.target.currentIndexChanged,
                       self.ghost.toggled):
            signal.connect(self._on_change)
        self._on_change()

    def request(self) -> ExplainRequest:
        return ExplainRequest(self.view.currentData(), self.target.currentData(), self.ghost.isChecked())

    def is_on(self) -> bool:
        return self.toggle.isChecked()

    def _on_change(self) -> None:
        on, view = self.toggle.isChecked(), self.view.currentData()
        self.view.setEnabled(on)
        self.view.setToolTip(TIPS[view])
        self.target.setVisible(view == "class")
        self.ghost.setVisible(view == "class")
        self.target.setEnabled(on)
        self.ghost.setEnabled(on)
        self.caption.setVisible(on)
        self.changed.emit()


class DrawingExplainer(QObject):
    """Keeps the overlay up to date with the drawing, the model and the controls."""

    updated = Signal(int)            # the canvas revision whose explanation is now painted

    def __init__(self, canvas: DrawingCanvas, library: ModelLibrary, parent: QObject | None = None):
        super().__init__(parent)
        self.canvas, self.library = canvas, library
        self.controls = SaliencyControls()
        self.explanation: Explanation | None = None
        self.shown_revision = -1
        self._images: tuple[QImage, QImage | None] | None = None
        self._worker = LatestOnly(explain, "saliency", self)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        canvas.overlays.append(self.paint)
        canvas.strokeMoved.connect(self.refresh)
        canvas.changed.connect(self.refresh)
        library.activeChanged.connect(lambda _: self.refresh())
        self.controls.changed.connect(self._on_controls)

    def _network(self):
        entry = self.library.active
        return entry.model.network if entry else None

    def refresh(self) -> None:
        """Ask for the current drawing's map (nothing while the toggle is off)."""
        if not self.controls.is_on():
            return
        request = self.controls.request()
        self._worker.request((self.canvas.revision(), request), self._network(), self.canvas.strokes(),
                             self.canvas.pen_width(), request)

    def _on_controls(self) -> None:
        self.shown_revision = -1          # the same drawing, seen another way
        if not self.controls.is_on():
            self.explanation, self._images = None, None
            self.canvas.update()
        self.refresh()

    def _on_done(self, tag, explanation: Explanation) -> None:
        revision, request = tag
        if revision < self.shown_revision or request != self.controls.request() or not self.controls.is_on():
            return                        # overtaken by a newer drawing, or asked for another view
        self.shown_revision = revision
        self.explanation = explanation
        ghost = ghost_image(explanation.field, explanation.ghost) if explanation.ghost is not None else None
        self._images = (heat_image(explanation.heat), ghost) if explanation.placement is not None else None
        self.controls.caption.setText(explanation.caption)
        self.canvas.update()
        self.updated.emit(revision)

    def _on_failed(self, tag, message: str) -> None:
        self.controls.caption.setText(f"Could not explain the drawing: {message}")

    def paint(self, painter: QPainter, side: float) -> None:
        """The canvas's overlay hook: the map and the ghost over the sheet."""
        if self._images is None or not self.controls.is_on() or self.explanation.placement is None:
            return
        heat, ghost = self._images
        if ghost is not None:              # instead of the map, which would hide it
            paint_field(painter, ghost, self.explanation.placement, side)
            return
        # The ink behind the answer lies on the ink: screened over it, the strokes take its colours.
        mode = QPainter.CompositionMode.CompositionMode_Screen if self.explanation.request.view == "reasons" \
            else QPainter.CompositionMode.CompositionMode_SourceOver
        paint_field(painter, heat, self.explanation.placement, side, mode)

    def busy(self) -> bool:
        return self._worker.busy()

    def saliency(self) -> np.ndarray:
        """The current drawing's map of the ink behind the answer, (28, 28), computed now (zeros
        while the canvas is blank or no model is active)."""
        network, x = self._network(), self.canvas.mnist_vector()
        if network is None or not x.any():
            return np.zeros((FIELD, FIELD))
        return saliency(network, x)

    def shutdown(self) -> None:
        self._worker.shutdown()
