"""Strokes as the canvas keeps them, and their rendering to pixels.

A stroke is an (n, 2) array of points in canvas units (0..1 on both axes), so a drawing does not
depend on the widget's size or the screen's pixel density. Rendering uses QImage + QPainter, which
work in any thread.

For the network the pen follows the digit: MNIST's strokes are about as wide for a small digit as
for a large one once each is scaled into its 20-pixel box, so the drawing is rendered scaled to
the size of a digit that fills that box, with the pen at its set width (render_for_network()). A
tiny digit in a corner then has strokes as thin as a large one's, instead of becoming a blob."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from .image_file import qimage_to_gray

# The side, in pixels, at which a drawing is rendered for the network. Much larger than 28 so the
# engine's anti-aliased downscaling does the work, as it did for MNIST's scans.
RENDER_SIDE = 280
# The share of the canvas a digit filling MNIST's 20-pixel box takes (the canvas's dashed frame).
BOX_SHARE = 20 / 28


def stroke_path(points: np.ndarray, side: float) -> QPainterPath:
    path = QPainterPath(QPointF(points[0, 0] * side, points[0, 1] * side))
    if len(points) == 1:
        path.lineTo(QPointF(points[0, 0] * side, points[0, 1] * side))  # a dot
    for x, y in points[1:] * side:
        path.lineTo(QPointF(x, y))
    return path


def ink_pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_strokes(painter: QPainter, strokes: list[np.ndarray], pen_width: float, side: float,
                  color: QColor) -> None:
    """Paint strokes with a round antialiased pen; pen_width is in canvas units (fraction of the side)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(ink_pen(color, pen_width * side))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for points in strokes:
        if len(points):
            painter.drawPath(stroke_path(points, side))


def render_strokes(strokes: list[np.ndarray], pen_width: float, side: int = RENDER_SIDE) -> np.ndarray:
    """The drawing as (side, side) uint8 gray: black ink on white paper, as a scan would be."""
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_strokes(painter, strokes, pen_width, side, QColor("black"))
    painter.end()
    return qimage_to_gray(image)


def fitted_to_box(strokes: list[np.ndarray], pen_width: float) -> list[np.ndarray]:
    """The strokes scaled about their centre so that, drawn with a pen `pen_width` wide, their
    longer side fills BOX_SHARE of the canvas, and centred. A dot stays the pen's own size."""
    points = np.concatenate([s for s in strokes if len(s)])
    low, high = points.min(axis=0), points.max(axis=0)
    span = max(float((high - low).max()), pen_width)
    scale = (BOX_SHARE - pen_width) / span
    return [(np.asarray(s, np.float64) - (low + high) / 2) * scale + 0.5 for s in strokes if len(s)]


def render_for_network(strokes: list[np.ndarray], pen_width: float, side: int = RENDER_SIDE) -> np.ndarray:
    """The drawing as the network's preprocessing gets it: black on white, scaled to a digit that
    fills MNIST's box, the pen `pen_width` (canvas units) wide whatever size the digit was drawn."""
    if not any(len(s) for s in strokes):
        return render_strokes([], pen_width, side)
    return render_strokes(fitted_to_box(strokes, pen_width), pen_width, side)
