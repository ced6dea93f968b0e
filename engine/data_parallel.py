"""One training batch cut into slices that go through the network at the same time, one per core.

Each slice runs forward and backward through its own replica of the network: the same weight
arrays, but gradients and cached activations of its own. The replicas' gradients are then added
up, each slice's loss gradient having been weighted by its share of the batch, so that the result
is the gradient of the whole batch's mean loss (the order of the additions differs, so it agrees
to rounding, not bit for bit).

Against splitting every layer's work separately (engine/parallel.py) this hands work to the other
threads once per step instead of once per layer (each handover costs ~0.1 ms), and the small
layers in between run in parallel too: a CNN c16-c32-fc100 step went from ~21 to ~19 ms on two
cores (the two ways timed in turns in one process; bench/train_speed.py gives the epoch figures).
A network with BatchNorm is never split (its batch statistics must be of the whole batch), nor one
with Dropout (its masks must be those that Network.loss draws)."""
from __future__ import annotations

import copy
import math

import numpy as np

from . import parallel
from .layers import BatchNorm, Dropout, Layer, Parameter
from .layers.base import Workspace
from .losses import SoftmaxCrossEntropy


def splittable(layers: list[Layer]) -> bool:
    return not any(isinstance(layer, (BatchNorm, Dropout)) for layer in layers)


def replica(layer: Layer) -> Layer:
    """A copy of `layer` with its own gradients and work space; its weights are the original's
    arrays (DataParallel points them at the original's again before every step)."""
    twin = copy.copy(layer)
    for name, value in vars(layer).items():
        if isinstance(value, Parameter):
            setattr(twin, name, Parameter(value.value, value.name, value.decay))
        elif isinstance(value, Workspace):
            setattr(twin, name, Workspace())
    return twin


class Slice:
    """The layers (in running order) and loss layer that one slice of the batch goes through."""

    def __init__(self, layers: list[Layer], loss_layer: SoftmaxCrossEntropy, first_trainable: int):
        self.layers, self.loss_layer, self.first_trainable = layers, loss_layer, first_trainable

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def gradient(self, x: np.ndarray, labels: np.ndarray, batch: int) -> float:
        """Forward and backward of this slice; returns its summed (not mean) loss."""
        for layer in self.layers:
            x = layer.forward(x, True)
        loss = self.loss_layer.forward(x, labels)
        dout = self.loss_layer.backward(batch)
        for layer in reversed(self.layers[self.first_trainable:]):
            dout = layer.backward(dout)
        return loss * len(labels)


class DataParallel:
    """Gradients of a batch computed in `count` slices at once; slice 0 uses the network's own
    layers, so the summed gradients end up in the network's parameters."""

    def __init__(self, layers: list[Layer], loss_layer: SoftmaxCrossEntropy, first_trainable: int, count: int):
        self.slices = [Slice(layers, loss_layer, first_trainable)]
        self.slices += [Slice([replica(layer) for layer in layers], SoftmaxCrossEntropy(), first_trainable)
                        for _ in range(count - 1)]

    def gradient(self, x: np.ndarray, labels: np.ndarray) -> float:
        own = self.slices[0].parameters()
        for twin in self.slices[1:]:
            for mine, theirs in zip(own, twin.parameters()):
                theirs.value = mine.value    # the optimizer may have moved the weights into new arrays
        ranges = parallel.split(len(labels), len(self.slices))
        losses = parallel.run(lambda piece, start, stop: piece.gradient(x[start:stop], labels[start:stop], len(labels)),
                              [(piece, start, stop) for piece, (start, stop) in zip(self.slices, ranges)])
        for twin in self.slices[1:]:
            for mine, theirs in zip(own, twin.parameters()):
                mine.grad += theirs.grad
        return math.fsum(losses) / len(labels)
