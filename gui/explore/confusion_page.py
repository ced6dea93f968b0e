"""The confusion matrix of the active model on the test set; a click on a cell shows its images."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.experiments.inspection import TestPredictions

from ..theme import ACCENT, fit_to_scene
from .common import WrappedLabel
from .gallery import DigitGallery
from .plots import SEQUENTIAL, image_item, plot_widget

EXPLANATION = (
    "Each row is a true digit, each column the digit the network read. The diagonal counts the right answers; "
    "everything off it is a mistake, and which ones pile up tells what the network confuses (4 and 9, 3 and 5, "
    "7 and 2...). Colours grow with the count on a log scale, so that small numbers of mistakes show. "
    "<b>Click a cell</b> to see its images.")


class ConfusionPage(QWidget):
    cellChosen = Signal(int, int)      # true digit, predicted digit

    def __init__(self, parent=None):
        super().__init__(parent)
        self.matrix: np.ndarray | None = None
        self.predictions: TestPredictions | None = None
        self.images: np.ndarray | None = None
        self.cell: tuple[int, int] | None = None
        self.plot = plot_widget(None, left="true digit", bottom="read as")
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.invertY(True)
        item.showGrid(x=False, y=False)
        ticks = [[(d + 0.5, str(d)) for d in range(10)]]
        item.getAxis("bottom").setTicks(ticks)
        item.getAxis("left").setTicks(ticks)
        self.image = image_item(colour_map=SEQUENTIAL)
        item.addItem(self.image)
        item.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        self._texts: list[pg.TextItem] = []
        for k in range(100):
            text = pg.TextItem(anchor=(0.5, 0.5))
            text.setPos(k % 10 + 0.5, k // 10 + 0.5)
            item.addItem(text)
            self._texts.append(text)
        self._highlight = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self._highlight.setPen(pg.mkPen(ACCENT, width=3))
        self._highlight.setVisible(False)
        item.addItem(self._highlight)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        fit_to_scene(self.plot, floor=(300, 280))
        self.plot.setToolTip("Click a cell to see those test images")
        self.summary = WrappedLabel()
        self.cell_title = QLabel("Click a cell of the matrix.")
        self.gallery = DigitGallery()
        left = QVBoxLayout()
        left.addWidget(self.plot, 1)
        left.addWidget(self.summary)
        right = QVBoxLayout()
        right.addWidget(self.cell_title)
        right.addWidget(self.gallery, 1)
        body = QHBoxLayout()
        body.addLayout(left, 5)
        body.addLayout(right, 4)
        layout = QVBoxLayout(self)
        about = WrappedLabel(EXPLANATION)
        layout.addWidget(about)
        layout.addLayout(body, 1)

    def clear(self, message: str) -> None:
        self.matrix, self.predictions, self.cell = None, None, None
        self.image.clear()
        for text in self._texts:
            text.setText("")
        self._highlight.setVisible(False)
        self.gallery.clear()
        self.summary.setText(message)
        self.cell_title.setText("")

    def show_predictions(self, predictions: TestPredictions, images: np.ndarray) -> None:
        self.predictions, self.images = predictions, images
        matrix = predictions.confusion()
        self.matrix = matrix
        shade = np.log1p(matrix.astype(float))
        top = float(shade.max()) or 1.0
        self.image.setImage(shade, levels=(0, top), autoLevels=False)
        self.image.setRect(QRectF(0, 0, 10, 10))
        for k, text in enumerate(self._texts):
            count = int(matrix.flat[k])
            dark = shade.flat[k] > 0.55 * top
            text.setColor(QColor("white") if dark else QColor(30, 30, 30))
            text.setText(str(count) if count else "")
        total, right = int(matrix.sum()), int(np.trace(matrix))
        self.summary.setText(f"{right:,} of {total:,} test images read correctly: {right / total:.2%}. "
                             f"{total - right:,} mistakes.")
        if self.cell is not None:
            self.choose_cell(*self.cell)
        else:
            worst = np.unravel_index(np.argmax(matrix - np.diag(np.diag(matrix))), matrix.shape)
            self.choose_cell(int(worst[0]), int(worst[1]))

    def _on_click(self, event) -> None:
        if self.matrix is None:
            return
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        col, row = int(np.floor(point.x())), int(np.floor(point.y()))
        if 0 <= row < 10 and 0 <= col < 10:
            self.choose_cell(row, col)

    def cell_centre(self, true: int, predicted: int) -> QPointF:
        """Where cell (true, predicted) is in the plot's scene, for clicking on it."""
        return self.plot.getPlotItem().vb.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))

    def choose_cell(self, true: int, predicted: int) -> None:
        if self.predictions is None:
            return
        self.cell = (true, predicted)
        self._highlight.setRect(predicted, true, 1, 1)
        self._highlight.setVisible(True)
        indices = self.predictions.cell(true, predicted)
        what = f"of a {true}, read correctly" if true == predicted else f"of a {true}, read as {predicted}"
        shown = f" (the first {min(len(indices), 300)} shown, most confident first)" if len(indices) > 300 else ""
        self.cell_title.setText(f"<b>{len(indices):,} image{'s' if len(indices) != 1 else ''} {what}</b>{shown}")
        self.gallery.show_digits(indices, self.images, self.predictions)
        self.cellChosen.emit(true, predicted)
