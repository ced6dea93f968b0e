"""An image brought onto the canvas (opened, dropped, pasted, or sent from Inspect), as the sheet
holds it: square, dark ink on light paper, at most MAX_SIDE pixels a side.

The network's preprocessing reads either polarity and crops to the ink, so neither the inversion
nor the padding changes what it sees; they only make the picture look like ink on the sheet."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImageReader

from .digit_image import gray_qimage
from .image_file import qimage_to_gray

MAX_SIDE = 1024   # a phone photo is shrunk to this: far more than the 20 pixels MNIST keeps


def paper_level(gray: np.ndarray) -> float:
    """The paper's gray level: the median of the border, as the engine's preprocessing takes it."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border))


def sheet_picture(gray: np.ndarray) -> np.ndarray:
    """(H, W) uint8 gray of either polarity -> a square uint8 picture, dark ink on light paper."""
    gray = np.asarray(gray, dtype=np.uint8)
    if gray.ndim != 2 or min(gray.shape) < 1:
        raise ValueError(f"expected a 2-D gray image, got shape {gray.shape}")
    paper = paper_level(gray)
    if paper < 128:                       # light ink on dark paper (an MNIST digit, chalk on a board)
        gray, paper = 255 - gray, 255 - paper
    h, w = gray.shape
    side = max(h, w)
    square = np.full((side, side), round(paper), np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    square[top:top + h, left:left + w] = gray
    return scale_gray(square, MAX_SIDE) if side > MAX_SIDE else square


def scale_gray(gray: np.ndarray, side: int) -> np.ndarray:
    """A square gray picture resampled (smoothly) to side x side."""
    image = gray_qimage(gray).scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
    return qimage_to_gray(image)


def image_suffixes() -> set[str]:
    """The file name endings Qt can read here, lower case, without the dot."""
    return {bytes(f).decode().lower() for f in QImageReader.supportedImageFormats()}


def image_name_filter() -> str:
    """For file dialogs: "Images (*.png *.jpg ...);;All files (*)"."""
    patterns = " ".join(f"*.{s}" for s in sorted(image_suffixes()))
    return f"Images ({patterns});;All files (*)"
