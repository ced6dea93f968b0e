"""Gradient check (book 5.7): backpropagation against numerical differentiation, per parameter."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.experiments.inspection import GradientComparison

from ..theme import BAD, GOOD, MANY, MUTED, fit_to_scene
from .common import WrappedLabel
from .plots import plot_widget

EXPLANATION = (
    "Backpropagation computes the gradient of the loss for every weight in one backward pass. Numerical "
    "differentiation gets the same numbers the slow, simple way: nudge one weight by ±h, run the network twice, "
    "divide the change in loss by 2h. If backprop is right, the two agree to many digits. This checks a dozen "
    "weights of every parameter array on 8 training images, in double precision on a copy of the model. The "
    "relative error |a − b| / (|a| + |b|) should be tiny (below 10⁻⁵). A larger one can also come from a kink: "
    "a ReLU input or a max-pooling tie sitting exactly where the nudge crosses it. On the right, each point is "
    "one weight, scaled by its array's largest gradient, in the colour and shape of its row in the table; all "
    "should sit on the diagonal.")

AGREE, CLOSE = 1e-5, 1e-3
SYMBOLS = ("o", "s", "t", "d", "star", "t1", "p", "h", "t2", "x")
PARAMETERS = {"W": "weights W", "b": "biases b", "gamma": "scale γ", "beta": "shift β"}
LAYER_NAMES = {"Affine": "Affine", "Conv2D": "Convolution", "BatchNorm": "Batch norm"}


def readable_names(names: list[str]) -> list[str]:
    """"8:Affine.W" as "Affine 2 · weights W": the layers of a kind counted from 1, as one reads the
    network, and the parameter said in words."""
    counts: dict[str, int] = {}
    layers: dict[str, int] = {}
    out = []
    for name in names:
        index, _, rest = name.partition(":")
        kind, _, parameter = rest.rpartition(".")
        if index not in layers:
            counts[kind] = counts.get(kind, 0) + 1
            layers[index] = counts[kind]
        out.append(f"{LAYER_NAMES.get(kind, kind)} {layers[index]} · {PARAMETERS.get(parameter, parameter)}")
    return out


def verdict(error: float) -> str:
    return "agree" if error < AGREE else "close" if error < CLOSE else "DIFFER"


class GradientCheckPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.results: list[GradientComparison] = []
        self.run_button = QPushButton("Run the gradient check")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["parameter", "shape", "relative error", "verdict",
                                              "first weights: backprop / numerical"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.plot = plot_widget("Numerical against backprop (scaled)", left="backprop", bottom="numerical")
        self.plot.getPlotItem().setAspectLocked(True)
        self.plot.getPlotItem().setMouseEnabled(x=False, y=False)
        self.plot.getPlotItem().setRange(xRange=(-1.05, 1.05), yRange=(-1.05, 1.05))
        fit_to_scene(self.plot, floor=(220, 200))
        # No legend over the points: the table's rows carry each array's colour and shape.
        self.summary = WrappedLabel()
        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.summary, 1)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addWidget(self.plot, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(WrappedLabel(EXPLANATION))
        layout.addLayout(top)
        layout.addLayout(body, 1)

    def clear(self, message: str = "") -> None:
        self.results = []
        self.table.setRowCount(0)
        self.plot.getPlotItem().clear()
        self.summary.setText(message)

    def show_results(self, results: list[GradientComparison]) -> None:
        self.clear()
        self.results = results
        item = self.plot.getPlotItem()
        item.plot([-1.05, 1.05], [-1.05, 1.05], pen=pg.mkPen(MUTED, width=1, style=Qt.PenStyle.DashLine))
        self.table.setRowCount(len(results))
        for row, (r, name) in enumerate(zip(results, readable_names([r.name for r in results]))):
            error = r.error
            colour, symbol = MANY[row % len(MANY)], SYMBOLS[row % len(SYMBOLS)]
            samples = ", ".join(f"{b:.3g} / {n:.3g}" for b, n in zip(r.backprop[:2], r.numerical[:2]))
            cells = (name, "×".join(str(s) for s in r.shape), f"{error:.1e}", verdict(error), samples)
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if col == 0:
                    cell.setIcon(marker_icon(colour, symbol))
                    cell.setToolTip(f"{r.name} in the network's list of layers")
                if col == 3:
                    cell.setForeground(GOOD if error < CLOSE else BAD)
                self.table.setItem(row, col, cell)
            scale = max(float(np.abs(r.numerical).max()), float(np.abs(r.backprop).max())) or 1.0
            item.plot(r.numerical / scale, r.backprop / scale, pen=None, symbol=symbol, symbolSize=8,
                      symbolBrush=colour, symbolPen=None, name=name)
        worst = max((r.error for r in results), default=0.0)
        self.summary.setText(f"{sum(r.backprop.size for r in results)} weights in {len(results)} arrays compared; "
                             f"the largest relative error is {worst:.1e} ({verdict(worst)}).")


def marker_icon(colour, symbol: str, side: int = 12) -> QIcon:
    """The plot's marker for a table row: the same colour and shape as its points."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(QPointF(side / 2, side / 2))
    painter.scale(side * 0.8, side * 0.8)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(pg.mkBrush(colour))
    painter.drawPath(pg.graphicsItems.ScatterPlotItem.Symbols[symbol])
    painter.end()
    return QIcon(pixmap)
