"""The drawing canvas: a square sheet of paper and a round antialiased pen."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.data.preprocess import to_mnist

from .strokes import paint_strokes, render_strokes

DEFAULT_PEN_WIDTH = 0.055     # fraction of the canvas side: about MNIST's stroke once scaled to 20 px
PEN_WIDTH_RANGE = (0.02, 0.12)


class DrawingCanvas(QWidget):
    """Left-button drag draws; right-click or Esc clears; Ctrl+Z undoes the last stroke.

    The strokes are kept as point lists, so `mnist_vector()` comes from a clean rendering of them
    through the engine's MNIST preprocessing, not from a screenshot."""

    strokeStarted = Signal()
    strokeMoved = Signal()        # during a stroke, for live prediction
    strokeFinished = Signal()
    changed = Signal()            # any change: a stroke ended, undo, clear

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._strokes: list[np.ndarray] = []
        self._current: list[tuple[float, float]] | None = None
        self._pen_width = DEFAULT_PEN_WIDTH
        self._revision = 0
        # Painters of things shown over the drawing (the saliency map): each called as
        # paint(painter, side) with the painter's origin at the sheet's top-left corner.
        self.overlays: list = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(220, 220)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setToolTip("Draw a digit with the left mouse button.\nRight-click or Esc clears, Ctrl+Z undoes a stroke.")
        self.setAccessibleName("Drawing canvas")

    # The drawing.
    def strokes(self) -> list[np.ndarray]:
        """The finished strokes, plus the one being drawn, in canvas units (0..1)."""
        current = [np.array(self._current, dtype=np.float32)] if self._current else []
        return list(self._strokes) + current

    def set_strokes(self, strokes: list[np.ndarray]) -> None:
        self._strokes = [np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in strokes if len(s)]
        self._current = None
        self._touch()
        self.changed.emit()

    def is_blank(self) -> bool:
        return not self._strokes and not self._current

    def is_drawing(self) -> bool:
        """Whether a stroke is under way (the button still down)."""
        return self._current is not None

    def clear(self) -> None:
        if self.is_blank():
            return
        self._strokes, self._current = [], None
        self._touch()
        self.changed.emit()

    def undo(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self._touch()
            self.changed.emit()

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        """Pen width as a fraction of the canvas side. Applies to the whole drawing, like MNIST's
        uniform stroke, so changing it re-renders what is there."""
        low, high = PEN_WIDTH_RANGE
        self._pen_width = float(min(max(width, low), high))
        self._touch()
        if not self.is_blank():
            self.changed.emit()

    def render_image(self) -> np.ndarray:
        """The drawing as uint8 gray, black ink on white paper: what the engine preprocesses."""
        return render_strokes(self.strokes(), self._pen_width)

    def revision(self) -> int:
        """Goes up with every change to the drawing, so a prediction can tell it is out of date."""
        return self._revision

    def mnist_vector(self) -> np.ndarray:
        """The drawing as MNIST sees digits: float32 (784,), values in [0, 1], ink bright.
        All zeros while the canvas is blank."""
        if self.is_blank():
            return np.zeros(784, np.float32)
        processed = to_mnist(self.render_image())
        return np.zeros(784, np.float32) if processed.blank else processed.vector

    def _touch(self) -> None:
        self._revision += 1
        self.update()

    # Qt.
    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def _sheet(self) -> QRectF:
        """The square sheet of paper, centred in the widget."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_canvas(self, pos: QPointF) -> tuple[float, float]:
        sheet = self._sheet()
        x = (pos.x() - sheet.left()) / sheet.width()
        y = (pos.y() - sheet.top()) / sheet.height()
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.window())
        sheet = self._sheet()
        painter.fillRect(sheet, QColor("white"))
        # A faint frame showing where MNIST's 20x20 box sits, as a hint for size.
        painter.setPen(QPen(QColor(0, 0, 0, 28), 1, Qt.PenStyle.DashLine))
        margin = sheet.width() * 4 / 28
        painter.drawRect(sheet.adjusted(margin, margin, -margin, -margin))
        painter.setPen(QPen(palette.mid().color(), 1))
        painter.drawRect(sheet.adjusted(0, 0, -1, -1))
        painter.translate(sheet.topLeft())
        paint_strokes(painter, self.strokes(), self._pen_width, sheet.width(), QColor(20, 20, 20))
        for paint in self.overlays:
            paint(painter, sheet.width())
        if self.is_blank():
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(QRectF(0, 0, sheet.width(), sheet.height()), Qt.AlignmentFlag.AlignCenter,
                             "Draw a digit here")
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys rather than QShortcuts, so a window that offers the same commands in its menus
        # (as the main window does) does not make them ambiguous.
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._current = [self._to_canvas(event.position())]
            self._touch()
            self.strokeStarted.emit()
            self.strokeMoved.emit()
        elif event.button() == Qt.MouseButton.RightButton:
            self.clear()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._current is not None and event.buttons() & Qt.MouseButton.LeftButton:
            point = self._to_canvas(event.position())
            if point != self._current[-1]:
                self._current.append(point)
                self._touch()
                self.strokeMoved.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._strokes.append(np.array(self._current, dtype=np.float32))
            self._current = None
            self._touch()
            self.strokeFinished.emit()
            self.changed.emit()
