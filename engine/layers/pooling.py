from __future__ import annotations

import numpy as np

from .. import parallel
from .base import Layer


class MaxPool2D(Layer):
    """Max over each size x size window (book 7.5), channels-last.

    Instead of gathering windows (im2col), it compares size*size strided views of the input, one
    per position inside the window. The gradient goes to the first maximum of each window only, so
    ties (common after ReLU) are not counted twice."""

    def __init__(self, size: int = 2, stride: int | None = None):
        self.size = size
        self.stride = stride or size
        self._x = self._out = None

    def _offsets(self, x_shape):
        """(slice of x, index) for each position inside the window."""
        _, h, w, _ = x_shape
        k, s = self.size, self.stride
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
        return [((slice(None), slice(i, i + s * oh, s), slice(j, j + s * ow, s)), i * k + j)
                for i in range(k) for j in range(k)]

    def forward(self, x, train=False):
        offsets = self._offsets(x.shape)
        out = np.empty((len(x), *self.output_shape(x.shape[1:])), dtype=x.dtype)

        def pool(start, stop):
            xs, o = x[start:stop], out[start:stop]
            np.copyto(o, xs[offsets[0][0]])
            for view, _ in offsets[1:]:
                np.maximum(o, xs[view], out=o)

        parallel.over_rows(pool, len(x), 2 * x.size)      # strided passes cost about twice a plain one
        if train:
            self._x, self._out = x, out
        return out

    def backward(self, dout):
        x, out = self._x, self._out
        k, s = self.size, self.stride
        _, h, w, _ = x.shape
        # Windows that tile the input exactly write every pixel of dx below; otherwise start from zeros.
        tiled = s == k and h % k == 0 and w % k == 0
        dx = np.empty(x.shape, dtype=dout.dtype) if tiled else np.zeros(x.shape, dtype=dout.dtype)
        offsets = self._offsets(x.shape)

        def route(start, stop):
            xs, o, d, dxs = x[start:stop], out[start:stop], dout[start:stop], dx[start:stop]
            claimed = np.empty(o.shape, dtype=bool)   # windows whose maximum already got the gradient
            first_max = np.empty(o.shape, dtype=bool)
            for n, (view, _) in enumerate(offsets):
                if n == 0:
                    np.equal(xs[view], o, out=claimed)
                    mask = claimed
                else:
                    np.equal(xs[view], o, out=first_max)
                    np.greater(first_max, claimed, out=first_max)   # a maximum, and no earlier one
                    if n < len(offsets) - 1:
                        np.logical_or(claimed, first_max, out=claimed)
                    mask = first_max
                mask = mask.view(np.uint8)   # multiplying by uint8 is faster than by bool
                if s < k:                    # overlapping windows share pixels
                    dxs[view] += d * mask
                else:
                    np.multiply(d, mask, out=dxs[view])

        parallel.over_rows(route, len(x), 4 * x.size)     # about 4 passes over the input's size
        return dx

    def config(self):
        return {"size": self.size, "stride": self.stride}

    def output_shape(self, input_shape):
        h, w, c = input_shape
        k, s = self.size, self.stride
        return ((h - k) // s + 1, (w - k) // s + 1, c)
