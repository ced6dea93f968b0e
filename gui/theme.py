"""Colours shared by the widgets, and pyqtgraph plots in the palette's colours that follow it when the
theme changes (View > Theme, gui/appearance.py).

The data colours (ACCENT, SECOND, SERIES...) read well on light and dark backgrounds alike; what
follows the theme is the plots' background, axes, titles and legends, read from the application's
palette whenever a plot is styled or restyled."""
from __future__ import annotations

import math

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ACCENT = QColor("#2f7de1")        # the predicted digit, the current run
ACCENT_SOFT = QColor(47, 125, 225, 70)
SECOND = QColor("#e8833a")        # validation accuracy
MUTED = QColor("#8a94a6")         # other digits, earlier runs
GOOD = QColor("#2e9e5b")
BAD = QColor("#d64545")

SERIES = [QColor(c) for c in ("#2f7de1", "#e8833a", "#2e9e5b", "#d64545", "#8e5cd6", "#c2a000", "#17a2b8")]
# Ten colours that stay apart from one another, for plots with many series (a CNN has 8+ parameter arrays).
MANY = [QColor(c) for c in ("#2f7de1", "#e8833a", "#2e9e5b", "#d64545", "#8e5cd6", "#a0522d", "#e377c2",
                            "#8a94a6", "#b5a000", "#17a2b8")]

LEGEND_MARGIN = 10                # pixels between a legend and the edges of its plot
PLOT_BACKGROUND = "base"          # a plot's background role: the palette's Base (like a text field)...
PANEL_BACKGROUND = "panel"        # ... or a shade lighter than the window, for grids of small plots


class ThemeSignals(QObject):
    """`changed` is emitted after the theme changed and every plot was restyled, for the few items
    that draw in the text colour and recolour themselves."""
    changed = Signal()


signals = ThemeSignals()


def palette() -> QPalette:
    return QApplication.palette()


def text_colour() -> QColor:
    return palette().color(QPalette.ColorRole.WindowText)


def is_dark(widget: QWidget | None = None) -> bool:
    colours = widget.palette() if widget else palette()
    return colours.color(QPalette.ColorRole.Window).lightness() < 128


def background(role: str) -> QColor:
    if role == PANEL_BACKGROUND:
        window = palette().color(QPalette.ColorRole.Window)
        return window.lighter(104) if not is_dark() else window.lighter(115)
    return palette().color(QPalette.ColorRole.Base)


# The styled views, for restyle_all: walking QApplication.allWidgets() instead wraps every widget of the
# process, those of windows already closed too, and crashed in PySide on one of them.
_styled: list[pg.GraphicsView] = []


def set_background(view: pg.GraphicsView, role: str = PLOT_BACKGROUND) -> None:
    """The view's background in the palette's colours, now and after every change of theme."""
    if view.property("themeBackground") is None:
        _styled.append(view)
    view.setProperty("themeBackground", role)
    view.setBackground(background(role))


def style_axes(item: pg.PlotItem) -> None:
    text = text_colour()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(text))
        axis.setTextPen(pg.mkPen(text))
        # No "(x0.001)" on an axis: ticks read in the values' own units.
        axis.enableAutoSIPrefix(False)


def style_plot(plot: pg.PlotWidget, title: str | None = None, left: str | None = None,
               bottom: str | None = None) -> pg.PlotItem:
    """Background, axes and labels in the palette's colours; the view asks for the room its plot needs."""
    text = text_colour()
    set_background(plot)
    item = plot.getPlotItem()
    style_axes(item)
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
    fit_to_scene(plot)
    return item


def fit_to_scene(view: pg.GraphicsView, floor: tuple[int, int] = (160, 120)) -> None:
    """Keep the view's minimum size at what its plots need (titles, axes and tick labels at full
    width) and at least `floor`, so that a layout gives it that room or its page scrolls, instead
    of the view cutting its plots off. Kept up to date as titles and ticks change; calling it again
    changes the floor."""
    first = view.property("fitFloor") is None
    view.setProperty("fitFloor", QSize(*floor))
    if first:
        # Later, not inside the view's own resize: a minimum set there resizes the view again at
        # once, and pyqtgraph's view would keep the older size for its scene.
        view.centralWidget.geometryChanged.connect(lambda: QTimer.singleShot(0, view, lambda: _fit(view)))
    _fit(view)


def _fit(view: pg.GraphicsView) -> None:
    floor = view.property("fitFloor")
    need = view.centralWidget.effectiveSizeHint(Qt.SizeHint.MinimumSize)
    width, height = need.width(), need.height()
    legend = getattr(view.centralWidget, "legend", None)
    if legend is not None and legend.isVisible():
        # A legend floats over the data, outside the layout: the data area must hold it.
        plot, data = view.centralWidget.geometry().size(), view.centralWidget.getViewBox().geometry().size()
        room = legend.boundingRect().size()
        width = max(width, plot.width() - data.width() + room.width() + 2 * LEGEND_MARGIN)
        height = max(height, plot.height() - data.height() + room.height() + 2 * LEGEND_MARGIN)
    frame = 2 * view.frameWidth()
    size = QSize(max(floor.width(), math.ceil(width) + frame), max(floor.height(), math.ceil(height) + frame))
    if size != view.minimumSize():
        view.setMinimumSize(size)


def set_title(item: pg.PlotItem, title: str, **style) -> None:
    """PlotItem.setTitle, for titles of more than one line too: pyqtgraph fixes the title's row at
    30 px, which cuts a second or third line in half."""
    item.setTitle(title, **style)
    height = math.ceil(item.titleLabel.item.boundingRect().height())
    item.titleLabel.setMaximumHeight(max(height, 30))
    item.layout.setRowFixedHeight(0, max(height, 30))


def restyle(view: pg.GraphicsView) -> None:
    """Put a styled view in the current palette's colours: background, axes, titles, legends."""
    role = view.property("themeBackground")
    if role is None:
        return
    view.setBackground(background(role))
    text = text_colour()
    for item in view.scene().items():
        if isinstance(item, pg.PlotItem):
            style_axes(item)                 # the text pen colours the axis titles too
        elif isinstance(item, pg.LabelItem) and item.text:
            item.setText(item.text, color=text.name())
        elif isinstance(item, pg.LegendItem):
            item.setLabelTextColor(text)


def restyle_all() -> None:
    """After a change of theme: every styled plot in the application, then the items that draw
    in the text colour themselves."""
    _styled[:] = [view for view in _styled if shiboken6.isValid(view) and not getattr(view, "closed", False)]
    for view in _styled:
        restyle(view)
    signals.changed.emit()


class PercentAxis(pg.AxisItem):
    """An axis for fractions, labelled as percentages: every accuracy axis of the app."""

    def tickStrings(self, values, scale, spacing):
        decimals = 0 if spacing * scale >= 0.01 else 1
        return [f"{v * scale:.{decimals}%}" for v in values]


class DecadeAxis(pg.AxisItem):
    """A logarithmic axis labelled at its powers of ten only, written as the spin boxes write them
    (1e-3): the labels of the ticks in between would run into each other in a narrow plot."""

    def logTickStrings(self, values, scale, spacing):
        decades = [round(v) for v in values if abs(v - round(v)) < 1e-6]
        every = 1
        if decades and self.orientation in ("bottom", "top"):
            # In a narrow plot, every second (or third...) power of ten, so the labels stay apart.
            low, high = self.range
            per_decade = self.width() / max(high - low, 1e-9)
            widest = max(QFontMetrics(self.font()).horizontalAdvance(f"1e{d}") for d in decades) + 8
            every = max(1, math.ceil(widest / max(per_decade, 1e-9)))
        return [f"1e{round(v)}" if abs(v - round(v)) < 1e-6 and round(v) % every == 0 else "" for v in values]


def percent_axes() -> dict:
    """axisItems for a plot whose y axis is an accuracy."""
    return {"left": PercentAxis("left")}


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
        # Wrapped to the plot's width when the plot is narrower than the line.
        room = max(self._view.boundingRect().width() - 20, 40)
        self.setTextWidth(-1)
        if self.textItem.boundingRect().width() > room:
            self.setTextWidth(room)
        self.setPos(self._view.boundingRect().center())


def add_legend(item: pg.PlotItem, offset=(-LEGEND_MARGIN, LEGEND_MARGIN), columns: int = 1) -> pg.LegendItem:
    """A legend in a corner of the plot: top right by default; a negative y offset puts it at the
    bottom. Choose the corner the curves leave free. The plot's view keeps room for it."""
    legend = item.addLegend(offset=offset, labelTextColor=text_colour(), colCount=columns)
    legend.layout.setContentsMargins(2, 2, 2, 2)    # Qt's 9 px around the entries would hide curves for nothing

    def refit() -> None:
        for view in item.scene().views() if item.scene() is not None else []:
            if view.property("fitFloor") is not None:
                QTimer.singleShot(0, view, lambda view=view: _fit(view))

    legend.geometryChanged.connect(refit)
    legend.visibleChanged.connect(refit)
    return legend


def legend_html(entries: list[tuple[QColor, str]], dashed: set[str] = frozenset()) -> str:
    """A legend as a line of rich text, for a QLabel outside the plots (where it covers nothing)."""
    parts = []
    for colour, label in entries:
        line = "‒&nbsp;‒&nbsp;‒" if label in dashed else "━━"
        parts.append(f"<span style='color:{colour.name()}; font-weight:bold'>{line}</span>&nbsp;{label}")
    return "&nbsp;&nbsp;&nbsp; ".join(parts)      # a plain space at the end: it wraps between entries


def big_font(widget: QWidget, scale: float, bold: bool = True) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font
