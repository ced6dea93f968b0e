"""How the initial weights decide whether a deep network learns at all (book 6.2, figure 6-15):
five hidden layers of 100 units trained side by side on the same batches, from all-zero weights
(every unit of a layer stays the same as its neighbours), weights too small, too large, Xavier and He."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.datasets import Dataset
from ..nn.builders import ModelSpec
from ..nn.layers import Affine
from ..nn.network import Network
from ..nn.optimizers import make_optimizer
from .optimizers_on_mnist import StepCallback, train_side_by_side

# (label, init scheme, std for "std"). Zero weights are a std of 0.
STARTS = (("zeros", "std", 0.0), ("std 0.01 (too small)", "std", 0.01), ("std 1 (too large)", "std", 1.0),
          ("Xavier", "xavier", 0.0), ("He", "he", 0.0))


@dataclass(frozen=True)
class InitTrainingSetup:
    activation: str = "relu"
    steps: int = 2000             # the book's 2,000 iterations
    batch_size: int = 128
    lr: float = 0.01              # SGD
    hidden: tuple[int, ...] = (100,) * 5
    seed: int = 0


def init_training_runs(dataset: Dataset, setup: InitTrainingSetup = InitTrainingSetup(), starts=STARTS,
                       on_step: StepCallback | None = None, cancelled: Callable[[], bool] = lambda: False
                       ) -> tuple[dict[str, list[float]], dict[str, Network]]:
    """Each start's training loss per step, and its network afterwards."""
    networks = {label: ModelSpec(hidden=setup.hidden, activation=setup.activation, init=init, init_std=std)
                .build(setup.seed) for label, init, std in starts}
    runs = {label: (net, make_optimizer("sgd", net.parameters(), setup.lr)) for label, net in networks.items()}
    losses = train_side_by_side(runs, dataset, setup.steps, setup.batch_size, setup.seed, on_step, cancelled)
    return losses, networks


def unit_spread(network: Network) -> float:
    """How different the units of the hidden layers are: the largest spread (standard deviation)
    across a layer's units of the weights coming from one input. 0 means that within every layer all
    units have the same weights, so they compute the same thing: the network has one unit per layer."""
    hidden = [layer for layer in network.layers if isinstance(layer, Affine)][:-1]
    with np.errstate(over="ignore", invalid="ignore"):     # a diverged network's weights may be inf
        return max(float(np.max(np.std(layer.W.value, axis=1))) for layer in hidden)
