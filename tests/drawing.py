"""Drawing on a DrawingCanvas with real mouse events, as a user would."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def to_widget(canvas, x: float, y: float) -> QPoint:
    """Canvas units (0..1 of the square sheet) to widget pixels."""
    side = min(canvas.width(), canvas.height())
    left, top = (canvas.width() - side) / 2, (canvas.height() - side) / 2
    return QPoint(round(left + x * side), round(top + y * side))


def stroke(canvas, points, steps_per_segment: int = 12) -> None:
    """Press, move with the left button held through the points (canvas units), release."""
    path = [points[0]]
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        for t in np.linspace(0, 1, steps_per_segment + 1)[1:]:
            path.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, *path[0]))
    for x, y in path[1:]:
        QTest.mouseMove(canvas, to_widget(canvas, x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, *path[-1]))


def transform(points, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0):
    """Scale about the sheet's centre, then shift (canvas units)."""
    return [((x - 0.5) * scale + 0.5 + dx, (y - 0.5) * scale + 0.5 + dy) for x, y in points]


SEVEN = [[(0.3, 0.22), (0.72, 0.22), (0.45, 0.8)]]
ONE = [[(0.5, 0.18), (0.5, 0.82)]]
ZERO = [[(0.5 + 0.2 * np.sin(a), 0.5 - 0.3 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)]]


def draw_digit(canvas, strokes, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> None:
    for points in strokes:
        stroke(canvas, transform(points, scale, dx, dy))
