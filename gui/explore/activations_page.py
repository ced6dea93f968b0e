"""Every stage of the network for the digit on the canvas: feature maps of the convolutions, the
units of the fully connected layers, and the final scores."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.experiments.inspection import LayerActivation, tile

from ..theme import ACCENT, MUTED, fit_to_scene
from .common import WrappedLabel
from .plots import ACTIVITY, DIVERGING, image_item, plot_grid, quiet_plot, show_image, text_colour

EXPLANATION = (
    "What happens to the digit you drew on the Draw tab, layer by layer (it updates as you draw). Convolution "
    "layers give one small picture per filter, a <b>feature map</b> of where that filter found its pattern; "
    "pooling halves each map. Fully connected layers are shown as a grid of their units. Black is 0 (a unit "
    "that stays silent), bright yellow the layer's strongest output. The last plot holds the ten scores that "
    "the softmax turns into probabilities: the highest is the network's answer.")

ROW_HEIGHT = 100   # a stage's title and at least ~75 px for its picture
WIDE = 4.0       # feature maps are tiled into a grid about four times wider than high


class ActivationsPage(QWidget):
    def __init__(self, parent=None, explanation: str = EXPLANATION):
        super().__init__(parent)
        self.layers: list[LayerActivation] = []
        self.tiles: list[np.ndarray] = []
        self.items: list[pg.ImageItem] = []
        self.source = WrappedLabel()
        self.graphics = plot_grid(floor=(300, 260))
        self.views: list[pg.ViewBox] = []
        layout = QVBoxLayout(self)
        layout.addWidget(WrappedLabel(explanation))
        layout.addWidget(self.source)
        layout.addWidget(self.graphics, 1)

    def show_layers(self, layers: list[LayerActivation], source: str, probabilities: np.ndarray | None) -> None:
        self.graphics.clear()
        self.layers, self.tiles, self.items, self.views = layers, [], [], []
        self.scores: pg.BarGraphItem | None = None
        text = text_colour().name()
        digit = f" The network reads <b>{int(np.argmax(probabilities))}</b> ({probabilities.max():.1%} sure)." \
            if probabilities is not None else ""
        self.source.setText(source + digit)
        columns = 2 if len(layers) > 4 else 1
        rows = math.ceil(len(layers) / columns)
        fit_to_scene(self.graphics, floor=(300, rows * ROW_HEIGHT))   # each picture or plot gets some height
        previous: tuple[tuple, QRectF] | None = None    # the last maps' shape and the region shown of them
        for k, layer in enumerate(layers):
            row, col = (k % rows) * 2, k // rows
            self.graphics.addLabel(layer.title, row=row, col=col, color=text, size="9pt")
            if k == len(layers) - 1 and layer.values.ndim == 1:
                self._score_bars(layer.values, row + 1, col)
                continue
            maps = layer.maps
            grid_columns = maps.shape[0] if maps.shape[0] == 1 else \
                max(1, min(maps.shape[0], round(math.sqrt(maps.shape[0] * WIDE * maps.shape[1] / maps.shape[2]))))
            tiled = tile(maps, grid_columns)
            symmetric = bool(np.nanmin(tiled) < 0)
            item = image_item(colour_map=DIVERGING if symmetric else ACTIVITY)
            show_image(item, tiled, symmetric=symmetric)
            view = self.graphics.addViewBox(row=row + 1, col=col, lockAspect=True, invertY=True, enableMouse=False)
            view.addItem(item)
            region = QRectF(0, 0, tiled.shape[1], tiled.shape[0])
            if previous is not None and _pools(previous[0], maps.shape):
                # Pooling shrinks the maps before it: show them at the same scale, smaller, not
                # blown up to the same size (a region as large as the previous one's, centred).
                region = QRectF(previous[1])
                region.moveCenter(QRectF(0, 0, tiled.shape[1], tiled.shape[0]).center())
            view.setRange(rect=region, padding=0.02)
            previous = (maps.shape, region)
            self.tiles.append(tiled)
            self.items.append(item)
            self.views.append(view)

    def _score_bars(self, scores: np.ndarray, row: int, col: int) -> None:
        plot = quiet_plot(self.graphics.addPlot(row=row, col=col))
        plot.getAxis("bottom").setTicks([[(d, str(d)) for d in range(len(scores))]])
        brushes = [pg.mkBrush(ACCENT if d == int(np.argmax(scores)) else MUTED) for d in range(len(scores))]
        self.scores = pg.BarGraphItem(x=np.arange(len(scores)), height=scores, width=0.7, brushes=brushes, pen=None)
        plot.addItem(self.scores)
        plot.addLine(y=0, pen=pg.mkPen(text_colour(), width=1))


def _pools(before: tuple, after: tuple) -> bool:
    """Whether maps of shape `after` (channels, height, width) are those of shape `before` made smaller."""
    return len(before) == len(after) == 3 and before[0] == after[0] > 1 and \
        after[1] < before[1] and after[2] < before[2]
