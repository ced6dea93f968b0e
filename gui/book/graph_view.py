"""A computational graph drawn the book's way (figures 5-16 and 5-17): values flow left to right
above the edges, gradients right to left below them, each shown once the step reaching it is taken."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..theme import ACCENT, BAD

# Where each value's source sits, in a grid of columns (left to right) and rows (top to bottom):
# an input name at its column, an operation's output at its node.
LAYOUTS = {
    "apples": {"apple": (0, 0), "apple_num": (0, 1), "tax": (0, 2),
               "apple_price": (1, 0.5), "price": (2, 1.2)},
    "apples and oranges": {"apple": (0, 0), "apple_num": (0, 1), "orange": (0, 2), "orange_num": (0, 3),
                           "tax": (0, 4), "apple_price": (1, 0.5), "orange_price": (1, 2.5), "all_price": (2, 1.5),
                           "price": (3, 2.5)},
}
RADIUS = 22


def number(value: float) -> str:
    return f"{value:.10g}"


class GraphView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(420, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.trace, self.layout_key = None, "apples"
        self.values_shown: set[str] = set()
        self.gradients_shown: set[str] = set()

    def set_graph(self, trace, layout_key: str) -> None:
        self.trace, self.layout_key = trace, layout_key
        self.update()

    def reveal(self, values: set[str], gradients: set[str]) -> None:
        self.values_shown, self.gradients_shown = set(values), set(gradients)
        self.update()

    # Geometry.
    def _grid(self) -> tuple[float, float, float, float]:
        positions = LAYOUTS[self.layout_key].values()
        columns = max(c for c, _ in positions) + 1
        rows = max(r for _, r in positions) + 1
        return (self.width() - 40) / (columns + 0.6), (self.height() - 30) / rows, columns, rows

    def point(self, name: str) -> QPointF:
        step_x, step_y, _, _ = self._grid()
        column, row = LAYOUTS[self.layout_key][name]
        return QPointF(20 + (column + 0.6) * step_x, 15 + (row + 0.5) * step_y)

    def end_point(self) -> QPointF:
        step_x, _, _, _ = self._grid()
        last = self.point(self.trace.nodes[-1].output)
        return QPointF(last.x() + 0.75 * step_x, last.y())

    def paintEvent(self, event) -> None:
        if self.trace is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(self.foregroundRole())
        font = QFont(self.font())
        painter.setFont(font)
        inputs = {name for node in self.trace.nodes for name in node.inputs} - {n.output for n in self.trace.nodes}
        for node in self.trace.nodes:
            for name in node.inputs:
                start = self.point(name)
                if name in inputs:
                    start = QPointF(start.x() - 0.3 * self._grid()[0], start.y())
                self._edge(painter, start, self.point(node.output), name, text, from_node=name not in inputs)
        self._edge(painter, self.point(self.trace.nodes[-1].output), self.end_point(), self.trace.nodes[-1].output,
                   text, from_node=True)
        for node in self.trace.nodes:
            centre = self.point(node.output)
            painter.setPen(QPen(text, 1.5))
            painter.setBrush(self.palette().color(self.backgroundRole()).lighter(110))
            painter.drawEllipse(centre, RADIUS, RADIUS)
            painter.drawText(QRectF(centre.x() - RADIUS, centre.y() - RADIUS, 2 * RADIUS, 2 * RADIUS),
                             Qt.AlignmentFlag.AlignCenter, node.op)
        painter.end()

    def _edge(self, painter: QPainter, start: QPointF, end: QPointF, name: str, text: QColor, from_node: bool) -> None:
        if from_node:
            start = _towards(start, end, RADIUS)
        if end != self.end_point():
            end = _towards(end, start, RADIUS)
        painter.setPen(QPen(text, 1.2))
        painter.drawLine(start, end)
        _arrow_head(painter, start, end, text)
        middle = QPointF((start.x() + end.x()) / 2, (start.y() + end.y()) / 2)
        box = QRectF(middle.x() - 80, middle.y() - 22, 160, 18)
        if not from_node:                    # an input: its name at the start of the edge
            painter.setPen(text)
            painter.drawText(QRectF(start.x() - 110, start.y() - 9, 104, 18),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        if name in self.values_shown:
            painter.setPen(ACCENT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, number(self.trace.values[name]))
        if name in self.gradients_shown:
            painter.setPen(BAD)
            painter.drawText(box.translated(0, 24), Qt.AlignmentFlag.AlignCenter,
                             number(self.trace.gradients[name]))


def _towards(a: QPointF, b: QPointF, distance: float) -> QPointF:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    return QPointF(a.x() + dx / length * distance, a.y() + dy / length * distance)


def _arrow_head(painter: QPainter, start: QPointF, end: QPointF, colour: QColor) -> None:
    back = _towards(end, start, 9)
    dx, dy = end.x() - back.x(), end.y() - back.y()
    left, right = QPointF(back.x() - dy * 0.5, back.y() + dx * 0.5), QPointF(back.x() + dy * 0.5, back.y() - dx * 0.5)
    painter.setBrush(colour)
    painter.drawPolygon(QPolygonF([end, left, right]))
