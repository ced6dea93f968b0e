from __future__ import annotations

import numpy as np

from .base import Layer
from .im2col import col2im, im2col


class MaxPool2D(Layer):
    """Max over each size x size window (book 7.5), channels-last, through im2col as the book does.

    The gradient goes to one maximum of each window only (the first, as argmax picks it), so ties,
    common after ReLU, are not counted twice."""

    def __init__(self, size: int = 2, stride: int | None = None):
        if size < 1 or (stride is not None and stride < 1):
            raise ValueError(f"a pooling window and its stride must be at least 1, got {size} and {stride}")
        self.size = size
        self.stride = stride or size
        self.x_shape = self.argmax = None

    def forward(self, x, train=False):
        n, c = len(x), x.shape[3]
        oh, ow, _ = self.output_shape(x.shape[1:])
        col = im2col(x, self.size, self.size, self.stride).reshape(-1, self.size * self.size, c)
        if train:
            self.x_shape, self.argmax = x.shape, col.argmax(axis=1)      # (N*OH*OW, C)
        return col.max(axis=1).reshape(n, oh, ow, c)

    def backward(self, dout):
        c, window = dout.shape[3], self.size * self.size
        dcol = np.zeros((self.argmax.shape[0], window, c), dtype=dout.dtype)
        np.put_along_axis(dcol, self.argmax[:, None, :], dout.reshape(-1, 1, c), axis=1)
        return col2im(dcol.reshape(len(dcol), -1), self.x_shape, self.size, self.size, self.stride)

    def config(self):
        return {"size": self.size, "stride": self.stride}

    def output_shape(self, input_shape):
        h, w, c = input_shape
        k, s = self.size, self.stride
        if h < k or w < k:
            raise ValueError(f"a {k}x{k} pooling window does not fit in a {h}x{w} input")
        return ((h - k) // s + 1, (w - k) // s + 1, c)
