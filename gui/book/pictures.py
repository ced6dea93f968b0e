"""Arrays as pictures for the Book's pages: a vector as a small grid of cells, images in the panels
of a GraphicsLayoutWidget, and a caption under each."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy

from ..explore.plots import ACTIVITY, DIVERGING, image_item, show_image, text_colour


def as_grid(values: np.ndarray, columns: int | None = None) -> np.ndarray:
    """A vector laid out row by row in a grid about twice as wide as high (NaN fills the end)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 784:
        return values.reshape(28, 28)
    columns = columns or max(1, math.ceil(math.sqrt(values.size * 2)))
    rows = math.ceil(values.size / columns)
    grid = np.full(rows * columns, np.nan)
    grid[:values.size] = values
    return grid.reshape(rows, columns)


class PicturePanel:
    """One picture in a GraphicsLayoutWidget: a caption above, square cells (unless not `square`: then
    stretched to the panel), row 0 on top. Signed
    values (gradients) are blue below 0 and red above; values from 0 up are black to yellow."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, row: int, col: int, caption: str = "",
                 rowspan: int = 1, colspan: int = 1, square: bool = True):
        self.label = graphics.addLabel(caption, row=row, col=col, colspan=colspan, color=text_colour().name(),
                                       size="9pt")
        self.view = graphics.addViewBox(row=row + 1, col=col, rowspan=rowspan, colspan=colspan, lockAspect=square,
                                        invertY=True, enableMouse=False)
        self.item = image_item()
        self.view.addItem(self.item)
        self.image: np.ndarray | None = None

    def show(self, image: np.ndarray, signed: bool | None = None, caption: str | None = None) -> None:
        image = np.asarray(image, dtype=np.float64)
        if image.ndim == 1:
            image = as_grid(image)
        finite = image[np.isfinite(image)]
        signed = bool(finite.size and finite.min() < 0) if signed is None else signed
        self.item.setColorMap(DIVERGING if signed else ACTIVITY)
        show_image(self.item, image, symmetric=signed)
        self.image = image
        self.view.autoRange(padding=0.03)
        if caption is not None:
            self.label.setText(caption, color=text_colour().name(), size="9pt")


def flexible(*widgets) -> None:
    """Let layouts share space among these plots by their stretch factors alone (a pyqtgraph plot
    otherwise asks for the size its contents last had, and can squeeze its neighbours flat)."""
    for widget in widgets:
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)


def arrange(graphics: pg.GraphicsLayoutWidget, cells: list[tuple], columns: int) -> None:
    """Lay (caption, picture) pairs out left to right, `columns` to a row, each caption above its picture."""
    layout = graphics.ci
    for caption, picture in cells:
        for item in (caption, picture):
            if item in layout.items:
                layout.removeItem(item)
    for i, (caption, picture) in enumerate(cells):
        row, col = divmod(i, columns)
        layout.addItem(caption, row=2 * row, col=col)
        layout.addItem(picture, row=2 * row + 1, col=col)
