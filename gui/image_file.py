"""Reading image files with Qt's own decoders (QImage), which the app ships anyway: PNG, JPEG, BMP,
GIF, TIFF, WebP and more, without adding an imaging library to the executable. Needs no QApplication.

Only a regular file is read (a FIFO would hang the reader), and only so large; its bytes are read
here and handed to Qt, so "not found" and "not readable" are told apart. An SVG (where Qt's SVG
plugin is installed) is a document, not a picture: it may point at other files, which are never
read, so one that does is refused; its text needs fonts, so a headless QGuiApplication is made
when there is none (without it, Qt aborts the process); and it is drawn at a bounded size."""
from __future__ import annotations

import gzip
import io
import re
import sys
import zlib
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QPainter

from engine.storage.regular_files import read_regular

MAX_FILE_BYTES = 2 ** 28         # 256 MB
MAX_PIXELS = 50_000_000          # a 48-megapixel phone photo reads; a decompression bomb does not
SVG_SIDE = 1024                  # an SVG is drawn into at most this many pixels a side
MAX_SVG_BYTES = 2 ** 24
# A reference to anything but a part of the same document (#id) or inline data (data:...).
_OUTSIDE_REFERENCE = re.compile(rb"""(?:[\w.-]+:)?href\s*=\s*["']\s*(?!#|data:)([^"']*)["']""", re.IGNORECASE)
_CSS_IMPORT = re.compile(rb"""@import|url\(\s*(?!['"]?\s*#)""", re.IGNORECASE)
_SVG_FORMATS = (b"svg", b"svgz")
_headless_app = None


class ImageReadError(Exception):
    pass


def qimage_to_gray(image: QImage) -> np.ndarray:
    """A QImage as (H, W) uint8 gray, transparent parts composited onto white paper."""
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(0xFFFFFFFF)
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
    data = read_regular(path, ImageReadError, "image file", MAX_FILE_BYTES)
    if not data:
        raise ImageReadError(f"{path.name} is empty (0 bytes)")
    reader, buffer = _reader(data)
    if bytes(reader.format()) in _SVG_FORMATS:
        reader, buffer = _reader(_checked_svg(path, data), b"svg")
        _ensure_gui_application()
        reader.setScaledSize(_svg_size(reader.size()))
    else:
        size = reader.size()
        if size.isValid() and size.width() * size.height() > MAX_PIXELS:
            raise ImageReadError(f"{path.name} is {size.width():,}x{size.height():,} pixels, more than ScratchNet "
                                 f"reads (at most {MAX_PIXELS // 1_000_000} megapixels)")
    reader.setAutoTransform(True)  # honour EXIF rotation of phone photos
    image = reader.read()
    buffer.close()
    if image.isNull():
        return _fail(path, reader.errorString())
    return qimage_to_gray(image)


def _reader(data: bytes, format: bytes = b"") -> tuple[QImageReader, QBuffer]:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return QImageReader(buffer, QByteArray(format)), buffer   # the reader needs its buffer alive


def _checked_svg(path: Path, data: bytes) -> bytes:
    """The SVG's text (decompressed, for .svgz), refused if it would make Qt read anything else."""
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
                data = f.read(MAX_SVG_BYTES + 1)
        except (OSError, EOFError, zlib.error) as e:
            raise ImageReadError(f"{path.name} is a damaged compressed SVG ({e})") from None
        if len(data) > MAX_SVG_BYTES:
            raise ImageReadError(f"{path.name} expands to more than {MAX_SVG_BYTES:,} bytes of SVG")
    if b"<!ENTITY" in data.upper():
        raise ImageReadError(f"{path.name} is an SVG that declares XML entities, which ScratchNet does not read")
    outside = _OUTSIDE_REFERENCE.search(data)
    if outside or _CSS_IMPORT.search(data):
        target = outside.group(1).decode(errors="replace")[:80] if outside else "a style sheet"
        raise ImageReadError(f"{path.name} is an SVG that refers to another file ({target}); ScratchNet does not "
                             "read the files an SVG points to. Export the drawing as PNG instead")
    return data


def _svg_size(declared: QSize) -> QSize:
    """The SVG's own size, shrunk (keeping its shape) to fit SVG_SIDE pixels a side."""
    if not declared.isValid() or declared.isEmpty():
        return QSize(SVG_SIDE // 4, SVG_SIDE // 4)
    if max(declared.width(), declared.height()) <= SVG_SIDE:
        return declared
    return declared.scaled(SVG_SIDE, SVG_SIDE, Qt.AspectRatioMode.KeepAspectRatio)


def _ensure_gui_application() -> None:
    """Qt draws text only with a QGuiApplication (and aborts the process without one): the command
    line makes a headless one."""
    global _headless_app
    if QGuiApplication.instance() is None:
        _headless_app = QGuiApplication([sys.argv[0] if sys.argv else "scratchnet", "-platform", "offscreen"])


def _fail(path: Path, reason: str):
    known = ", ".join(sorted({bytes(f).decode() for f in QImageReader.supportedImageFormats()}))
    raise ImageReadError(f"cannot read {path.name} as an image ({reason}); readable formats: {known}")
