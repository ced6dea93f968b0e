"""Colours shared by the widgets, and pyqtgraph plots that follow the system's light or dark palette."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ACCENT = QColor("#2f7de1")        # the predicted digit, the current run
ACCENT_SOFT = QColor(47, 125, 225, 70)
SECOND = QColor("#e8833a")        # validation accuracy
MUTED = QColor("#8a94a6")         # other digits, earlier runs
GOOD = QColor("#2e9e5b")
BAD = QColor("#d64545")

SERIES = [QColor(c) for c in ("#2f7de1", "#e8833a", "#2e9e5b", "#d64545", "#8e5cd6", "#c2a000", "#17a2b8")]


def is_dark(widget: QWidget | None = None) -> bool:
    palette = widget.palette() if widget else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def style_plot(plot: pg.PlotWidget, title: str | None = None, left: str | None = None,
               bottom: str | None = None) -> pg.PlotItem:
    """Background, axes and labels in the palette's colours."""
    palette = plot.palette()
    text = palette.color(QPalette.ColorRole.WindowText)
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(text))
        axis.setTextPen(pg.mkPen(text))
    if title:
        item.setTitle(title, color=text.name(), size="10pt")
    if left:
        item.setLabel("left", left, color=text.name())
    if bottom:
        item.setLabel("bottom", bottom, color=text.name())
    item.showGrid(x=True, y=True, alpha=0.15)
    if item.legend is not None:
        item.legend.setLabelTextColor(text)
    item.setMenuEnabled(False)
    item.hideButtons()
    return item


class PercentAxis(pg.AxisItem):
    """An axis for fractions, labelled as percentages."""

    def tickStrings(self, values, scale, spacing):
        decimals = 0 if spacing * scale >= 0.01 else 1
        return [f"{v * scale:.{decimals}%}" for v in values]


class EmptyPlotHint(pg.TextItem):
    """A grey line of text in the middle of a plot that has nothing to show yet (its axes alone
    would look like a plot of nothing). It sits on the view box, not among the data, so it stays
    centred whatever range the axes show."""

    def __init__(self, item: pg.PlotItem, text: str):
        super().__init__(text, color=MUTED, anchor=(0.5, 0.5))
        self._view = item.getViewBox()
        self.setParentItem(self._view)
        self._view.sigResized.connect(self._centre)
        self._centre()

    def _centre(self, *_) -> None:
        self.setPos(self._view.boundingRect().center())


def add_legend(item: pg.PlotItem, offset=(-10, 10)) -> pg.LegendItem:
    text = QApplication.palette().color(QPalette.ColorRole.WindowText)
    return item.addLegend(offset=offset, labelTextColor=text)


def big_font(widget: QWidget, scale: float, bold: bool = True) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font
