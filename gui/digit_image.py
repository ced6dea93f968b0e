"""28x28 digits (and other small arrays) as pixmaps, pixels kept sharp."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def gray_qimage(array: np.ndarray) -> QImage:
    """A 2-D uint8 array as a grayscale QImage (a copy, so the array may go away)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = array.shape
    return QImage(array.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def to_uint8(field: np.ndarray, symmetric: bool = False) -> np.ndarray:
    """Floats to 0..255: [0, 1] as is, or (symmetric) scaled so that 0 is mid-grey, for weights."""
    if np.asarray(field).dtype == np.uint8:
        return np.asarray(field)
    field = np.asarray(field, dtype=np.float64)
    if symmetric:
        scale = np.abs(field).max() or 1.0
        field = 0.5 + 0.5 * field / scale
    else:
        field = np.clip(field, 0, 1)
    return (field * 255 + 0.5).astype(np.uint8)


def digit_pixmap(field: np.ndarray, side: int, symmetric: bool = False) -> QPixmap:
    """A (28, 28) field, a 784-vector or any small 2-D array, scaled to `side` pixels without blurring."""
    field = np.asarray(field)
    if field.ndim == 1:
        field = field.reshape(28, 28)
    image = gray_qimage(to_uint8(field, symmetric))
    return QPixmap.fromImage(image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))
