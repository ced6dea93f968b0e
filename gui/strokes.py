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
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from .image_file import qimage_to_gray

# The side, in pixels, at which a drawing is rendered for the network. Much larger than 28 so the
# engine's anti-aliased downscaling does the work, as it did for MNIST's scans.
RENDER_SIDE = 280
# The share of the canvas a digit filling MNIST's 20-pixel box takes (the canvas's dashed frame).
BOX_SHARE = 20 / 28


def stroke_path(points: np.ndarray, side: float) -> QPainterPath:
    path = QPainterPath(QPointF(points[0, 0] * side, points[0, 1] * side))
    if len(points) == 1:   # a dot: a segment too short to see, since Qt draws no caps on a zero-length one
        path.lineTo(QPointF(points[0, 0] * side + 0.01, points[0, 1] * side))
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


def render_strokes(strokes: list[np.ndarray], pen_width: float, side: int = RENDER_SIDE,
                   sheet: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The drawing as (side, side) uint8 gray: black ink on white paper, as a scan would be. Ink
    outside `sheet` (its corners (low, high) in canvas units, if given) is cut off, as on screen."""
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    if sheet is not None:
        low, high = sheet
        painter.setClipRect(QRectF(low[0] * side, low[1] * side, (high - low)[0] * side, (high - low)[1] * side))
    paint_strokes(painter, strokes, pen_width, side, QColor("black"))
    painter.end()
    return qimage_to_gray(image)


def box_fit(strokes: list[np.ndarray], pen_width: float) -> tuple[np.ndarray, float]:
    """(centre, scale) that move the ink on the sheet so that, drawn with a pen `pen_width` wide, its
    longer side fills BOX_SHARE of the canvas, centred. A dot stays the pen's own size."""
    points = np.clip(np.concatenate([s for s in strokes if len(s)]), 0.0, 1.0)   # only what the sheet shows
    low, high = points.min(axis=0), points.max(axis=0)
    span = max(float((high - low).max()), pen_width)
    return (low + high) / 2, (BOX_SHARE - pen_width) / span


def render_for_network(strokes: list[np.ndarray], pen_width: float, side: int = RENDER_SIDE) -> np.ndarray:
    """The drawing as the network's preprocessing gets it: black on white, scaled to a digit that
    fills MNIST's box, the pen `pen_width` (canvas units) wide whatever size the digit was drawn, and
    cut at the sheet's edge as the canvas shows it."""
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return render_strokes([], pen_width, side)
    centre, scale = box_fit(strokes, pen_width)
    moved = [(np.asarray(s, np.float64) - centre) * scale + 0.5 for s in strokes]
    sheet = ((np.zeros(2) - centre) * scale + 0.5, (np.ones(2) - centre) * scale + 0.5)
    return render_strokes(moved, pen_width, side, sheet)
