"""A sequential network: layers in a row, then softmax-with-cross-entropy."""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from . import parallel
from .data_parallel import DataParallel, splittable
from .layers import Dropout, Layer, MaxPool2D, Parameter, ReLU
from .losses import SoftmaxCrossEntropy, softmax


def first_trainable(layers: list[Layer]) -> int:
    """Index of the first layer with weights: backward stops there, as the input needs no gradient."""
    return next((i for i, layer in enumerate(layers) if layer.parameters()), len(layers))


def running_order(layers: list[Layer]) -> list[Layer]:
    """The layers in the order to run them: as listed, except that a ReLU followed by a max-pool
    runs after it. The two commute exactly, outputs and gradients alike (ReLU keeps the order of
    positive numbers and maps the rest to 0, where a window's gradient dies either way), and the
    ReLU then works on a quarter of the numbers."""
    order = list(layers)
    for i in range(len(order) - 1):
        if type(order[i]) is ReLU and isinstance(order[i + 1], MaxPool2D):
            order[i], order[i + 1] = order[i + 1], order[i]
    return order


class Network:
    """Layers applied in order to (N, input_size) float arrays, ending in class scores (logits)."""

    def __init__(self, layers: list[Layer], input_shape: tuple[int, ...] = (784,), dtype=np.float32):
        self.layers = list(layers)
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.loss_layer = SoftmaxCrossEntropy()
        self._inference_batch: int | None = None
        self._data_parallel: DataParallel | None = None
        self._values_per_sample: int | None = None
        for layer in self.layers:
            layer.cast(self.dtype)
        # Worked out once: forward() and backward() run on every training step and every stroke.
        self._order = running_order(self.layers)
        self._first_trainable = first_trainable(self._order)
        for i, layer in enumerate(self._order):
            layer.input_grad = i != self._first_trainable

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def running_order(self) -> list[Layer]:
        """The layers in the order forward() runs them (module function running_order())."""
        return list(self._order)

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        for layer in self._order:
            x = layer.forward(x, train)
        return x

    def activations(self, x: np.ndarray) -> list[np.ndarray]:
        """The output of every layer for x, in inference mode (for looking inside the network)."""
        outs, x = [], np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x, False)
            outs.append(x)
        return outs

    def backward(self) -> None:
        dout = self.loss_layer.backward()
        for layer in reversed(self._order[self._first_trainable:]):
            dout = layer.backward(dout)

    def inference_batch(self) -> int:
        """How many images inference feeds through at once: up to 1000, but few enough that the
        largest layer output stays near a million numbers. A CNN's feature maps are large, and
        batches of 1000 make it several times slower than batches of 100 (memory traffic)."""
        if self._inference_batch is None:
            try:
                largest = max(math.prod(shape) for shape in [self.input_shape, *self.output_shapes()])
            except ValueError:
                largest = 1
            self._inference_batch = max(1, min(1000, 2 ** 20 // largest))
        return self._inference_batch

    def predict_proba(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """Softmax probabilities, shape (N, classes); a single 784-vector is accepted too."""
        x = np.asarray(x)
        batch_size = batch_size or self.inference_batch()
        if x.ndim == len(self.input_shape):
            return self.predict_proba(x[None], batch_size)[0]
        return np.concatenate([softmax(self.forward(x[i:i + batch_size]))
                               for i in range(0, max(len(x), 1), batch_size)])

    def predict(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        return self.predict_proba(x, batch_size).argmax(axis=-1)

    def loss(self, x: np.ndarray, labels: np.ndarray, train: bool = False) -> float:
        """Mean cross-entropy. With train=True, also caches what backward() needs."""
        return self.loss_layer.forward(self.forward(x, train), labels)

    def gradient(self, x: np.ndarray, labels: np.ndarray) -> float:
        """Forward and backward on one batch: fills every parameter's .grad, returns the loss.
        A large batch goes through in slices on several cores at once (engine/data_parallel.py)."""
        slices = self.slices(len(x))
        if slices > 1:
            if self._data_parallel is None or len(self._data_parallel.slices) != slices:
                self._data_parallel = DataParallel(self._order, self.loss_layer, self._first_trainable, slices)
            return self._data_parallel.gradient(np.asarray(x, dtype=self.dtype), labels)
        loss = self.loss(x, labels, train=True)
        self.backward()
        return loss

    def slices(self, batch: int) -> int:
        """How many slices a training batch of `batch` images is worth cutting into (each goes
        through the network on a thread of its own): by the numbers its layers produce, the measure
        of work that engine/parallel.py uses."""
        if not splittable(self.layers):
            return 1
        if self._values_per_sample is None:
            self._values_per_sample = sum(math.prod(shape) for shape in self.output_shapes())
        return min(batch, parallel.parts(batch * self._values_per_sample))

    def accuracy(self, x: np.ndarray, labels: np.ndarray, batch_size: int | None = None) -> float:
        if len(x) == 0:
            return float("nan")
        batch_size = batch_size or self.inference_batch()
        correct = sum(int((self.forward(x[i:i + batch_size]).argmax(axis=1) == labels[i:i + batch_size]).sum())
                      for i in range(0, len(x), batch_size))
        return correct / len(x)

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def parameter_count(self) -> int:
        return sum(p.value.size for p in self.parameters())

    def set_rng(self, rng: np.random.Generator) -> None:
        """The random source of the stochastic layers (dropout) for the next training steps."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.rng = rng

    def output_shapes(self) -> list[tuple[int, ...]]:
        shapes, shape = [], self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            shapes.append(shape)
        return shapes

    def describe(self) -> str:
        return " → ".join(repr(layer) for layer in self.layers)
