"""Convolution on one image, the way the engine computes it (book 7.2 and 7.4): every window of
the image becomes one row of the im2col matrix, and one matrix product with the filter gives the
whole feature map; one row of it is the filter sliding to one position."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.layers import Conv2D
from ..nn.layers.im2col import im2col, pad_images

# Hand-made 3x3 filters, the kind a network's first layer tends to learn.
FILTERS = {
    "vertical edges": ((1, 0, -1), (2, 0, -2), (1, 0, -1)),
    "horizontal edges": ((1, 2, 1), (0, 0, 0), (-1, -2, -1)),
    "diagonal strokes": ((2, 1, 0), (1, 0, -1), (0, -1, -2)),
    "blur": ((1 / 9,) * 3,) * 3,
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
}


@dataclass
class ConvolutionTrace:
    image: np.ndarray          # (H, W)
    padded: np.ndarray         # (H + 2 pad, W + 2 pad)
    kernel: np.ndarray         # (k, k)
    stride: int
    pad: int
    columns: np.ndarray        # the im2col matrix, (OH * OW, k * k): one row per position
    feature_map: np.ndarray    # (OH, OW)

    @property
    def size(self) -> int:
        return self.kernel.shape[0]

    def row_of(self, i: int, j: int) -> int:
        """The im2col row of output position (i, j)."""
        return i * self.feature_map.shape[1] + j

    def window(self, i: int, j: int) -> np.ndarray:
        """The part of the padded image under the filter at output position (i, j)."""
        top, left = i * self.stride, j * self.stride
        return self.padded[top:top + self.size, left:left + self.size]


def convolve(image: np.ndarray, kernel, stride: int = 1, pad: int = 0) -> ConvolutionTrace:
    """One filter over one grey image, by the engine's Conv2D layer (bias 0) and its im2col."""
    image = np.asarray(image, dtype=np.float64).reshape(28, 28) if np.size(image) == 784 else \
        np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"the filter must be square, got shape {kernel.shape}")
    size = kernel.shape[0]
    if min(image.shape) + 2 * pad < size:
        raise ValueError(f"a {size}x{size} filter does not fit in a {image.shape[0]}x{image.shape[1]} image")
    conv = Conv2D(1, 1, size, stride, pad, dtype=np.float64)
    conv.W.value[:] = kernel[:, :, None, None]
    x = image[None, :, :, None]
    feature_map = conv.forward(x)[0, :, :, 0]
    columns = im2col(x, size, size, stride, pad)
    return ConvolutionTrace(image, pad_images(x, pad)[0, :, :, 0], kernel, stride, pad, columns, feature_map)


def learnt_filters(network) -> np.ndarray:
    """The first convolution's filters of a network, as (filters, k, k) for one input channel."""
    conv = next((layer for layer in network.layers if isinstance(layer, Conv2D)), None)
    if conv is None:
        raise ValueError("this network has no convolution layer")
    return np.moveaxis(conv.W.value[:, :, 0, :], -1, 0).astype(np.float64)
