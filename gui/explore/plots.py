"""Small pyqtgraph pieces the Explore views share: contour lines, colour maps, image panels."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ..theme import PANEL_BACKGROUND, fit_to_scene, set_background, style_axes, style_plot, text_colour  # noqa: F401

# Colour maps from explicit stops, so that no data file has to ship with the app.
SEQUENTIAL = pg.ColorMap([0.0, 0.35, 0.7, 1.0], [(247, 251, 255), (158, 202, 225), (49, 130, 189), (8, 48, 107)])
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])
# Black to bright, like MNIST's white ink on black: for activations, which are mostly 0.
ACTIVITY = pg.ColorMap([0.0, 0.35, 0.7, 1.0], [(0, 0, 4), (120, 28, 109), (237, 105, 37), (252, 255, 164)])
ACCURACY = pg.ColorMap([0.0, 0.5, 1.0], [(214, 69, 69), (232, 190, 58), (46, 158, 91)])


def plot_widget(title: str | None = None, left: str | None = None, bottom: str | None = None,
                axis_items: dict | None = None) -> pg.PlotWidget:
    plot = pg.PlotWidget(axisItems=axis_items)
    style_plot(plot, title, left, bottom)
    return plot


def plot_grid(floor: tuple[int, int] = (160, 120)) -> pg.GraphicsLayoutWidget:
    """A GraphicsLayoutWidget for a grid of small plots, on a panel background that follows the
    theme, and as large as its plots need (so that its page scrolls rather than cut them off)."""
    grid = pg.GraphicsLayoutWidget()
    set_background(grid, PANEL_BACKGROUND)
    fit_to_scene(grid, floor)
    return grid


def quiet_plot(plot: pg.PlotItem) -> pg.PlotItem:
    """A plot of a GraphicsLayoutWidget with axes in the palette's text colour, no menu, no zooming."""
    style_axes(plot)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    return plot


def probability_axis(plot: pg.PlotItem) -> None:
    """A y axis from 0 to 1 with three ticks, readable however short the plot is."""
    plot.setYRange(0, 1)
    plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")]])


def contour_lines(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The level set z = level of a grid z[i, j] = f(xs[j], ys[i]), as x and y arrays with NaN
    between separate pieces (for a PlotDataItem with connect="finite")."""
    pieces = pg.functions.isocurve(z.T, level, connected=True, extendToEdge=True)
    if not pieces:
        return np.array([]), np.array([])
    # isocurve's coordinates put the centre of grid cell k at k + 0.5.
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    xy = [np.vstack([np.array(piece, dtype=float), [np.nan, np.nan]]) for piece in pieces]
    xy = np.vstack(xy)
    x = np.clip(xs[0] + (xy[:, 0] - 0.5) * dx, xs[0], xs[-1])
    y = np.clip(ys[0] + (xy[:, 1] - 0.5) * dy, ys[0], ys[-1])
    return x, y


def image_item(image: np.ndarray | None = None, colour_map: pg.ColorMap = SEQUENTIAL) -> pg.ImageItem:
    """An ImageItem that shows array[row, column] the way it is printed (row 0 on top, with invertY)."""
    item = pg.ImageItem(axisOrder="row-major")
    item.setColorMap(colour_map)
    if image is not None:
        item.setImage(image)
    return item


def image_panel(item: pg.ImageItem, title: str | None = None) -> pg.PlotWidget:
    """A plot with its axes hidden that shows one image, square pixels, row 0 on top."""
    plot = plot_widget(title)
    plot_item = plot.getPlotItem()
    plot_item.addItem(item)
    plot_item.invertY(True)
    plot_item.setAspectLocked(True)
    plot_item.hideAxis("left")
    plot_item.hideAxis("bottom")
    plot_item.showGrid(x=False, y=False)
    return plot


def show_image(item: pg.ImageItem, image: np.ndarray, symmetric: bool = False) -> None:
    """Set an image with levels fitted to its finite values (centred on 0 when symmetric)."""
    finite = image[np.isfinite(image)]
    if symmetric:
        top = float(np.abs(finite).max()) if finite.size else 1.0
        levels = (-(top or 1.0), top or 1.0)
    else:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        levels = (low, high if high > low else low + 1.0)
    item.setImage(image, levels=levels, autoLevels=False)
    item.setRect(QRectF(0, 0, image.shape[1], image.shape[0]))


def brushes_for(values: np.ndarray, low: float, high: float, colour_map: pg.ColorMap = ACCURACY) -> list:
    span = (high - low) or 1.0
    return [pg.mkBrush(colour_map.map(float(np.clip((v - low) / span, 0, 1)), mode="qcolor")) for v in values]


def centred_mean(values: np.ndarray, half_window: int) -> np.ndarray:
    """Each value averaged with up to half_window neighbours on each side: smooth, and without the
    lag of an exponential average (near the ends the window is cut short)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return values
    sums = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(n)
    low, high = np.maximum(index - half_window, 0), np.minimum(index + half_window + 1, n)
    return (sums[high] - sums[low]) / (high - low)
