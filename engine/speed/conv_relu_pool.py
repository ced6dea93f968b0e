"""Convolution, ReLU and 2x2 max-pool as one training layer, in the order that makes pooling cheap.

A convolution's output rows follow its column matrix's rows, in any order we like. Here they go
window corner first, (dy, dx, n, py, px) for output pixel (2py + dy, 2px + dx): the four corners of
every pooling window then lie in four contiguous blocks, and the pool, the ReLU and their gradients
are element-wise operations on whole blocks, instead of NumPy loops over rows of C numbers in
channels-last images. The numbers are the plain layers' (tests/test_speed.py): the gradient goes to
one maximum of each window, the first in reading order on a tie, as argmax would pick it."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..nn.layers import Conv2D, MaxPool2D, ReLU
from ..nn.layers.im2col import output_size, pad_images
from .fast_layers import FastConv2D, max_pool_2x2


def corner_first_columns(x: np.ndarray, k: int, stride: int, pad: int, out: np.ndarray) -> np.ndarray:
    """im2col() with the rows in (dy, dx, n, py, px) order, into the flat buffer `out`. One input
    channel is filled column by column and returned as a Fortran-ordered view, as im2col_into does."""
    x = pad_images(x, pad)
    n, h, w, c = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    sn, sy, sx, sc = x.strides
    corner = (stride * sy, stride * sx)                      # dy, dx: the next output row, column
    window = (n, oh // 2, ow // 2)
    window_strides = (sn, 2 * stride * sy, 2 * stride * sx)  # n, py, px
    rows, cols = n * oh * ow, k * k * c
    out = out[:rows * cols]
    if c == 1:
        fields = as_strided(x, (k, k, 2, 2, *window), (sy, sx, *corner, *window_strides), writeable=False)
        np.copyto(out.reshape(fields.shape), fields)
        return out.reshape(cols, rows).T
    fields = as_strided(x, (2, 2, *window, k, k, c), (*corner, *window_strides, sy, sx, sc), writeable=False)
    np.copyto(out.reshape(fields.shape), fields)
    return out.reshape(rows, cols)


class ConvReluPool(FastConv2D):
    """Conv2D, then ReLU, then MaxPool2D(2), for a convolution whose output has an even height and
    width. Max-pool before ReLU gives the same numbers (ReLU keeps the order of positive numbers),
    and the ReLU then sees a quarter of them."""

    @classmethod
    def fits(cls, conv, relu, pool, input_shape) -> bool:
        if not (type(conv) is Conv2D and type(relu) is ReLU and type(pool) is MaxPool2D):
            return False
        h, w, _ = conv.output_shape(input_shape)
        return pool.size == pool.stride == 2 and h % 2 == 0 and w % 2 == 0

    def forward(self, x, train=False):
        if not train:      # the plain convolution, caching nothing; ReLU after the pool, on a quarter
            return np.maximum(max_pool_2x2(Conv2D.forward(self, x)), 0)
        n, h, w, _ = x.shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        oh, ow = output_size(h, k, s, p), output_size(w, k, s, p)
        corners = self.product(x, corner_first_columns).reshape(4, -1, f)   # (0, 0), (0, 1), (1, 0), (1, 1)
        top, bottom = np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3])
        best = np.maximum(top, bottom)
        # Which corner won: the right one of a row only if larger, the bottom row only if larger.
        self.winners = (corners[1] > corners[0], corners[3] > corners[2], bottom > top, best > 0)
        np.maximum(best, 0, out=best)
        return best.reshape(n, oh // 2, ow // 2, f)

    def backward(self, dout):
        f = self.out_channels
        right_top, right_bottom, lower, alive = self.winners
        grad = np.empty((4, dout.size // f, f), dtype=dout.dtype)   # the gradient of each corner
        kept = np.multiply(dout.reshape(-1, f), alive)
        np.multiply(kept, lower, out=grad[2])
        np.subtract(kept, grad[2], out=grad[0])
        np.multiply(grad[2], right_bottom, out=grad[3])
        grad[2] -= grad[3]
        np.multiply(grad[0], right_top, out=grad[1])
        grad[0] -= grad[1]
        self.parameter_gradients(grad.reshape(-1, f))
        if not self.input_grad:
            return None
        n = self.x_shape[0]

        def write_dout(window):
            # The corners back in image order: window (n, oy, ox, f) seen as (dy, dx, n, py, px, f).
            wn, wy, wx, wf = window.strides
            _, oh, ow, _ = window.shape
            corners = as_strided(window, (2, 2, n, oh // 2, ow // 2, f), (wy, wx, wn, 2 * wy, 2 * wx, wf))
            np.copyto(corners, grad.reshape(corners.shape))
        return self.input_gradient(write_dout)
