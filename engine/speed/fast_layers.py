"""Faster twins of the convolution and max-pool layers, for training. A twin shares its layer's
Parameter objects (so the gradients it writes are the network's) and gives the same numbers as the
book's plain code to rounding (tests/test_speed.py checks it); it only does the work with fewer
copies."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..nn.layers import Conv2D, Layer, MaxPool2D, ReLU
from ..nn.layers.im2col import output_size, pad_images, windows


class Workspace:
    """Arrays reused from one training step to the next (same shape every batch), so that a step
    does not allocate and fault in fresh megabytes."""

    def __init__(self):
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self._arrays[name] = np.empty(shape, dtype=dtype)
        return array


def im2col_into(x: np.ndarray, k: int, stride: int, pad: int, out: np.ndarray) -> np.ndarray:
    """im2col() into a flat buffer. With one input channel a receptive field row is only k numbers
    long, and copying such short pieces is slow; the matrix is then filled column by column (long
    runs along the image rows) and returned as a Fortran-ordered view, which matmul takes as well."""
    win = windows(pad_images(x, pad), k, k, stride)
    n, oh, ow, _, _, c = win.shape
    rows, cols = n * oh * ow, k * k * c
    out = out[:rows * cols]
    if c == 1:
        np.copyto(out.reshape(k, k, c, n, oh, ow), win.transpose(3, 4, 5, 0, 1, 2))
        return out.reshape(cols, rows).T
    np.copyto(out.reshape(win.shape), win)
    return out.reshape(rows, cols)


def input_gradient_by_rows(dout: np.ndarray, weights: np.ndarray, k: int, stride: int, out: np.ndarray) -> None:
    """Adds a convolution's input gradient into `out` (zeros shaped like the padded input), given
    dout (N, OH, OW, C_out) and the weights flipped along the kernel's columns, as (k*C_out, k*C_in).

    col2im would add k*k shifted blocks of the column gradient dout @ W.T; this works a kernel row
    at a time instead: each input pixel gets the window of k dout pixels along its row that it fed,
    one product with the weights gives every kernel row's share at once, and k shifted adds sum them."""
    n, oh, ow, f = dout.shape
    wp, c = out.shape[2], out.shape[3]
    # dout set out at the input's spacing (a stride leaves stride-1 zeros between its pixels), with
    # k-1 zeros before and enough after that every input column has a full window of k.
    spread = np.zeros((n, oh, wp + k - 1, f), dtype=dout.dtype)
    spread[:, :, k - 1:k + (ow - 1) * stride:stride] = dout
    sn, sy, sx, sf = spread.strides
    rows = np.empty((n, oh, wp, k, f), dtype=dout.dtype)
    np.copyto(rows, as_strided(spread, (n, oh, wp, k, f), (sn, sy, sx, sx, sf), writeable=False))
    shares = (rows.reshape(-1, k * f) @ weights).reshape(n, oh, wp, k, c)
    for i in range(k):
        out[:, i:i + (oh - 1) * stride + 1:stride] += shares[:, :, :, i]


class FastConv2D(Conv2D):
    """Conv2D with its column matrix in a reused buffer and the input gradient by rows."""

    @classmethod
    def twin_of(cls, layer: Conv2D) -> FastConv2D:
        twin = cls.__new__(cls)
        twin.__dict__.update(vars(layer))       # the same Parameter objects and settings
        twin.workspace = Workspace()
        return twin

    def forward(self, x, train=False):
        if not train:
            return super().forward(x, train)
        n, h, w, c = x.shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        oh, ow = output_size(h, k, s, p), output_size(w, k, s, p)
        col = im2col_into(x, k, s, p, self.workspace.get("col", (n * oh * ow * k * k * c,), x.dtype))
        out = col @ self.W.value.reshape(-1, f)
        if self.b is not None:
            # The bias repeated over one image's outputs: added per image, NumPy's loop runs over
            # long rows rather than over rows of C_out numbers.
            per_image = out.reshape(n, -1)
            per_image += np.tile(self.b.value, oh * ow)
        self.x_shape, self.col = x.shape, col
        return out.reshape(n, oh, ow, f)

    def backward(self, dout):
        n, h, w, c = self.x_shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        rows = dout.reshape(-1, f)
        np.matmul(self.col.T, rows, out=self.W.grad.reshape(-1, f))
        if self.b is not None:
            np.matmul(np.ones(len(rows), rows.dtype), rows, out=self.b.grad)   # column sums, as a product
        if not self.input_grad:
            return None
        weights = np.ascontiguousarray(self.W.value[:, ::-1].transpose(1, 3, 0, 2).reshape(k * f, k * c))
        dx = np.zeros((n, h + 2 * p, w + 2 * p, c), dtype=dout.dtype)
        input_gradient_by_rows(dout.reshape(n, *dout.shape[1:3], f), weights, k, s, out=dx)
        return dx[:, p:p + h, p:p + w] if p else dx


class FastMaxPool2D(MaxPool2D):
    """MaxPool2D for the usual 2x2 windows with stride 2 on an even-sized input, in two stages:
    first the two rows of each window, which in channels-last memory are long contiguous runs, then
    the two columns of what is left, remembering which row and column won (the first, on a tie, as
    argmax would). Other windows go the plain way."""

    @classmethod
    def twin_of(cls, layer: MaxPool2D) -> FastMaxPool2D:
        twin = cls.__new__(cls)
        twin.__dict__.update(vars(layer))
        twin.winners = None
        return twin

    def forward(self, x, train=False):
        n, h, w, c = x.shape
        if not (self.size == self.stride == 2 and h % 2 == 0 and w % 2 == 0):
            self.winners = None
            return super().forward(x, train)
        pairs = x.reshape(n, h // 2, 2, w * c)             # the two rows of each band of windows
        top, bottom = pairs[:, :, 0], pairs[:, :, 1]
        row_max = np.maximum(top, bottom)
        columns = row_max.reshape(n, h // 2, w // 2, 2, c)
        out = np.maximum(columns[..., 0, :], columns[..., 1, :])
        if train:
            # Whether the lower row, then the right column, holds the maximum (on ties it does not).
            self.winners = (x.shape, bottom > top, columns[..., 1, :] > columns[..., 0, :])
        return out

    def backward(self, dout):
        if self.winners is None:
            return super().backward(dout)
        (n, h, w, c), lower, right = self.winners
        by_row = np.empty((n, h // 2, w // 2, 2, c), dtype=dout.dtype)   # the gradient of each row's maximum
        np.multiply(dout, right, out=by_row[..., 1, :])
        np.subtract(dout, by_row[..., 1, :], out=by_row[..., 0, :])
        rows = by_row.reshape(n, h // 2, w * c)
        dx = np.empty((n, h // 2, 2, w * c), dtype=dout.dtype)
        np.multiply(rows, lower, out=dx[:, :, 1])
        np.subtract(rows, dx[:, :, 1], out=dx[:, :, 0])
        return dx.reshape(n, h, w, c)


def fast_twin(layer: Layer) -> Layer:
    if type(layer) is Conv2D:
        return FastConv2D.twin_of(layer)
    if type(layer) is MaxPool2D:
        return FastMaxPool2D.twin_of(layer)
    return layer


def training_layers(layers: list[Layer]) -> list[Layer]:
    """The layers to train through: fast twins, and a ReLU followed by a max-pool run after it. The
    two commute exactly, outputs and gradients alike (ReLU keeps the order of positive numbers and
    maps the rest to 0, where a window's gradient dies either way), and the ReLU then works on a
    quarter of the numbers."""
    order = [fast_twin(layer) for layer in layers]
    for i in range(len(order) - 1):
        if type(order[i]) is ReLU and isinstance(order[i + 1], MaxPool2D):
            order[i], order[i + 1] = order[i + 1], order[i]
    return order
