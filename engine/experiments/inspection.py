"""Looking inside a trained model: its answers on the test set (confusion matrix, mistakes), its
first-layer weights, every layer's activations for one digit, and a gradient check (book 5.7)."""
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.datasets import to_float
from ..nn.gradcheck import relative_error
from ..nn.numerical import numerical_gradient
from ..nn.layers import Affine, BatchNorm, Conv2D, Dropout, Flatten, Reshape
from ..nn.layers.activations import ACTIVATIONS
from ..training.metrics import confusion_matrix
from ..nn.network import Network


@dataclass
class TestPredictions:
    """The model's softmax output for each test image, with the true labels."""
    probabilities: np.ndarray     # (N, classes)
    labels: np.ndarray            # (N,)

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predicted == self.labels))

    def confusion(self) -> np.ndarray:
        """counts[true, predicted]."""
        return confusion_matrix(self.labels, self.predicted, self.probabilities.shape[1])

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the test images of digit `true` read as `predicted`, the most confident first."""
        hits = np.flatnonzero((self.labels == true) & (self.predicted == predicted))
        return hits[np.argsort(-self.probabilities[hits, predicted], kind="stable")]

    def mistakes(self) -> np.ndarray:
        """Indices of the misread test images, the most confidently wrong first."""
        wrong = np.flatnonzero(self.predicted != self.labels)
        return wrong[np.argsort(-self.probabilities[wrong].max(axis=1), kind="stable")]


def predict_test_set(network: Network, images: np.ndarray, labels: np.ndarray, batch_size: int = 500,
                     on_progress: Callable[[int, int], None] | None = None,
                     cancelled: Callable[[], bool] = lambda: False) -> TestPredictions | None:
    """Run the network over uint8 images in batches; None if cancelled on the way."""
    out = []
    for start in range(0, len(labels), batch_size):
        if cancelled():
            return None
        out.append(network.predict_proba(to_float(images[start:start + batch_size], network.dtype)))
        if on_progress:
            on_progress(min(start + batch_size, len(labels)), len(labels))
    probabilities = np.concatenate(out) if out else np.zeros((0, 10), np.float32)
    return TestPredictions(probabilities, np.asarray(labels))


@dataclass
class FirstLayer:
    kind: str                     # "affine": one 28x28 weight image per hidden unit; "conv": the filters
    images: np.ndarray            # (units or filters, h, w)
    layer: int                    # index of the layer in the network


def first_layer_weights(network: Network) -> FirstLayer | None:
    """What the first layer with weights looks for in the image: per unit (MLP) or per filter (CNN)."""
    for i, layer in enumerate(network.layers):
        if isinstance(layer, Affine) and layer.n_in == 784:
            return FirstLayer("affine", layer.W.value.T.reshape(-1, 28, 28), i)
        if isinstance(layer, Conv2D):
            return FirstLayer("conv", layer.filters()[:, 0], i)
        if layer.parameters():
            return None
    return None


def tile(images: np.ndarray, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """(n, h, w) images side by side in a grid, separated by NaN gaps (drawn as background)."""
    n, h, w = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan, dtype=np.float64)
    for k in range(n):
        r, c = divmod(k, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = images[k]
    return out


@dataclass
class LayerActivation:
    layer: int                    # index of the layer whose output this is (-1: the input)
    title: str                    # e.g. "Conv2D → ReLU"
    values: np.ndarray            # the layer's output for the digit, without the batch axis
    maps: np.ndarray              # the same as (k, h, w) pictures: feature maps, or one grid of units


# Layers whose output is not worth a picture of its own: reshaping, or what the next layer refines.
_PASS_THROUGH = (Reshape, Flatten, Dropout)
_FOLLOWERS = (BatchNorm, *ACTIVATIONS.values())


def activation_maps(network: Network, x: np.ndarray) -> list[LayerActivation]:
    """The input and the output of each stage of the network for one 784-vector: a convolution or
    affine layer is shown after its normalisation and activation, reshapes are skipped."""
    x = np.asarray(x, dtype=network.dtype).reshape(1, -1)
    outputs = network.activations(x)
    shown = [LayerActivation(-1, "Input (28×28)", x[0], x[0].reshape(1, 28, 28))]
    names: list[str] = []
    for i, (layer, out) in enumerate(zip(network.layers, outputs)):
        if isinstance(layer, _PASS_THROUGH):
            continue
        names.append(type(layer).__name__)
        following = network.layers[i + 1] if i + 1 < len(network.layers) else None
        if isinstance(following, _FOLLOWERS):
            continue
        values = out[0]
        shape = "×".join(str(s) for s in values.shape)
        title = " → ".join(names) + f" ({shape})"
        if i == len(network.layers) - 1:
            title += ": the scores, before softmax"
        shown.append(LayerActivation(i, title, values, _as_maps(values)))
        names = []
    return shown


def _as_maps(values: np.ndarray) -> np.ndarray:
    """(h, w, c) feature maps as (c, h, w); a vector as one near-square grid, padded with NaN."""
    if values.ndim == 3:
        return np.moveaxis(values, -1, 0)
    n = values.size
    columns = n if n <= 10 else math.ceil(math.sqrt(n))
    grid = np.full(math.ceil(n / columns) * columns, np.nan)
    grid[:n] = values.ravel()
    return grid.reshape(1, -1, columns)


@dataclass
class GradientComparison:
    name: str                     # e.g. "0:Affine.W"
    shape: tuple[int, ...]
    backprop: np.ndarray          # the compared entries' gradients, by backpropagation
    numerical: np.ndarray         # ... and by central differences

    @property
    def error(self) -> float:
        return relative_error(self.backprop, self.numerical)


def gradient_check(network: Network, x: np.ndarray, labels: np.ndarray, entries: int = 12, seed: int = 0,
                   h: float = 1e-5, cancelled: Callable[[], bool] = lambda: False) -> list[GradientComparison]:
    """Backprop against numerical gradients for `entries` weights of every parameter, on a float64
    copy of the network (float32 is too coarse for central differences); the model is untouched.

    The compared entries are evenly spaced through each parameter from a random offset, so that
    the numerical gradient can change them in place through a view."""
    net = Network(copy.deepcopy(network.layers), network.input_shape, np.float64)
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)

    def loss(_) -> float:
        net.set_rng(np.random.default_rng(seed))     # dropout draws the same mask every time
        return net.loss(x, labels, train=True)

    net.set_rng(np.random.default_rng(seed))
    net.gradient(x, labels)
    results = []
    for li, layer in enumerate(net.layers):
        for p in layer.parameters():
            if cancelled():
                return results
            flat = p.value.reshape(-1)
            stride = max(flat.size // entries, 1)
            offset = int(rng.integers(stride))
            picks = slice(offset, offset + stride * entries, stride)
            backprop = p.grad.reshape(-1)[picks].copy()
            numerical = numerical_gradient(loss, flat[picks], h)
            results.append(GradientComparison(f"{li}:{type(layer).__name__}.{p.name}", p.value.shape,
                                              backprop, numerical))
    return results
