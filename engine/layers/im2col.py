"""im2col for channels-last images (book 7.4), through strided views: no loop over pixels.

Images are (N, H, W, C). A column row holds one receptive field in (kh, kw, C) order, so that
`col @ W` with W of shape (kh*kw*C, F) gives the output directly as (N*OH*OW, F), i.e. (N, OH, OW, F).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def pad_images(x: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x
    n, h, w, c = x.shape
    padded = np.zeros((n, h + 2 * pad, w + 2 * pad, c), dtype=x.dtype)
    padded[:, pad:pad + h, pad:pad + w] = x
    return padded


def windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """A read-only view (N, OH, OW, kh, kw, C) of every receptive field of an already padded x."""
    n, h, w, c = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    sn, sh, sw, sc = x.strides
    return as_strided(x, (n, oh, ow, kh, kw, c), (sn, sh * stride, sw * stride, sh, sw, sc),
                      writeable=False)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, pad: int = 0,
           out: np.ndarray | None = None) -> np.ndarray:
    """(N, H, W, C) -> (N*OH*OW, kh*kw*C), written into `out` (a flat array of that size) if given.

    With one input channel a receptive field row is only kw numbers long, and copying such short
    pieces is slow; the matrix is then filled column by column instead (long runs along the image
    rows) and returned as a Fortran-ordered view, which the matrix product takes just as well."""
    win = windows(pad_images(x, pad), kh, kw, stride)
    n, oh, ow, _, _, c = win.shape
    rows, cols = n * oh * ow, kh * kw * c
    if out is None:
        out = np.empty(rows * cols, dtype=x.dtype)
    if c == 1:
        np.copyto(out.reshape(kh, kw, c, n, oh, ow), win.transpose(3, 4, 5, 0, 1, 2))
        return out.reshape(cols, rows).T
    np.copyto(out.reshape(win.shape), win)  # the one copy im2col needs
    return out.reshape(rows, cols)
