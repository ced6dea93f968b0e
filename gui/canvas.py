"""The drawing canvas: a square sheet of paper, a round antialiased pen, and perhaps a picture
(an opened or pasted image) under the ink."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.data.preprocess import to_mnist

from .digit_image import gray_qimage
from .drawing_history import Drawing, History
from .picture import scale_gray, sheet_picture
from .strokes import RENDER_SIDE, paint_strokes, render_for_network, render_strokes

DEFAULT_PEN_WIDTH = 0.055     # fraction of the canvas side: about MNIST's stroke once scaled to 20 px
PEN_WIDTH_RANGE = (0.02, 0.12)
# A stroke may leave the sheet and come back; its points are kept (and clipped when painted) up to
# this far beyond the edges, in canvas units, so that leaving the sheet never draws along its edge.
OFF_SHEET = 0.25


def redo_keys() -> list[QKeySequence]:
    """The platform's Redo keys and both common ones, wherever the user comes from. (Asked of Qt
    once an application exists, so a function.)"""
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    return keys + [k for k in (QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")) if k not in keys]


class DrawingCanvas(QWidget):
    """Left-button drag draws; right-click or Esc clears; Ctrl+Z undoes the last change (a stroke,
    a Clear, an image put on the sheet), Ctrl+Shift+Z (or Ctrl+Y) redoes it.

    The strokes are kept as point lists, so `mnist_vector()` comes from a clean rendering of them
    (over the picture, if there is one) through the engine's MNIST preprocessing, not from a screenshot."""

    strokeStarted = Signal()
    strokeMoved = Signal()        # during a stroke, for live prediction
    strokeFinished = Signal()
    changed = Signal()            # any change: a stroke ended, undo, redo, clear, a picture

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._history = History()
        self._current: list[tuple[float, float]] | None = None
        self._shown_picture: tuple[np.ndarray, QImage] | None = None   # the picture and its QImage
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
        self.setToolTip("Draw a digit with the left mouse button, or drop an image here.\n"
                        "Right-click or Esc clears; Ctrl+Z undoes, Ctrl+Shift+Z redoes.")
        self.setAccessibleName("Drawing canvas")

    # The drawing.
    def strokes(self) -> list[np.ndarray]:
        """The finished strokes, plus the one being drawn, in canvas units (0..1 on the sheet;
        a stroke that left the sheet has points a little outside)."""
        current = [np.array(self._current, dtype=np.float32)] if self._current else []
        return list(self._history.current.strokes) + current

    def picture(self) -> np.ndarray | None:
        """The image under the strokes (square uint8 gray, dark ink on light paper), if any."""
        return self._history.current.picture

    def drawing(self) -> Drawing:
        """The finished state of the sheet (strokes and picture), to be given back with set_drawing."""
        return self._history.current

    def set_drawing(self, drawing: Drawing) -> None:
        self._change(drawing)

    def set_strokes(self, strokes: list[np.ndarray]) -> None:
        self._change(Drawing(tuple(np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in strokes if len(s))))

    def set_picture(self, gray: np.ndarray) -> None:
        """Put an image on the sheet in place of the drawing (Undo brings the drawing back). Any
        size and either polarity; see gui/picture.py."""
        self._change(Drawing(picture=sheet_picture(gray)))

    def is_blank(self) -> bool:
        return self._history.current.is_blank() and not self._current

    def is_drawing(self) -> bool:
        """Whether a stroke is under way (the button still down)."""
        return self._current is not None

    def clear(self) -> None:
        """Clear the sheet; Undo brings back what was on it."""
        if not self.is_blank():
            self._change(Drawing())

    def start_over(self) -> None:
        """Clear the sheet and the undo history (a labelled drawing was kept: a new one begins)."""
        self._current = None
        self._history.forget()
        self._touch()
        self.changed.emit()

    def undo(self) -> None:
        if self._current is None and self._history.undo():
            self._touch()
            self.changed.emit()

    def redo(self) -> None:
        if self._current is None and self._history.redo():
            self._touch()
            self.changed.emit()

    def can_undo(self) -> bool:
        return self._history.can_undo()

    def can_redo(self) -> bool:
        return self._history.can_redo()

    def _change(self, drawing: Drawing) -> None:
        self._current = None
        self._history.change(drawing)
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
        """The drawing as square uint8 gray, dark ink on light paper: what the engine preprocesses.
        A picture alone is given as it is; strokes over it are rendered at its size (or more)."""
        picture, strokes = self.picture(), self.strokes()
        if picture is None:
            return render_for_network(strokes, self._pen_width)   # pen width in proportion to the digit
        if not strokes:
            return picture
        side = max(len(picture), RENDER_SIDE)
        under = picture if len(picture) == side else scale_gray(picture, side)
        return np.minimum(under, render_strokes(strokes, self._pen_width, side))

    def is_drawing(self) -> bool:
        """Whether render_image() is the strokes alone (no picture under them): every stroke meant."""
        return self.picture() is None

    def revision(self) -> int:
        """Goes up with every change to the drawing, so a prediction can tell it is out of date."""
        return self._revision

    def mnist_vector(self) -> np.ndarray:
        """The drawing as MNIST sees digits: float32 (784,), values in [0, 1], ink bright.
        All zeros while the canvas is blank."""
        if self.is_blank():
            return np.zeros(784, np.float32)
        processed = to_mnist(self.render_image(), self.is_drawing())
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
        low, high = -OFF_SHEET, 1.0 + OFF_SHEET
        return min(max(x, low), high), min(max(y, low), high)

    def _on_sheet(self, pos: QPointF) -> bool:
        return self._sheet().contains(pos)

    def _picture_image(self, picture: np.ndarray) -> QImage:
        if self._shown_picture is None or self._shown_picture[0] is not picture:
            self._shown_picture = (picture, gray_qimage(picture))
        return self._shown_picture[1]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.window())
        sheet = self._sheet()
        painter.fillRect(sheet, QColor("white"))
        painter.setClipRect(sheet)          # ink and pictures stay on the sheet
        picture = self.picture()
        if picture is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(sheet, self._picture_image(picture))
        # A faint frame showing where MNIST's 20x20 box sits, as a hint for size.
        painter.setPen(QPen(QColor(0, 0, 0, 28), 1, Qt.PenStyle.DashLine))
        margin = sheet.width() * 4 / 28
        painter.drawRect(sheet.adjusted(margin, margin, -margin, -margin))
        painter.save()
        painter.translate(sheet.topLeft())
        paint_strokes(painter, self.strokes(), self._pen_width, sheet.width(), QColor(20, 20, 20))
        for paint in self.overlays:
            paint(painter, sheet.width())
        painter.restore()
        if self.is_blank():
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(sheet, Qt.AlignmentFlag.AlignCenter, "Draw a digit here\nor drop an image")
        painter.setClipping(False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(palette.mid().color(), 1))     # the sheet's edge, over any ink that reached it
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(sheet.adjusted(0, 0, -1, -1))
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys rather than QShortcuts, so a window that offers the same commands in its menus
        # (as the main window does) does not make them ambiguous.
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif QKeySequence(event.keyCombination()) in redo_keys():
            self.redo()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._on_sheet(event.position()):
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
            points = np.array(self._current, dtype=np.float32)
            self._current = None
            self._history.change(self._history.current.with_stroke(points))
            self._touch()
            self.strokeFinished.emit()
            self.changed.emit()
