from __future__ import annotations

import numpy as np

from ..init import weight_std
from .base import Layer, Parameter, check_weight_count
from .im2col import col2im, im2col, output_size


class Conv2D(Layer):
    """2-D convolution by im2col and one matrix product (book 7.4). Channels-last (N, H, W, C).

    The weights are stored as (kh, kw, C_in, C_out); `filters()` shows them the book's way."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 3, stride: int = 1,
                 pad: int = 0, init: str = "he", std: float = 0.01,
                 rng: np.random.Generator | None = None, bias: bool = True, dtype=np.float32):
        if kernel < 1 or stride < 1 or pad < 0 or in_channels < 1 or out_channels < 1:
            raise ValueError(f"a convolution needs kernel, stride and channels of at least 1 and a padding of at "
                             f"least 0, got kernel {kernel}, stride {stride}, padding {pad}, "
                             f"channels {in_channels} to {out_channels}")
        check_weight_count(f"a {kernel}x{kernel} convolution of {in_channels} to {out_channels} channels",
                           kernel * kernel * in_channels * out_channels)
        rng = rng if rng is not None else np.random.default_rng()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel, self.stride, self.pad = kernel, stride, pad
        fan_in = in_channels * kernel * kernel
        w = rng.standard_normal((kernel, kernel, in_channels, out_channels)) * weight_std(init, fan_in, std)
        self.W = Parameter(w.astype(dtype))
        self.b = Parameter(np.zeros(out_channels, dtype=dtype), "b", decay=False) if bias else None
        self.x_shape = self.col = None

    def forward(self, x, train=False):
        n, h, w, _ = x.shape
        k, s, p = self.kernel, self.stride, self.pad
        col = im2col(x, k, k, s, p)                              # (N*OH*OW, k*k*C_in)
        out = col @ self.W.value.reshape(-1, self.out_channels)  # (N*OH*OW, C_out)
        if self.b is not None:
            out += self.b.value
        if train:
            self.x_shape, self.col = x.shape, col
        return out.reshape(n, output_size(h, k, s, p), output_size(w, k, s, p), self.out_channels)

    def backward(self, dout):
        dout = dout.reshape(-1, self.out_channels)
        np.matmul(self.col.T, dout, out=self.W.grad.reshape(-1, self.out_channels))
        if self.b is not None:
            np.sum(dout, axis=0, out=self.b.grad)
        if not self.input_grad:
            return None
        dcol = dout @ self.W.value.reshape(-1, self.out_channels).T
        return col2im(dcol, self.x_shape, self.kernel, self.kernel, self.stride, self.pad)

    def filters(self) -> np.ndarray:
        """The weights as (C_out, C_in, kh, kw), the book's layout, for display."""
        return self.W.value.transpose(3, 2, 0, 1)

    def parameters(self):
        return [self.W] if self.b is None else [self.W, self.b]

    def config(self):
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel": self.kernel, "stride": self.stride, "pad": self.pad, "bias": self.b is not None}

    def output_shape(self, input_shape):
        h, w, c = input_shape
        if c != self.in_channels:
            raise ValueError(f"Conv2D expects {self.in_channels} channels, gets {c}")
        k, s, p = self.kernel, self.stride, self.pad
        shape = (output_size(h, k, s, p), output_size(w, k, s, p), self.out_channels)
        if min(shape[:2]) < 1:
            raise ValueError(f"a {k}x{k} convolution does not fit in a {h}x{w} input")
        return shape
