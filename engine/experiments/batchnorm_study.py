"""Batch normalisation with and without (book 6.3.2, figures 6-18 and 6-19): five hidden layers of
100 ReLUs learn 1,000 training images with SGD, starting from weights of one standard deviation
after another; with batch normalisation they learn fast from nearly any start, without it only
from a few."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.datasets import Dataset, train_validation_split
from ..nn.builders import ModelSpec
from ..training.records import EpochReport, TrainConfig
from ..training.trainer import Trainer
from .training_runs import run_trainer

# The book's 16 weight scales, from 1 down to 0.0001 (np.logspace(0, -4, num=16)).
BOOK_STDS = tuple(float(s) for s in np.logspace(0, -4, num=16))


@dataclass(frozen=True)
class BatchNormSetup:
    train_size: int = 1000
    epochs: int = 20
    lr: float = 0.01
    batch_size: int = 100
    hidden: tuple[int, ...] = (100,) * 5
    seed: int = 0


@dataclass
class BatchNormRun:
    std: float
    batchnorm: bool
    accuracies: list[float]       # training accuracy after each epoch
    status: str                   # "finished", "stopped" or "diverged" (the loss overflowed)


def batchnorm_runs(dataset: Dataset, stds=BOOK_STDS, setup: BatchNormSetup = BatchNormSetup(),
                   on_epoch: Callable[[int, bool, EpochReport], None] | None = None,
                   cancelled: Callable[[], bool] = lambda: False) -> dict[tuple[int, bool], BatchNormRun]:
    """For each std (by index) a run without and a run with batch normalisation, on the same
    images, keyed (std index, batchnorm).
    `on_epoch(std index, batchnorm, report)` follows every epoch; `cancelled()` stops everything."""
    train, _ = train_validation_split(dataset.train_images, dataset.train_labels, 0, setup.seed,
                                      train_size=setup.train_size)
    config = TrainConfig(optimizer="sgd", lr=setup.lr, batch_size=setup.batch_size, epochs=setup.epochs,
                         validation=0, train_size=setup.train_size, seed=setup.seed,
                         train_eval_size=setup.train_size)
    results: dict[tuple[int, bool], BatchNormRun] = {}
    for i, std in enumerate(stds):
        for batchnorm in (False, True):
            if cancelled():
                return results
            spec = ModelSpec(hidden=setup.hidden, init="std", init_std=std, batchnorm=batchnorm)
            trainer = Trainer(spec.build(setup.seed), train, config)
            report = (lambda r, i=i, bn=batchnorm: on_epoch(i, bn, r)) if on_epoch else None
            result = run_trainer(trainer, report, cancelled)
            results[(i, batchnorm)] = BatchNormRun(std, batchnorm, [r.train_accuracy for r in trainer.history.epochs],
                                                   result.status)
    return results
