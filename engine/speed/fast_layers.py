"""Faster twins of the convolution and max-pool layers, for training. A twin shares its layer's
Parameter objects (so the gradients it writes are the network's) and gives the same numbers as the
book's plain code to rounding (tests/test_speed.py checks it); it only does the work with fewer
copies."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..nn.layers import Conv2D, MaxPool2D
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


ROW_BY_ROW_KERNEL = 3     # input_gradient_from_spread: kernels up to this size, one product per kernel row


def spread_gradient(dout_shape: tuple[int, ...], width: int, k: int, stride: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """A zero buffer for a convolution's output gradient set out at its input's spacing (a stride
    leaves stride-1 zeros between its pixels), with k-1 zeros before and enough after that each of
    the `width` padded input columns has a full window of k; and the view to write the gradient into."""
    n, oh, ow, f = dout_shape
    spread = np.zeros((n, oh, width + k - 1, f), dtype=dtype)
    return spread, spread[:, :, k - 1:k + (ow - 1) * stride:stride]


def input_gradient_from_spread(spread: np.ndarray, weights: np.ndarray, k: int, stride: int, out: np.ndarray) -> None:
    """Adds a convolution's input gradient into `out` (zeros shaped like the padded input), given
    its output gradient in a spread_gradient() buffer and the weights flipped along the kernel's
    columns, as (k*C_out, k*C_in).

    col2im would add k*k shifted blocks of the column gradient dout @ W.T; this works a kernel row
    at a time instead: each input pixel gets the window of k dout pixels along its row that it fed,
    one product with the weights gives every kernel row's share, and k shifted adds sum them.

    Those adds take strided pieces of C numbers, which is slow; for a kernel of up to 3 rows a product
    per row, each share contiguous, costs less. It reads the rows k times, so for larger kernels the
    one product wins (docs/performance.md)."""
    n, oh, _, f = spread.shape
    wp, c = out.shape[2], out.shape[3]
    sn, sy, sx, sf = spread.strides
    rows = np.empty((n, oh, wp, k, f), dtype=spread.dtype)
    np.copyto(rows, as_strided(spread, (n, oh, wp, k, f), (sn, sy, sx, sx, sf), writeable=False))
    rows = rows.reshape(-1, k * f)
    if k <= ROW_BY_ROW_KERNEL:
        share = np.empty((n, oh, wp, c), dtype=spread.dtype)
        for i in range(k):
            np.matmul(rows, weights[:, i * c:(i + 1) * c], out=share.reshape(-1, c))
            out[:, i:i + (oh - 1) * stride + 1:stride] += share
        return
    shares = (rows @ weights).reshape(n, oh, wp, k, c)
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
        n, h, w, _ = x.shape
        oh, ow = output_size(h, self.kernel, self.stride, self.pad), output_size(w, self.kernel, self.stride, self.pad)
        return self.product(x, im2col_into).reshape(n, oh, ow, self.out_channels)

    def product(self, x: np.ndarray, columns) -> np.ndarray:
        """The output rows (N*OH*OW, C_out) of a training step, in the order of the rows of the
        column matrix that columns(x, k, stride, pad, buffer) makes."""
        n, h, w, c = x.shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        outputs = n * output_size(h, k, s, p) * output_size(w, k, s, p)
        col = columns(x, k, s, p, self.workspace.get("col", (outputs * k * k * c,), x.dtype))
        out = col @ self.W.value.reshape(-1, f)
        if self.b is not None:
            # The bias repeated over one image's worth of rows: NumPy's loop then runs over long
            # rows rather than over rows of C_out numbers.
            per_image = out.reshape(n, -1)
            per_image += np.tile(self.b.value, outputs // n)
        self.x_shape, self.col = x.shape, col
        return out

    def backward(self, dout):
        self.parameter_gradients(dout.reshape(-1, self.out_channels))
        if not self.input_grad:
            return None
        return self.input_gradient(lambda window: np.copyto(window, dout.reshape(window.shape)))

    def parameter_gradients(self, rows: np.ndarray) -> None:
        """W's and b's gradients from the output gradient's rows, in the column matrix's order."""
        f = self.out_channels
        np.matmul(self.col.T, rows, out=self.W.grad.reshape(-1, f))
        if self.b is not None:
            np.matmul(np.ones(len(rows), rows.dtype), rows, out=self.b.grad)   # column sums, as a product

    def input_gradient(self, write_dout) -> np.ndarray:
        """The input's gradient; write_dout(view) writes the output gradient into an (N, OH, OW,
        C_out) view."""
        n, h, w, c = self.x_shape
        k, s, p, f = self.kernel, self.stride, self.pad, self.out_channels
        spread, window = spread_gradient((n, output_size(h, k, s, p), output_size(w, k, s, p), f),
                                         w + 2 * p, k, s, self.W.value.dtype)
        write_dout(window)
        weights = np.ascontiguousarray(self.W.value[:, ::-1].transpose(1, 3, 0, 2).reshape(k * f, k * c))
        dx = np.zeros((n, h + 2 * p, w + 2 * p, c), dtype=spread.dtype)
        input_gradient_from_spread(spread, weights, k, s, out=dx)
        return dx[:, p:p + h, p:p + w] if p else dx


def max_pool_2x2(x: np.ndarray, winners: bool = False):
    """2x2 max-pool with stride 2 of an even-sized channels-last batch: the larger of each window's
    two rows (long contiguous runs), then of the two columns of what is left. With winners=True,
    also whether the lower row, then the right column, held the maximum (on a tie they did not, as
    argmax would pick the first)."""
    n, h, w, c = x.shape
    pairs = x.reshape(n, h // 2, 2, w * c)
    top, bottom = pairs[:, :, 0], pairs[:, :, 1]
    columns = np.maximum(top, bottom).reshape(n, h // 2, w // 2, 2, c)
    left, right = columns[..., 0, :], columns[..., 1, :]
    out = np.maximum(left, right)
    return (out, bottom > top, right > left) if winners else out


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
        _, h, w, _ = x.shape
        if not (self.size == self.stride == 2 and h % 2 == 0 and w % 2 == 0):
            self.winners = None
            return super().forward(x, train)
        if not train:
            return max_pool_2x2(x)
        out, lower, right = max_pool_2x2(x, winners=True)
        self.winners = (x.shape, lower, right)
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
