"""A sequential network: layers in a row, then softmax-with-cross-entropy (book 5.7)."""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .input_gradient import class_gradients
from .layers import Dropout, Layer, Parameter
from .losses import SoftmaxCrossEntropy, softmax

# Inference feeds at most this many numbers per layer output through at once: a CNN's feature maps
# are large, and one huge batch would need gigabytes where a few hundred images at a time need little.
INFERENCE_VALUES = 2 ** 20


class Network:
    """Layers applied in order to (N, *input_shape) float arrays, ending in class scores (logits)."""

    def __init__(self, layers: list[Layer], input_shape: tuple[int, ...] = (784,), dtype=np.float32):
        self.layers = list(layers)
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.loss_layer = SoftmaxCrossEntropy()
        # The scores are divided by this before predict_proba()'s softmax: None (or 1) until the
        # network is calibrated on held-out images (engine/nn/calibration.py). No answer changes.
        self.temperature: float | None = None
        for layer in self.layers:
            layer.cast(self.dtype)
        # Backward stops at the first layer with weights: nothing needs the gradient of the images.
        self.first_trainable = next((i for i, layer in enumerate(self.layers) if layer.parameters()),
                                    len(self.layers))
        for i, layer in enumerate(self.layers):
            layer.input_grad = i != self.first_trainable

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def activations(self, x: np.ndarray) -> list[np.ndarray]:
        """The output of every layer for x, in inference mode (for looking inside the network)."""
        outs, x = [], np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x, False)
            outs.append(x)
        return outs

    def loss(self, x: np.ndarray, labels: np.ndarray, train: bool = False) -> float:
        """Mean cross-entropy. With train=True, also caches what backward() needs."""
        return self.loss_layer.forward(self.forward(x, train), labels)

    def backward(self) -> None:
        """Every parameter's .grad, from the loss of the last loss(train=True) back (book 5.7.2)."""
        dout = self.loss_layer.backward()
        for layer in reversed(self.layers[self.first_trainable:]):
            dout = layer.backward(dout)

    def gradient(self, x: np.ndarray, labels: np.ndarray) -> float:
        """Forward and backward on one batch: fills every parameter's .grad, returns the loss."""
        loss = self.loss(x, labels, train=True)
        self.backward()
        return loss

    def input_gradient(self, x: np.ndarray, class_index, score: str = "logit") -> np.ndarray:
        """d score / d x: how the class's score would change with each input number, by the
        layers' own backward passes, the network run as in inference (dropout off, BatchNorm's
        running statistics). One sample or a batch (then one class, or one per sample).

        score "logit" is the class's score before softmax, which a confident answer does not
        saturate; "log_probability" counts the other classes too. Nothing of the network is written:
        training and inference may go on in other threads (engine/nn/input_gradient.py)."""
        return self.layer_gradients(x, class_index, score)[0]

    def layer_gradients(self, x: np.ndarray, class_index, score: str = "logit") -> list[np.ndarray]:
        """[d score/d x, d score/d (layer 0's output), ..., d score/d logits], as input_gradient."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == len(self.input_shape):
            return [g[0] for g in self.layer_gradients(x[None], class_index, score)]
        return class_gradients(self.layers, x, class_index, score)

    def inference_batch(self) -> int:
        """How many images inference feeds through at once (INFERENCE_VALUES), at most 1000."""
        try:
            largest = max(math.prod(shape) for shape in [self.input_shape, *self.output_shapes()])
        except ValueError:
            largest = 1
        return max(1, min(1000, INFERENCE_VALUES // largest))

    def predict_proba(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """Softmax probabilities (of the scores over the temperature, if calibrated), shape
        (N, classes); a single sample is accepted too."""
        x = np.asarray(x)
        if x.ndim == len(self.input_shape):
            return self.predict_proba(x[None], batch_size)[0]
        batch_size = batch_size or self.inference_batch()
        return np.concatenate([softmax(self.calibrated_scores(x[i:i + batch_size]))
                               for i in range(0, max(len(x), 1), batch_size)])

    def calibrated_scores(self, x: np.ndarray) -> np.ndarray:
        """The class scores over the temperature (the scores themselves until calibrated)."""
        scores = self.forward(x)
        return scores / self.temperature if self.temperature else scores

    def predict(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        return self.predict_proba(x, batch_size).argmax(axis=-1)

    def accuracy(self, x: np.ndarray, labels: np.ndarray, batch_size: int | None = None) -> float:
        if len(x) == 0:
            return float("nan")
        return float(np.mean(self.predict(x, batch_size) == labels))

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
