from __future__ import annotations

import numpy as np

from .base import Layer, Parameter, check_weight_count


class BatchNorm(Layer):
    """Normalise each feature over the batch, then scale and shift (book 6.3; Ioffe & Szegedy 2015).

    Works on (N, D) and on channels-last images (N, H, W, C). Inference uses running statistics."""

    def __init__(self, features: int, momentum: float = 0.9, eps: float = 1e-5, dtype=np.float32):
        if features < 1:
            raise ValueError(f"batch normalisation needs at least one feature, got {features}")
        check_weight_count(f"a batch normalisation of {features:,} features", 4 * features)
        self.features, self.momentum, self.eps = features, momentum, eps
        self.gamma = Parameter(np.ones(features, dtype=dtype), "gamma", decay=False)
        self.beta = Parameter(np.zeros(features, dtype=dtype), "beta", decay=False)
        self.running_mean = np.zeros(features, dtype=dtype)
        self.running_var = np.ones(features, dtype=dtype)
        self._xn = self._std = None

    def forward(self, x, train=False):
        flat = x.reshape(-1, self.features)
        if train:
            mean = flat.mean(axis=0)
            centred = flat - mean
            var = np.mean(centred * centred, axis=0)
            std = np.sqrt(var + self.eps)
            xn = centred / std
            self._xn, self._std = xn, std
            m = self.momentum
            self.running_mean *= m
            self.running_mean += (1 - m) * mean
            self.running_var *= m
            self.running_var += (1 - m) * var
        else:
            xn = (flat - self.running_mean) / np.sqrt(self.running_var + self.eps)
        out = xn * self.gamma.value
        out += self.beta.value
        return out.reshape(x.shape)

    def backward(self, dout):
        shape = dout.shape
        dout = dout.reshape(-1, self.features)
        xn, n = self._xn, dout.shape[0]
        np.sum(dout, axis=0, out=self.beta.grad)
        np.sum(dout * xn, axis=0, out=self.gamma.grad)
        dxn = dout * self.gamma.value
        # The book's chain of small steps, collapsed into one expression.
        dx = dxn - dxn.mean(axis=0) - xn * (np.sum(dxn * xn, axis=0) / n)
        dx /= self._std
        return dx.reshape(shape)

    def parameters(self):
        return [self.gamma, self.beta]

    def buffers(self):
        return [self.running_mean, self.running_var]

    def cast(self, dtype):
        super().cast(dtype)
        self.running_mean = self.running_mean.astype(dtype)
        self.running_var = self.running_var.astype(dtype)

    def config(self):
        return {"features": self.features, "momentum": self.momentum, "eps": self.eps}

    def output_shape(self, input_shape):
        if not input_shape or input_shape[-1] != self.features:
            raise ValueError(f"BatchNorm normalises {self.features} features, gets {input_shape}")
        return input_shape
