"""The same network trained with each update rule on the same batches (book 6.1.8, figure 6-9)."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..nn.builders import ModelSpec
from ..data.datasets import Dataset, to_float
from ..nn.network import Network
from ..nn.optimizers import DEFAULT_LR, OPTIMIZERS, Optimizer, make_optimizer

StepCallback = Callable[[int, dict[str, float]], None]
BOOK_MLP = ModelSpec(hidden=(100, 100))   # smaller than the book's five layers of 100, to keep it quick


def compare_optimizers(dataset: Dataset, optimizers: tuple[str, ...] = tuple(OPTIMIZERS), steps: int = 300,
                       batch_size: int = 128, spec: ModelSpec = BOOK_MLP, seed: int = 0,
                       learning_rates: dict[str, float] | None = None, on_step: StepCallback | None = None,
                       cancelled: Callable[[], bool] = lambda: False) -> dict[str, list[float]]:
    """Training loss per step for each optimizer: one network per optimizer, all starting from the
    same weights and seeing the same minibatches, stepped in turn so that the curves grow together.

    `on_step(step, {optimizer: loss})` follows every step; `cancelled()` is asked before each step.
    An optimizer whose loss becomes NaN or infinite drops out (its curve ends there)."""
    rates = {name: DEFAULT_LR[name] for name in optimizers} | dict(learning_rates or {})
    runs = {}
    for name in optimizers:
        net = spec.build(seed)
        runs[name] = (net, make_optimizer(name, net.parameters(), rates[name]))
    return train_side_by_side(runs, dataset, steps, batch_size, seed, on_step, cancelled)


def train_side_by_side(runs: dict[str, tuple[Network, Optimizer]], dataset: Dataset, steps: int, batch_size: int,
                       seed: int = 0, on_step: StepCallback | None = None,
                       cancelled: Callable[[], bool] = lambda: False) -> dict[str, list[float]]:
    """Step every (network, optimizer) of `runs` on the same minibatches, in turn; their training
    losses, per step. A run whose loss becomes NaN or infinite drops out (its curve ends there)."""
    runs = dict(runs)
    losses: dict[str, list[float]] = {name: [] for name in runs}
    order = np.random.default_rng([seed, 0x0971]).permutation(len(dataset.train_labels))
    for step in range(steps):
        if cancelled() or not runs:
            break
        start = step * batch_size % (len(order) - batch_size + 1)
        batch = order[start:start + batch_size]
        x, t = to_float(dataset.train_images[batch]), dataset.train_labels[batch]
        now = {}
        for name, (net, opt) in list(runs.items()):
            with np.errstate(over="ignore", invalid="ignore"):
                loss = net.gradient(x, t)
            if not math.isfinite(loss):
                del runs[name]
                continue
            opt.step()
            losses[name].append(loss)
            now[name] = loss
        if on_step:
            on_step(step, now)
    return losses
