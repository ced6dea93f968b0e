"""Element-wise activations (book 3.2, 5.5)."""
from __future__ import annotations

import numpy as np

from .base import Layer


class ReLU(Layer):
    def __init__(self):
        self._mask = None

    def forward(self, x, train=False):
        out = np.maximum(x, 0)
        if train:
            self._mask = x > 0
        return out

    def backward(self, dout):
        return dout * self._mask.view(np.uint8)   # multiplying by uint8 is faster than by bool


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
