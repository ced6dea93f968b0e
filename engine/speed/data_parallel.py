"""Network.gradient() with the batch cut into slices that go through the network at the same time,
one per engine thread.

Each slice runs forward and backward through its own replica of the network: the same weight
arrays, but gradients and cached activations of its own. Each slice's loss gradient is weighted by
its share of the batch, and the replicas' gradients are then added up, so the result is the gradient
of the whole batch's mean loss (the additions come in another order: it agrees to rounding, not bit
for bit). A network with BatchNorm is never split (its statistics must be of the whole batch), nor
one with Dropout (its masks must be the ones the step's generator draws for the whole batch)."""
from __future__ import annotations

import copy
import math

import numpy as np

from ..nn.layers import BatchNorm, Dropout, Layer, Parameter
from ..nn.losses import SoftmaxCrossEntropy
from ..nn.network import Network
from . import threads
from .fast_layers import Workspace


def splittable(network: Network) -> bool:
    return not any(isinstance(layer, (BatchNorm, Dropout)) for layer in network.layers)


def replica(layer: Layer) -> Layer:
    """A copy of `layer` with its own gradients, caches and work space; its weights are the original's arrays."""
    twin = copy.copy(layer)
    for name, value in vars(layer).items():
        if isinstance(value, Parameter):
            setattr(twin, name, Parameter(value.value, value.name, value.decay))
        elif isinstance(value, Workspace):
            setattr(twin, name, Workspace())
    return twin


class Slice:
    """The layers and loss layer that one slice of the batch goes through."""

    def __init__(self, layers: list[Layer], first_trainable: int, loss_layer: SoftmaxCrossEntropy):
        self.layers, self.first_trainable = layers, first_trainable
        self.loss_layer = copy.copy(loss_layer)        # the network's loss (its label smoothing), a cache of its own

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def gradient(self, x: np.ndarray, labels: np.ndarray, share: float) -> float:
        """Forward and backward of this slice, its loss gradient scaled by `share`; returns its summed loss."""
        for layer in self.layers:
            x = layer.forward(x, True)
        loss = self.loss_layer.forward(x, labels)
        dout = self.loss_layer.backward()
        dout *= share
        for layer in reversed(self.layers[self.first_trainable:]):
            dout = layer.backward(dout)
        return loss * len(labels)


class ParallelGradient:
    """A drop-in for network.gradient that computes each batch in `count` slices at once. Slice 0
    uses the network's own layers, so the summed gradients end up in the network's parameters."""

    def __init__(self, network: Network, count: int, layers: list[Layer] | None = None):
        layers = network.layers if layers is None else layers
        self.network = network
        loss = network.loss_layer
        self.slices = [Slice(layers, network.first_trainable, loss)]
        self.slices += [Slice([replica(layer) for layer in layers], network.first_trainable, loss)
                        for _ in range(count - 1)]

    def __call__(self, x: np.ndarray, labels: np.ndarray) -> float:
        x = np.asarray(x, dtype=self.network.dtype)
        own = self.slices[0].parameters()
        for twin in self.slices[1:]:
            for mine, theirs in zip(own, twin.parameters()):
                theirs.value = mine.value          # in case the weights were replaced since
        n = len(labels)
        jobs = [(piece, x[a:b], labels[a:b], (b - a) / n)
                for piece, (a, b) in zip(self.slices, threads.split(n, len(self.slices))) if b > a]
        losses = threads.run(Slice.gradient, jobs)
        for twin, *_ in jobs[1:]:
            for mine, theirs in zip(own, twin.parameters()):
                mine.grad += theirs.grad
        return math.fsum(losses) / n
