"""Element-wise activations (book 3.2, 5.5)."""
from __future__ import annotations

import numpy as np

from .. import parallel
from .base import Layer


class ReLU(Layer):
    def __init__(self):
        self._mask = None

    def forward(self, x, train=False):
        out = np.empty_like(x)
        mask = np.empty(x.shape, dtype=bool) if train else None

        def relu(start, stop):
            np.maximum(x[start:stop], 0, out=out[start:stop])
            if mask is not None:
                np.greater(x[start:stop], 0, out=mask[start:stop])

        parallel.over_rows(relu, len(x), 2 * x.size if train else x.size)
        if train:
            self._mask = mask
        return out

    def backward(self, dout):
        mask = self._mask.view(np.uint8)   # multiplying by uint8 is faster than by bool
        dx = np.empty(dout.shape, dtype=np.result_type(dout.dtype, mask.dtype))
        parallel.over_rows(lambda start, stop: np.multiply(dout[start:stop], mask[start:stop], out=dx[start:stop]),
                           len(dout), dout.size)
        return dx


class Sigmoid(Layer):
    def __init__(self):
        self._out = None

    def forward(self, x, train=False):
        # 1/(1+exp(-x)) overflows exp for very negative x; tanh is the same curve without that.
        out = np.tanh(x * 0.5)
        out *= 0.5
        out += 0.5
        if train:
            self._out = out
        return out

    def backward(self, dout):
        return dout * self._out * (1 - self._out)


class Tanh(Layer):
    def __init__(self):
        self._out = None

    def forward(self, x, train=False):
        out = np.tanh(x)
        if train:
            self._out = out
        return out

    def backward(self, dout):
        return dout * (1 - self._out * self._out)


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
