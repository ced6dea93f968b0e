"""What a person would see as cut off in a window, found by geometry: widgets that stick out of their
parents, labels and buttons too small for their text, plots whose titles, axes or legends do not fit
in their view or legends drawn over their data, tick labels written over one another. And a walk over every tab and every page of
the window (the pages of its QStackedWidgets and QTabWidgets, nested ones too)."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from gui.theme import EmptyPlotHint

SLACK = 1            # pixels of rounding allowed
BUTTON_PADDING = 8  # a push button's frame and margins around its text
SMALLEST_VIEW = (60, 40)    # a plot's data area smaller than this is a plot squashed out of use


def name_of(widget) -> str:
    """A readable path to a widget or item: its class, its text or title, and its page."""
    text = ""
    if isinstance(widget, (QLabel, QAbstractButton)):
        text = widget.text()[:40]
    elif isinstance(widget, pg.LabelItem):
        text = widget.text[:40]
    names = []
    parent = widget.parentWidget() if isinstance(widget, QWidget) else None
    while parent is not None:
        title = getattr(parent, "title", None)
        if isinstance(title, str):
            names.append(title)
            break
        parent = parent.parentWidget()
    where = f" in {names[0]!r}" if names else ""
    return f"{type(widget).__name__}({text!r}){where}"


def _visible_rect(widget: QWidget) -> QRect:
    """The part of the widget its ancestors let through, in the widget's coordinates. A scroll
    area's viewport is no limit: scrolling brings the rest into view."""
    rect = widget.rect()
    child, parent = widget, widget.parentWidget()
    offset = QPoint(0, 0)
    while parent is not None:
        offset += child.pos()
        if isinstance(parent.parentWidget(), QScrollArea) and parent is parent.parentWidget().viewport():
            break
        rect = rect.intersected(parent.rect().translated(-offset))
        if parent.isWindow():
            break
        child, parent = parent, parent.parentWidget()
    return rect


def _shown(widget: QWidget) -> list[QWidget]:
    """The visible widgets under `widget`, not looking inside views that lay out their own items
    (lists, tables, text views: they scroll) other than scroll areas."""
    found = []
    for child in widget.findChildren(QWidget):
        if not child.isVisible() or child.width() <= 0 or child.height() <= 0:
            continue
        inside_view = False
        parent = child.parentWidget()
        while parent is not None and parent is not widget:
            if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QScrollArea):
                inside_view = True
                break
            parent = parent.parentWidget()
        if not inside_view:
            found.append(child)
    return found


def widget_problems(root: QWidget) -> list[str]:
    problems = []
    for widget in _shown(root):
        visible = _visible_rect(widget)
        if visible.width() + SLACK < widget.width() or visible.height() + SLACK < widget.height():
            problems.append(f"{name_of(widget)} is cut to {visible.width()}x{visible.height()} of "
                            f"{widget.width()}x{widget.height()}")
            continue
        if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            if widget.wordWrap():
                need = widget.heightForWidth(widget.width())
                if need > widget.height() + SLACK:
                    problems.append(f"{name_of(widget)} needs {need} px of height, has {widget.height()}")
            elif widget.minimumSizeHint().width() > widget.width() + SLACK:
                problems.append(f"{name_of(widget)} needs {widget.minimumSizeHint().width()} px of width, "
                                f"has {widget.width()}")
        elif isinstance(widget, QPushButton) and widget.text():
            # The style's least button width (80 px in Fusion) is no need: the text is.
            need = widget.fontMetrics().horizontalAdvance(widget.text().replace("&", "")) + BUTTON_PADDING
            if widget.menu() is not None:
                need += widget.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, widget)
            if need > widget.width() + SLACK:
                problems.append(f"{name_of(widget)} needs {need} px of width, has {widget.width()}")
        elif isinstance(widget, QAbstractButton) and widget.text():
            if widget.minimumSizeHint().width() > widget.width() + SLACK:
                problems.append(f"{name_of(widget)} needs {widget.minimumSizeHint().width()} px of width, "
                                f"has {widget.width()}")
    return problems


def _scene_rect(item) -> QRectF:
    size = item.geometry().size()      # some pyqtgraph items hide QGraphicsWidget.size
    return item.mapRectToScene(QRectF(0, 0, size.width(), size.height()))


def _inside(inner: QRectF, outer: QRectF) -> bool:
    return (inner.left() >= outer.left() - SLACK and inner.top() >= outer.top() - SLACK
            and inner.right() <= outer.right() + SLACK and inner.bottom() <= outer.bottom() + SLACK)


def _tick_overlaps(axis: pg.AxisItem) -> list[str]:
    """Tick labels of an axis drawn over one another."""
    if not axis.isVisible() or not axis.style.get("showValues", True):
        return []
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    # A tick of two levels at one place (log axes) is written twice on the same spot: count it once.
    unique = {(round(rect.left(), 1), round(rect.top(), 1), text): rect for rect, _, text in specs[2] if text}
    rects = sorted(unique.values(), key=lambda r: (r.left(), r.top()))
    horizontal = axis.orientation in ("bottom", "top")
    for a, b in zip(rects, rects[1:]):
        if horizontal and a.right() > b.left() + SLACK and a.top() < b.bottom() and b.top() < a.bottom():
            return [f"tick labels overlap on the {axis.orientation} axis"]
    if not horizontal:
        rects.sort(key=lambda r: r.top())
        for a, b in zip(rects, rects[1:]):
            if a.bottom() > b.top() + SLACK:
                return [f"tick labels overlap on the {axis.orientation} axis"]
    return []


def _legend_covers(legend: pg.LegendItem) -> list[str]:
    """Whether a legend is drawn over a data point of its plot (points only: a line between two
    points that passes under it is not seen)."""
    if not legend.items:
        return []
    plot = legend.parentItem()
    while plot is not None and not isinstance(plot, pg.PlotItem):
        plot = plot.parentItem()
    if plot is None:
        return []
    area = _scene_rect(legend).adjusted(SLACK, SLACK, -SLACK, -SLACK)
    view = plot.getViewBox()
    for curve in plot.listDataItems():
        x, y = curve.getData()
        if not curve.isVisible() or x is None or not len(x):
            continue
        for px, py in zip(x, y):
            if np.isfinite(px) and np.isfinite(py) and area.contains(view.mapViewToScene(QPointF(px, py))):
                return [f"the legend covers the point ({px:g}, {py:g}) of {curve.name() or 'a curve'}"]
    return []


def plot_problems(root: QWidget) -> list[str]:
    """Every pyqtgraph view under root: its plots, titles, axes and legends inside what it shows."""
    problems = []
    for view in [w for w in _shown(root) if isinstance(w, pg.GraphicsView)] + \
            ([root] if isinstance(root, pg.GraphicsView) else []):
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        where = name_of(view)
        for item in view.scene().items():
            if not item.isVisible() or not isinstance(item, (pg.PlotItem, pg.LabelItem, pg.AxisItem, pg.ViewBox,
                                                              pg.LegendItem)):
                continue
            if isinstance(item, pg.ViewBox) and isinstance(item.parentItem(), pg.ViewBox):
                continue
            rect = _scene_rect(item)
            label = f"{type(item).__name__}"
            if isinstance(item, pg.LabelItem):
                label += f"({item.text[:40]!r})"
                text = item.item.mapRectToParent(item.item.boundingRect())   # rotated labels too
                if text.width() > item.geometry().width() + SLACK:
                    problems.append(f"{label} of {where} is narrower than its text")
                if text.height() > item.geometry().height() + SLACK:
                    problems.append(f"{label} of {where} is lower than its text")
            if not _inside(rect, shown):
                problems.append(f"{label} of {where} sticks out of its view: {rect.getRect()} "
                                f"outside {shown.getRect()}")
            if isinstance(item, pg.LegendItem):
                problems += [f"{p} of {where}" for p in _legend_covers(item)]
                box = item.parentItem()
                while box is not None and not isinstance(box, pg.ViewBox):
                    box = box.parentItem()
                if box is not None and not _inside(rect, _scene_rect(box)):
                    problems.append(f"the legend of {where} sticks out of its plot")
            if isinstance(item, pg.PlotItem):
                size = item.getViewBox().geometry().size()
                if size.width() < SMALLEST_VIEW[0] or size.height() < SMALLEST_VIEW[1]:
                    problems.append(f"a plot of {where} is squashed to {size.width():.0f}x{size.height():.0f}")
            if isinstance(item, pg.AxisItem):
                problems += [f"{p} of {where}" for p in _tick_overlaps(item)]
        for hint in (i for i in view.scene().items() if isinstance(i, EmptyPlotHint) and i.isVisible()):
            box = _scene_rect(hint.parentItem())
            if not _inside(hint.mapRectToScene(hint.boundingRect()), box):
                problems.append(f"the hint {hint.textItem.toPlainText()[:30]!r} of {where} is wider than its plot")
    return problems


def problems(window: QWidget) -> list[str]:
    QApplication.processEvents()
    return widget_problems(window) + plot_problems(window)


def _stacks(widget: QWidget) -> list[QStackedWidget]:
    """The page stacks directly under widget that are on screen (QTabWidgets' own stacks included),
    outermost first, not those nested in another stack's page."""
    found = []
    for stack in widget.findChildren(QStackedWidget):
        if not stack.isVisible():
            continue
        parent = stack.parentWidget()
        nested = False
        while parent is not None and parent is not widget:
            if isinstance(parent, QStackedWidget):
                nested = True
                break
            parent = parent.parentWidget()
        if not nested:
            found.append(stack)
    return found


def _show(stack: QStackedWidget, index: int) -> None:
    tabs = stack.parentWidget()
    if isinstance(tabs, QTabWidget):
        tabs.setCurrentIndex(index)
    else:
        stack.setCurrentIndex(index)


def walk_pages(root: QWidget, settle: Callable[[], None]) -> Iterator[str]:
    """Show every page under root in turn (every page of every stack, nested stacks too) and yield
    a name for each page as it is shown, after settle() let it lay itself out."""
    yield from _walk(root, settle, "")


def _walk(widget: QWidget, settle, path: str) -> Iterator[str]:
    if callable(getattr(widget, "page_titles", None)) and callable(getattr(widget, "show_page", None)):
        # A tab of titled pages (the Book, Inspect) is walked by its titles: the Book builds a page
        # only when it is shown through it, so flipping its stack would show empty placeholders.
        for title in widget.page_titles():
            widget.show_page(title)
            settle()
            stacks = _stacks(widget)
            page = stacks[0].currentWidget() if stacks else None
            name = f"{path} > {title}" if path else title
            yield from (_walk(page, settle, name) if page is not None else [name])
        return
    stacks = _stacks(widget)
    if not stacks:
        yield path or "window"
        return
    for stack in stacks:
        tabs = stack.parentWidget()
        for index in range(stack.count()):
            _show(stack, index)
            settle()
            title = tabs.tabText(index) if isinstance(tabs, QTabWidget) else \
                getattr(_titled(stack.widget(index)), "title", str(index))
            yield from _walk(stack.widget(index), settle, f"{path} > {title}" if path else title)


def _titled(page: QWidget):
    """The page itself or the first widget in it with a `title` (the Explore views have one)."""
    if isinstance(getattr(page, "title", None), str):
        return page
    for child in page.findChildren(QWidget):
        if isinstance(getattr(child, "title", None), str):
            return child
    return page
