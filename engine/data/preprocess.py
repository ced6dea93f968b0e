"""Any picture of a digit -> the 784-vector MNIST would have made of it.

First the digit's ink is found (engine/data/photo.py: the paper's level removed, polarity, specks,
noise and other groups of ink left out); a clean drawing's ink is just how dark each pixel is. Then
the recipe of the original MNIST: crop to the ink, scale the longer side to 20 pixels keeping the
aspect ratio (with anti-aliasing), and place it in a 28x28 field so that the centre of mass of the
ink sits at the centre. Here the crop, scale and shift are one exact area-averaging resample, so the
centring is sub-pixel and a digit gives nearly the same vector wherever and however large it is drawn.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .photo import find_digit

FIELD = 28          # output side
BOX = 20            # the longer side of the digit inside the field


@dataclass(frozen=True)
class Preprocessed:
    vector: np.ndarray | None   # (784,) float32 in [0, 1], ink bright; None when blank
    digits: int = 1             # how many digits side by side the picture's ink looks like

    @property
    def blank(self) -> bool:
        return self.vector is None

    def image(self) -> np.ndarray:
        """The 28x28 field (zeros when blank)."""
        return np.zeros((FIELD, FIELD), np.float32) if self.vector is None else self.vector.reshape(FIELD, FIELD)


def to_gray(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 3) or (H, W, 4) in any integer or float range -> (H, W) float64 in [0, 1].

    A transparent pixel counts as white paper."""
    img = np.asarray(image)
    if img.ndim not in (2, 3) or min(img.shape[:2]) < 1:
        raise ValueError(f"expected a 2-D image, got an array of shape {img.shape}")
    if np.issubdtype(img.dtype, np.integer):
        img = img.astype(np.float64) / np.iinfo(img.dtype).max
    else:
        img = np.nan_to_num(img.astype(np.float64))
        if img.max() > 1.0:
            img /= 255.0
    if img.ndim == 3:
        alpha = img[..., 3] if img.shape[2] == 4 else None
        gray = img[..., :3] @ np.array([0.299, 0.587, 0.114]) if img.shape[2] >= 3 else img[..., 0]
        img = gray if alpha is None else gray * alpha + (1.0 - alpha)
    return np.clip(img, 0.0, 1.0)


def _area_weights(n_out: int, n_in: int, start: float, step: float) -> np.ndarray:
    """Resampling matrix (n_out, n_in): output pixel j averages the input over [start + j*step, +step)."""
    lo = start + step * np.arange(n_out)[:, None]
    i = np.arange(n_in)[None, :]
    overlap = np.minimum(lo + step, i + 1) - np.maximum(lo, i)
    return np.clip(overlap, 0.0, None) / step


def to_mnist(image: np.ndarray, drawing: bool = False) -> Preprocessed:
    """Any grayscale or colour image of one digit -> Preprocessed (its MNIST vector, or blank).
    `drawing`: the image is the canvas's strokes alone, every one of them meant (photo.find_digit())."""
    found = find_digit(to_gray(image), drawing)
    if found is None:
        return Preprocessed(None)
    return Preprocessed(mnist_field(found.strength), found.digits)


def mnist_field(strength: np.ndarray) -> np.ndarray:
    """Ink strength (H, W), zero around the digit -> the (784,) float32 vector of the MNIST recipe."""
    rows, cols = np.nonzero(strength)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = strength[y0:y1, x0:x1]
    scale = BOX / max(y1 - y0, x1 - x0)                  # output pixels per input pixel
    mass = crop.sum()
    cy = (crop.sum(axis=1) @ (np.arange(crop.shape[0]) + 0.5)) / mass
    cx = (crop.sum(axis=0) @ (np.arange(crop.shape[1]) + 0.5)) / mass
    # Output pixel j covers input [c + (j - 14)/scale, c + (j + 1 - 14)/scale): the centre of mass
    # c lands on the centre of the field.
    half = FIELD / 2
    rows_w = _area_weights(FIELD, crop.shape[0], cy - half / scale, 1.0 / scale)
    cols_w = _area_weights(FIELD, crop.shape[1], cx - half / scale, 1.0 / scale)
    field = rows_w @ crop @ cols_w.T
    # Downscaling a thin pen stroke makes it faint; MNIST strokes reach full intensity.
    field /= field.max()
    return field.astype(np.float32).reshape(-1)


def mnist_image(vector: np.ndarray) -> np.ndarray:
    """A 784-vector back to a 28x28 uint8 picture, ink bright (for previews and IDX export)."""
    return np.clip(np.asarray(vector).reshape(FIELD, FIELD) * 255.0 + 0.5, 0, 255).astype(np.uint8)
