"""Random search of the learning rate and weight decay on a log scale (book 6.5), each trial a short
run on a small training subset, judged on validation images held out of the training set. The test
set is never read: choosing settings by test accuracy would make the test accuracy a lie."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..nn.builders import ModelSpec
from ..data.datasets import Dataset, train_validation_split
from ..nn.optimizers import DEFAULT_LR
from ..training.records import TrainConfig
from ..training.trainer import Trainer


@dataclass(frozen=True)
class SearchSpace:
    """Both ranges are sampled uniformly in their logarithm, as the book does."""
    lr: tuple[float, float]
    weight_decay: tuple[float, float] = (1e-5, 1e-1)

    def __post_init__(self):
        for name, (low, high) in (("learning rate", self.lr), ("weight decay", self.weight_decay)):
            if not 0 < low <= high or not math.isfinite(high):
                raise ValueError(f"the {name} range must be two positive numbers, low to high; got {low:g} to {high:g}")

    def sample(self, trials: int, seed: int) -> list[tuple[float, float]]:
        rng = np.random.default_rng([seed, 0x5EA4C])
        lr = 10 ** rng.uniform(*np.log10(self.lr), trials)
        wd = 10 ** rng.uniform(*np.log10(self.weight_decay), trials)
        return [(float(a), float(b)) for a, b in zip(lr, wd)]


def default_space(optimizer: str) -> SearchSpace:
    """Three decades of learning rate around the optimizer's usual one."""
    lr = DEFAULT_LR[optimizer]
    return SearchSpace(lr=(lr / 100, lr * 10))


@dataclass(frozen=True)
class SearchSetup:
    trials: int = 30
    epochs: int = 10
    train_size: int = 1000
    validation: int = 1000
    optimizer: str = "sgd"
    batch_size: int = 100
    spec: ModelSpec = field(default_factory=ModelSpec)
    seed: int = 0


@dataclass
class Trial:
    index: int
    lr: float
    weight_decay: float
    status: str                             # "finished", "diverged" or "stopped"
    validation_accuracy: float              # NaN when diverged or stopped before the first epoch ended
    train_accuracy: float
    curve: list[float]                      # validation accuracy after each epoch


def random_search(dataset: Dataset, space: SearchSpace, setup: SearchSetup = SearchSetup(),
                  on_trial: Callable[[Trial], None] | None = None,
                  cancelled: Callable[[], bool] = lambda: False) -> list[Trial]:
    """Run setup.trials short trainings with settings drawn from `space`, from the same starting
    weights and on the same images. Uses only the training images of `dataset`."""
    train, validation = train_validation_split(dataset.train_images, dataset.train_labels, setup.validation,
                                               setup.seed, train_size=setup.train_size)
    trials = []
    for index, (lr, wd) in enumerate(space.sample(setup.trials, setup.seed)):
        if cancelled():
            break
        config = TrainConfig(optimizer=setup.optimizer, lr=lr, weight_decay=wd, epochs=setup.epochs,
                             batch_size=setup.batch_size, validation=setup.validation, train_size=setup.train_size,
                             seed=setup.seed, train_eval_size=setup.train_size)
        trainer = Trainer(setup.spec.build(setup.seed), train, config, validation)

        def check_cancelled(step: int, loss: float, trainer=trainer) -> None:
            if cancelled():
                trainer.stop()

        result = trainer.run(on_step=check_cancelled)
        epochs = result.history.epochs
        finished = result.status == "finished"
        trial = Trial(index, lr, wd, result.status,
                      epochs[-1].validation_accuracy if finished else math.nan,
                      epochs[-1].train_accuracy if finished else math.nan,
                      [e.validation_accuracy for e in epochs])
        if result.status == "stopped":
            break                      # a half-trained trial is not a result
        trials.append(trial)
        if on_trial:
            on_trial(trial)
    return trials


def best_trial(trials: list[Trial]) -> Trial | None:
    """The trial with the highest validation accuracy (None if none finished)."""
    done = [t for t in trials if t.status == "finished"]
    return max(done, key=lambda t: t.validation_accuracy) if done else None
