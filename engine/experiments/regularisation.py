"""Overfitting and two cures (book 6.4): a deep network on only a few hundred images, trained with
and without weight decay and dropout, its accuracy on the training images against unseen ones."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..nn.builders import ModelSpec
from ..data.datasets import Dataset, Split, to_float, train_validation_split
from ..training.records import EpochReport, TrainConfig
from ..training.trainer import Trainer
from .training_runs import run_trainer


@dataclass(frozen=True)
class Regulariser:
    label: str
    weight_decay: float = 0.0
    dropout: float = 0.0


def default_regularisers(weight_decay: float = 0.1, dropout: float = 0.2) -> tuple[Regulariser, ...]:
    """The book's three runs: none, weight decay (lambda 0.1, figure 6-21), dropout (0.2, figure 6-23)."""
    return (Regulariser("No regularisation"),
            Regulariser(f"Weight decay λ = {weight_decay:g}", weight_decay=weight_decay),
            Regulariser(f"Dropout {dropout:g}", dropout=dropout))


@dataclass(frozen=True)
class OverfitSetup:
    train_size: int = 300             # the book's 300 images
    test_size: int = 2000             # unseen images measured after every epoch
    epochs: int = 100
    hidden: tuple[int, ...] = (100,) * 5
    optimizer: str = "sgd"
    lr: float = 0.01
    batch_size: int = 100
    seed: int = 0


def overfit_splits(dataset: Dataset, setup: OverfitSetup) -> tuple[Split, Split]:
    """The few training images (a seeded choice) and the first `test_size` test images."""
    train, _ = train_validation_split(dataset.train_images, dataset.train_labels, 0, setup.seed,
                                      train_size=setup.train_size)
    n = min(setup.test_size, len(dataset.test_labels))
    return train, Split(to_float(dataset.test_images[:n]), dataset.test_labels[:n])


def regularisation_runs(dataset: Dataset, regularisers: tuple[Regulariser, ...], setup: OverfitSetup = OverfitSetup(),
                        on_epoch: Callable[[int, EpochReport], None] | None = None,
                        cancelled: Callable[[], bool] = lambda: False) -> list[list[EpochReport]]:
    """One training run per regulariser, one after another, from the same starting weights.

    `on_epoch(run index, report)` follows every epoch (report.train_accuracy and .test_accuracy);
    `cancelled()` is asked between batches and stops everything. Returns each run's epoch reports."""
    train, test = overfit_splits(dataset, setup)
    results: list[list[EpochReport]] = []
    for i, reg in enumerate(regularisers):
        if cancelled():
            break
        spec = ModelSpec(hidden=setup.hidden, dropout=reg.dropout)
        config = TrainConfig(optimizer=setup.optimizer, lr=setup.lr, batch_size=setup.batch_size, epochs=setup.epochs,
                             weight_decay=reg.weight_decay, validation=0, train_size=setup.train_size,
                             seed=setup.seed, eval_test=True, train_eval_size=setup.train_size)
        trainer = Trainer(spec.build(setup.seed), train, config, validation=None, test=test)
        run_trainer(trainer, (lambda report, i=i: on_epoch(i, report)) if on_epoch else None, cancelled)
        results.append(trainer.history.epochs)
    return results
