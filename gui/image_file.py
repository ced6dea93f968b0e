"""Reading image files with Qt's own decoders (QImage), which the app ships anyway: PNG, JPEG, BMP,
GIF, TIFF, WebP and more, without adding an imaging library to the executable. Needs no QApplication."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, QImageReader


class ImageReadError(Exception):
    pass


def qimage_to_gray(image: QImage) -> np.ndarray:
    """A QImage as (H, W) uint8 gray, transparent parts composited onto white paper."""
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(0xFFFFFFFF)
        from PySide6.QtGui import QPainter
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, w, stride = gray.height(), gray.width(), gray.bytesPerLine()
    buffer = np.frombuffer(gray.constBits(), dtype=np.uint8, count=h * stride)
    return buffer.reshape(h, stride)[:, :w].copy()


def read_gray(path: Path | str) -> np.ndarray:
    """An image file as (H, W) uint8 gray. Raises ImageReadError with a readable reason."""
    path = Path(path)
    if not path.is_file():
        raise ImageReadError("file not found" if not path.exists() else "not a file")
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # honour EXIF rotation of phone photos
    image = reader.read()
    if image.isNull():
        return _fail(path, reader.errorString())
    return qimage_to_gray(image)


def _fail(path: Path, reason: str):
    known = ", ".join(sorted({bytes(f).decode() for f in QImageReader.supportedImageFormats()}))
    raise ImageReadError(f"cannot read {path.name} as an image ({reason}); readable formats: {known}")
