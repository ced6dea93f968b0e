from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import parallel
from ..init import weight_std
from .base import Layer, Parameter, Workspace, column_sums
from .im2col import im2col, output_size


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
        self._parts = self._x_shape = None
        self._workspace = Workspace()

    def forward(self, x, train=False):
        n, h, w, c = x.shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        oh, ow = output_size(h, k, s, p), output_size(w, k, s, p)
        per_image, width = oh * ow, k * k * c          # column-matrix rows per image, row length
        weights = self.W.value.reshape(-1, f)
        out = np.empty((n * per_image, f), dtype=np.result_type(x.dtype, weights.dtype))
        # Training keeps the column matrix for backward(), in the same buffer every step.
        buffer = self._workspace.get("col", (n * per_image * width,), x.dtype) if train else None
        # The bias repeated over one image's outputs: added per image, NumPy's loop runs over long
        # rows rather than over rows of C_out numbers (first conv, 50 images: 0.27 -> 0.11 ms).
        bias = None if self.b is None else np.tile(self.b.value, per_image)

        def columns_times_weights(start, stop):
            rows = slice(start * per_image, stop * per_image)
            part = None if buffer is None else buffer[start * per_image * width:stop * per_image * width]
            col = im2col(x[start:stop], k, k, s, p, out=part)
            np.matmul(col, weights, out=out[rows])
            if bias is not None:
                per_image_rows = out[rows].reshape(stop - start, -1)
                per_image_rows += bias
            return start, stop, col

        parts = parallel.over_rows(columns_times_weights, n, n * per_image * width
                                   + parallel.matmul_work(n * per_image, width, f))
        if train:
            self._parts, self._x_shape = parts, x.shape
        return out.reshape(n, oh, ow, f)

    def backward(self, dout):
        n, h, w, c = self._x_shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        oh, ow = output_size(h, k, s, p), output_size(w, k, s, p)
        per_image = oh * ow
        dout = dout.reshape(n, oh, ow, f)
        dout_rows = dout.reshape(-1, f)
        dx = np.zeros((n, h + 2 * p, w + 2 * p, c), dtype=dout.dtype) if self.input_grad else None
        w_grad, b_grad = self.W.grad.reshape(-1, f), None if self.b is None else self.b.grad
        weights = None
        if dx is not None:
            # The weights for input_gradient_by_rows(): rows (u, C_out) with u = k-1-j, columns (i, C_in).
            weights = np.ascontiguousarray(self.W.value[:, ::-1].transpose(1, 3, 0, 2).reshape(k * f, k * c))

        def gradients(start, stop, col):
            d = dout_rows[start * per_image:stop * per_image]
            first = start == 0                     # the first range writes straight into .grad
            gw = np.matmul(col.T, d, out=w_grad if first else None)
            gb = None
            if b_grad is not None:
                gb = b_grad if first else np.empty_like(b_grad)
                column_sums(d, out=gb)
            if dx is not None:
                input_gradient_by_rows(dout[start:stop], weights, k, s, out=dx[start:stop])
            return gw, gb

        for gw, gb in parallel.run(gradients, self._parts)[1:]:
            w_grad += gw
            if gb is not None:
                b_grad += gb
        if dx is None:
            return None
        return dx[:, p:p + h, p:p + w] if p else dx

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


def input_gradient_by_rows(dout: np.ndarray, weights: np.ndarray, k: int, stride: int, out: np.ndarray) -> None:
    """Adds a convolution's input gradient into `out` (zeros of the padded input's shape
    (N, Hp, Wp, C_in)), given dout (N, OH, OW, C_out) and the weights flipped along the kernel's
    columns, as (k*C_out, k*C_in).

    Rather than the column gradient dout @ W.T (k*k numbers per input pixel and channel) and col2im,
    which adds k*k shifted blocks, this works one kernel row at a time: each input pixel of a row
    gets the window of k dout pixels along the row that it fed, one product with the weights
    (k*C_out -> k*C_in) gives every kernel row's share at once, and k shifted adds, one per kernel
    row, sum them. The product has a far better shape than k*k thin ones (conv2 of the benchmark
    CNN, 50 images: 3.8 -> 2.9 ms)."""
    n, oh, ow, f = dout.shape
    wp, c = out.shape[2], out.shape[3]
    # dout set out at the input's spacing (a stride leaves stride-1 zeros between its pixels), with
    # k-1 zeros before and enough after that every input column has a full window of k.
    spread = np.zeros((n, oh, wp + k - 1, f), dtype=dout.dtype)
    spread[:, :, k - 1:k + (ow - 1) * stride:stride] = dout
    sn, sy, sx, sf = spread.strides
    windows = np.empty((n, oh, wp, k, f), dtype=dout.dtype)
    np.copyto(windows, as_strided(spread, (n, oh, wp, k, f), (sn, sy, sx, sx, sf), writeable=False))
    shares = (windows.reshape(-1, k * f) @ weights).reshape(n, oh, wp, k, c)
    for i in range(k):
        out[:, i:i + (oh - 1) * stride + 1:stride] += shares[:, :, :, i]
