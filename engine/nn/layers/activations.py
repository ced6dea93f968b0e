"""Element-wise activations (book 3.2, 5.5)."""
from __future__ import annotations

import numpy as np

from .base import Layer


class ReLU(Layer):
    def __init__(self):
        self.mask = None

    def forward(self, x, train=False):
        if train:
            self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.mask


class Sigmoid(Layer):
    def __init__(self):
        self.out = None

    def forward(self, x, train=False):
        # 1/(1+exp(-x)) overflows exp for very negative x; 0.5*tanh(x/2)+0.5 is the same curve without that.
        out = 0.5 * np.tanh(0.5 * x) + 0.5
        if train:
            self.out = out
        return out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class Tanh(Layer):
    def __init__(self):
        self.out = None

    def forward(self, x, train=False):
        out = np.tanh(x)
        if train:
            self.out = out
        return out

    def backward(self, dout):
        return dout * (1 - self.out * self.out)


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
