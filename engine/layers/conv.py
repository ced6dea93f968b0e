from __future__ import annotations

import numpy as np

from ..init import weight_std
from .base import Layer, Parameter, Workspace, column_sums
from .im2col import col2im, im2col, output_size


class Conv2D(Layer):
    """2-D convolution by im2col and one matrix product (book 7.4). Channels-last (N, H, W, C).

    The weights are stored as (kh, kw, C_in, C_out); `filters()` shows them the book's way."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 3, stride: int = 1,
                 pad: int = 0, init: str = "he", std: float = 0.01,
                 rng: np.random.Generator | None = None, bias: bool = True,
                 dtype=np.float32):
        rng = rng if rng is not None else np.random.default_rng()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel, self.stride, self.pad = kernel, stride, pad
        fan_in = in_channels * kernel * kernel
        w = rng.standard_normal((kernel, kernel, in_channels, out_channels)) * weight_std(init, fan_in, std)
        self.W = Parameter(w.astype(dtype))
        self.b = Parameter(np.zeros(out_channels, dtype=dtype), "b", decay=False) if bias else None
        self._col = self._x_shape = None
        self._workspace = Workspace()

    def forward(self, x, train=False):
        n, h, w, c = x.shape
        k = self.kernel
        oh, ow = output_size(h, k, self.stride, self.pad), output_size(w, k, self.stride, self.pad)
        # Training keeps the column matrix for backward(), in the same buffer every step.
        buffer = self._workspace.get("col", (n * oh * ow * k * k * c,), x.dtype) if train else None
        col = im2col(x, k, k, self.stride, self.pad, out=buffer)
        out = col @ self.W.value.reshape(-1, self.out_channels)
        if self.b is not None:
            out += self.b.value
        if train:
            self._col, self._x_shape = col, x.shape
        return out.reshape(n, oh, ow, self.out_channels)

    def backward(self, dout):
        dout = dout.reshape(-1, self.out_channels)
        np.matmul(self._col.T, dout, out=self.W.grad.reshape(-1, self.out_channels))
        if self.b is not None:
            column_sums(dout, out=self.b.grad)
        if not self.input_grad:
            return None
        # The column gradient dout @ W.T, computed per kernel offset as a stack of (C_out -> C_in)
        # products: (k*k, M, C_in), the layout col2im adds fastest.
        k = self.kernel
        w_t = np.ascontiguousarray(self.W.value.reshape(k * k, self.in_channels, self.out_channels).transpose(0, 2, 1))
        blocks = self._workspace.get("blocks", (k * k, len(dout), self.in_channels), dout.dtype)
        np.matmul(dout[None], w_t, out=blocks)
        return col2im(blocks, self._x_shape, k, k, self.stride, self.pad)

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
        return (output_size(h, k, s, p), output_size(w, k, s, p), self.out_channels)
