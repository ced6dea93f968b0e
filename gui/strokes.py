"""Strokes as the canvas keeps them, and their rendering to pixels.

A stroke is an (n, 2) array of points in canvas units (0..1 on both axes), so a drawing does not
depend on the widget's size or the screen's pixel density. Rendering uses QImage + QPainter, which
work in any thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from .image_file import qimage_to_gray

# The side, in pixels, at which a drawing is rendered for the network. Much larger than 28 so the
# engine's anti-aliased downscaling does the work, as it did for MNIST's scans.
RENDER_SIDE = 280


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


def render_strokes(strokes: list[np.ndarray], pen_width: float, side: int = RENDER_SIDE) -> np.ndarray:
    """The drawing as (side, side) uint8 gray: black ink on white paper, as a scan would be."""
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_strokes(painter, strokes, pen_width, side, QColor("black"))
    painter.end()
    return qimage_to_gray(image)
