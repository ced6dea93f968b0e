"""Layers that only change how the same numbers are laid out."""
from __future__ import annotations

import math

from .base import Layer


class Reshape(Layer):
    """Per-sample reshape, e.g. flat 784-vectors into (28, 28, 1) images for a convolution."""

    def __init__(self, shape):
        self.shape = tuple(shape)
        self._in_shape = None

    def forward(self, x, train=False):
        if train:
            self._in_shape = x.shape
        return x.reshape((x.shape[0],) + self.shape)

    def backward(self, dout):
        return dout.reshape(self._in_shape)

    def config(self):
        return {"shape": list(self.shape)}

    def output_shape(self, input_shape):
        if math.prod(input_shape) != math.prod(self.shape):
            raise ValueError(f"cannot reshape {input_shape} into {self.shape}")
        return self.shape


class Flatten(Layer):
    """(N, H, W, C) -> (N, H*W*C), between the convolutions and the affine layers."""

    def __init__(self):
        self._in_shape = None

    def forward(self, x, train=False):
        if train:
            self._in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self._in_shape)

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)
