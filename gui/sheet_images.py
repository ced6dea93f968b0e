"""Images onto the canvas's sheet and drawings off it: File > Open image, paste, drag and drop,
and Save drawing. The picture is predicted like a drawing; strokes can be drawn over it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QObject, QSettings, Signal
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.storage.atomic import atomic_write_bytes

from .canvas import DrawingCanvas
from .digit_image import gray_qimage
from .image_file import ImageReadError, qimage_to_gray, read_gray
from .picture import image_name_filter, image_suffixes


def local_files(mime: QMimeData) -> list[Path]:
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []


def encoded(gray: np.ndarray, suffix: str) -> bytes:
    """A gray image in the format the file name asks for (PNG unless Qt can write that one)."""
    writable = {bytes(f).decode().lower() for f in QImageWriter.supportedImageFormats()}
    fmt = suffix.lower() if suffix.lower() in writable else "png"
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not gray_qimage(gray).save(buffer, fmt.upper()):
        raise OSError(f"Qt could not encode the drawing as {fmt.upper()}")
    buffer.close()
    return bytes(data)


class SheetImages(QObject):
    status = Signal(str)
    error = Signal(str, str)

    def __init__(self, canvas: DrawingCanvas, settings: QSettings, window: QWidget):
        super().__init__(window)
        self.canvas, self.settings, self.window = canvas, settings, window

    # In.
    def open_dialog(self) -> None:
        start = str(self.settings.value("paths/images", ""))
        path, _ = QFileDialog.getOpenFileName(self.window, "Open an image of a digit", start, image_name_filter())
        if path:
            self.open(path)

    def open(self, path: str | Path) -> bool:
        """Put an image file on the sheet; on failure, say why and leave the drawing as it was."""
        path = Path(path)
        try:
            gray = read_gray(path)
        except ImageReadError as e:
            self.error.emit("Cannot open the image", f"{e}\n\nThe drawing stays as it was.")
            return False
        self.settings.setValue("paths/images", str(path.parent))
        self.show(gray, path.name)
        return True

    def show(self, gray: np.ndarray, what: str) -> None:
        self.canvas.set_picture(gray)
        h, w = gray.shape
        self.status.emit(f"{what} ({w}×{h}) is on the sheet and read like a drawing; draw over it if you like. "
                         "Undo brings back what was there.")

    def can_take(self, mime: QMimeData) -> bool:
        """Whether a drop or paste of this holds an image (data, or a file with an image's name)."""
        suffixes = image_suffixes()
        return mime.hasImage() or any(p.suffix.lower().lstrip(".") in suffixes for p in local_files(mime))

    def take(self, mime: QMimeData) -> bool:
        """Put the image of a drop or paste on the sheet."""
        files = local_files(mime)
        if files:
            return self.open(files[0])
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.show(qimage_to_gray(image), "The pasted image")
                return True
        text = mime.text().strip() if mime.hasText() else ""
        if text and Path(text).expanduser().is_file():
            return self.open(Path(text).expanduser())
        self.status.emit("There is no image to paste: copy an image, or an image file, first.")
        return False

    def paste(self) -> bool:
        return self.take(QGuiApplication.clipboard().mimeData())

    # Out.
    def save_dialog(self) -> None:
        if self.canvas.is_blank():
            self.status.emit("There is nothing on the sheet to save.")
            return
        folder = Path(str(self.settings.value("paths/drawings", Path.home())))
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the drawing", str(folder / "drawing.png"),
                                              "PNG images (*.png);;All files (*)")
        if path:
            self.save(path)

    def save(self, path: str | Path) -> bool:
        """The drawing as the network's preprocessing gets it (dark ink on white), atomically;
        Open image reads it back. A name without an ending gets .png."""
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".png")
        if self.canvas.is_blank():
            self.status.emit("There is nothing on the sheet to save.")
            return False
        try:
            atomic_write_bytes(path, encoded(self.canvas.render_image(), path.suffix.lstrip(".")))
        except OSError as e:
            self.error.emit("Cannot save the drawing", f"{path}: {e.strerror or e}")
            return False
        self.settings.setValue("paths/drawings", str(path.parent))
        self.status.emit(f"Saved the drawing to {path}")
        return True
