"""Painting a map over the 28x28 field onto the drawing sheet: red where it is positive, blue where
negative, more opaque the stronger, smoothly scaled over the square where the field lies; and what
a nudge changes in a drawing, as a ghost: ink it adds in violet, ink it takes away as paper."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

POSITIVE = (200, 30, 40)
NEGATIVE = (25, 95, 200)
ADDED = (130, 40, 200)
TAKEN = (255, 255, 255)
OPACITY = 0.85               # of the strongest pixel
# Alpha grows as the square root of the strength: weak parts stay visible beside the strongest.
GAMMA = 0.5


def heat_image(heat: np.ndarray, colours=(POSITIVE, NEGATIVE), full: float | None = None,
               gamma: float = GAMMA) -> QImage:
    """A signed map as a 28x28 RGBA image, opaque where its magnitude reaches `full` (None: its
    largest magnitude)."""
    top = float(np.abs(heat).max()) if full is None else full
    strength = np.clip(np.abs(heat) / top, 0.0, 1.0) if top > 0 else np.zeros(heat.shape)
    rgba = np.zeros(heat.shape + (4,), np.uint8)
    rgba[heat > 0, :3] = colours[0]
    rgba[heat < 0, :3] = colours[1]
    rgba[..., 3] = np.round(255 * OPACITY * strength ** gamma)
    return _image(rgba)


def ghost_image(before: np.ndarray, after: np.ndarray) -> QImage:
    """The change from one 28x28 drawing to another, as much ink as it changes: ink added, ink
    taken away."""
    return heat_image(np.asarray(after, np.float64) - before, (ADDED, TAKEN), full=1.0, gamma=1.0)


def _image(rgba: np.ndarray) -> QImage:
    h, w = rgba.shape[:2]
    data = np.ascontiguousarray(rgba)
    return QImage(data.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()   # copy: owns its pixels


def paint_field(painter: QPainter, image: QImage, placement: tuple[float, float, float], side: float,
                mode: QPainter.CompositionMode = QPainter.CompositionMode.CompositionMode_SourceOver) -> None:
    """Paint a 28x28 image over the square where the field lies; the painter's origin is the sheet's
    top-left corner, `side` its width in pixels."""
    top, left, field_side = placement
    painter.save()
    painter.setClipRect(QRectF(0, 0, side, side))      # a field larger than the sheet stays on it
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    painter.setCompositionMode(mode)
    painter.drawImage(QRectF(left * side, top * side, field_side * side, field_side * side), image)
    painter.restore()
