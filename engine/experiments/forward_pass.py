"""The forward pass of a fully connected network, step by step with the shape of every array (book
3.4 and 3.6.2), and batch processing (3.6.3): the same answers 100 images at a time, much faster."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..nn.layers import Affine
from ..nn.losses import softmax
from ..nn.network import Network


@dataclass
class ForwardStep:
    formula: str                         # e.g. "a1 = x · W1 + b1"
    values: np.ndarray                   # the result, one row per image
    weight_shape: tuple[int, ...] | None = None   # W's shape, for the affine steps

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape


def forward_steps(network: Network, x: np.ndarray) -> list[ForwardStep]:
    """x (N, 784) through the network's layers, named as the book names them: a1 = x·W1 + b1, z1 =
    sigmoid(a1), ..., y = softmax(a3)."""
    values = np.asarray(x, dtype=network.dtype)
    steps = [ForwardStep("x", values)]
    k, previous = 0, "x"
    for layer in network.layers:
        values = layer.forward(values)
        if isinstance(layer, Affine):
            k += 1
            steps.append(ForwardStep(f"a{k} = {previous} · W{k} + b{k}", values, layer.W.shape))
            previous = f"a{k}"
        else:
            name = type(layer).__name__.lower()
            steps.append(ForwardStep(f"z{k} = {name}(a{k})", values))
            previous = f"z{k}"
    steps.append(ForwardStep(f"y = softmax({previous})", softmax(values)))
    return steps


@dataclass
class BatchTiming:
    images: int
    batch_size: int
    accuracy_one_by_one: float
    accuracy_batched: float
    seconds_one_by_one: float           # CPU time of the process (robust to other programs running)
    seconds_batched: float


def one_by_one_and_batched(network: Network, x: np.ndarray, labels: np.ndarray, batch_size: int = 100,
                           cancelled: Callable[[], bool] = lambda: False) -> BatchTiming | None:
    """Accuracy on x, predicted one image at a time and then batch_size at a time, as the book does
    (3.6.2-3.6.3), with the time each took. None if cancelled."""
    x = np.asarray(x, dtype=network.dtype)
    started, right = time.process_time(), 0
    for i in range(len(x)):
        if i % 500 == 0 and cancelled():
            return None
        right += int(np.argmax(softmax(network.forward(x[i:i + 1]))) == labels[i])
    one_by_one = time.process_time() - started
    started, right_batched = time.process_time(), 0
    for i in range(0, len(x), batch_size):
        p = np.argmax(softmax(network.forward(x[i:i + batch_size])), axis=1)
        right_batched += int(np.sum(p == labels[i:i + batch_size]))
    batched = time.process_time() - started
    return BatchTiming(len(x), batch_size, right / len(x), right_batched / len(x), one_by_one, batched)
