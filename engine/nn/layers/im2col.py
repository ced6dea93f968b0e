"""im2col and col2im for channels-last images (book 7.4.3), through strided views: no loop over pixels.

Images are (N, H, W, C). A column row holds one receptive field in (kh, kw, C) order, so that
`col @ W` with W of shape (kh*kw*C, F) gives the output directly as (N*OH*OW, F), i.e. (N, OH, OW, F)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def pad_images(x: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """A read-only view (N, OH, OW, kh, kw, C) of every receptive field of an already padded x."""
    n, h, w, c = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    sn, sh, sw, sc = x.strides
    return as_strided(x, (n, oh, ow, kh, kw, c), (sn, sh * stride, sw * stride, sh, sw, sc), writeable=False)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """(N, H, W, C) -> (N*OH*OW, kh*kw*C): one row per output pixel, its receptive field unrolled."""
    win = windows(pad_images(x, pad), kh, kw, stride)
    n, oh, ow = win.shape[:3]
    return win.reshape(n * oh * ow, -1)     # the reshape copies: the windows overlap


def col2im(col: np.ndarray, x_shape: tuple[int, ...], kh: int, kw: int, stride: int = 1,
           pad: int = 0) -> np.ndarray:
    """The reverse of im2col for gradients: every column entry is added back onto the pixel it was
    copied from, so a pixel shared by several receptive fields gets the sum of their gradients."""
    n, h, w, c = x_shape
    oh, ow = output_size(h, kh, stride, pad), output_size(w, kw, stride, pad)
    col = col.reshape(n, oh, ow, kh, kw, c)
    img = np.zeros((n, h + 2 * pad, w + 2 * pad, c), dtype=col.dtype)
    for y in range(kh):
        for x in range(kw):
            img[:, y:y + stride * oh:stride, x:x + stride * ow:stride] += col[:, :, :, y, x]
    return img[:, pad:pad + h, pad:pad + w]
