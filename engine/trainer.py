"""Minibatch training with a validation split, callbacks, pause/stop, and exact resumption.

Every random choice is drawn from a generator seeded by (seed, purpose, epoch or step), so a run
is reproducible from its seed and a run resumed from a saved step continues exactly as if it had
never stopped."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from . import step_helper
from .augment import Augmentation
from .batches import TRAIN_EVAL, Batch, Batches
from .datasets import Split
from .errors import TrainingDiverged
from .layers import Dropout
from .network import Network
from .optimizers import DEFAULT_LR, OPTIMIZERS, Optimizer, make_optimizer
from .schedules import SCHEDULES, Schedule


@dataclass(frozen=True)
class TrainConfig:
    """How to train (what to train is a ModelSpec)."""
    optimizer: str = "adam"
    lr: float | None = None          # None: the optimizer's usual rate (DEFAULT_LR)
    batch_size: int = 100
    epochs: int = 5
    weight_decay: float = 0.0
    schedule: str = "constant"       # constant, step or cosine
    step_epochs: int = 2             # "step": multiply the rate by step_gamma every this many epochs
    step_gamma: float = 0.5
    validation: int = 5000           # images held out of the training set
    train_size: int | None = None    # train on only this many of the remaining images (None: all)
    seed: int = 0
    augment: bool = False
    eval_test: bool = False          # also measure test accuracy after every epoch
    train_eval_size: int = 10000     # train accuracy is measured on this many training images

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if self.batch_size < 1 or self.epochs < 1:
            raise ValueError("batch size and epochs must be at least 1")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr}")
        if self.train_size is not None and self.train_size < 1:
            raise ValueError(f"the training subset needs at least one image, got {self.train_size}")
        if self.weight_decay < 0:
            raise ValueError(f"weight decay cannot be negative, got {self.weight_decay}")

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class EpochReport:
    epoch: int                       # 1-based
    step: int                        # steps taken so far
    loss: float                      # mean training loss over the epoch
    train_accuracy: float
    validation_accuracy: float | None
    test_accuracy: float | None
    seconds: float
    lr: float


@dataclass
class History:
    losses: list[float] = field(default_factory=list)       # one per step
    epochs: list[EpochReport] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"epochs": [asdict(e) for e in self.epochs]}

    @classmethod
    def from_json(cls, data: dict, losses: np.ndarray | None = None) -> History:
        return cls([float(v) for v in (losses if losses is not None else [])],
                   [EpochReport(**e) for e in data.get("epochs", [])])


@dataclass
class TrainResult:
    status: str                      # "finished", "stopped" or "diverged"
    message: str
    step: int
    history: History

    @property
    def usable(self) -> bool:
        """Whether the network's weights are worth keeping (a diverged run's are NaN)."""
        return self.status != "diverged"


StepCallback = Callable[[int, float], None]
EpochCallback = Callable[[EpochReport], None]
EndCallback = Callable[[TrainResult], None]


class Trainer:
    """Trains a network on a training split, judged on a validation split after every epoch.

    The batches (shuffled, augmented if asked) are made ahead on a thread of their own, or when
    augmented in child processes (engine/batches.py); a long run of an MLP on two cores or more has
    a helper process take half of its steps' heaviest work and make its batches
    (engine/step_helper.py). stop(), pause() and resume() may be called from any thread; they take
    effect between two batches."""

    def __init__(self, network: Network, train: Split, config: TrainConfig,
                 validation: Split | None = None, test: Split | None = None,
                 optimizer: Optimizer | None = None, step: int = 0, history: History | None = None):
        if len(train) == 0:
            raise ValueError("the training set is empty")
        self.network, self.train_split, self.config = network, train, config
        self.validation, self.test = validation, test
        self.optimizer = optimizer or make_optimizer(config.optimizer, network.parameters(),
                                                     config.learning_rate, config.weight_decay)
        self.step = step
        self.history = history or History()
        self.batches = Batches(train, config.batch_size, config.seed, Augmentation() if config.augment else None,
                               random_steps=any(isinstance(layer, Dropout) for layer in network))
        self.steps_per_epoch = self.batches.steps_per_epoch
        self.total_steps = self.steps_per_epoch * config.epochs
        self.schedule = Schedule(config.schedule, total_steps=self.total_steps,
                                 step_every=config.step_epochs * self.steps_per_epoch, gamma=config.step_gamma)
        eval_rng = np.random.default_rng([config.seed, TRAIN_EVAL])
        self._train_eval = eval_rng.permutation(len(train))[:config.train_eval_size]
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    # Control, from any thread.
    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run must wake up to notice

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def epoch(self) -> int:
        """The epoch in progress, 0-based."""
        return self.step // self.steps_per_epoch

    def learning_rate(self, step: int) -> float:
        return self.config.learning_rate * self.schedule.factor(step)

    def run(self, on_step: StepCallback | None = None, on_epoch: EpochCallback | None = None,
            on_end: EndCallback | None = None) -> TrainResult:
        """Train until done, stopped or diverged. Callbacks run in the calling thread: after every
        step, after every epoch, and once at the end with the result (which is also returned)."""
        result = self._run(on_step, on_epoch)
        if on_end:
            on_end(result)
        return result

    def _run(self, on_step: StepCallback | None, on_epoch: EpochCallback | None) -> TrainResult:
        try:
            with self._helper() as helper, closing(self.batches.ahead(
                    self.step, self.total_steps, maker=helper)) as batches:
                while self.step < self.total_steps:
                    epoch = self.epoch
                    started, losses = time.perf_counter(), []
                    while self.step < (epoch + 1) * self.steps_per_epoch:
                        self._running.wait()
                        if self._stop.is_set():
                            return self._result("stopped", f"Stopped at step {self.step} (epoch {epoch + 1}).")
                        loss = self._train_step(next(batches))
                        losses.append(loss)
                        if on_step:
                            on_step(self.step, loss)
                    report = self._end_epoch(epoch, losses, time.perf_counter() - started)
                    if on_epoch:
                        on_epoch(report)
        except TrainingDiverged as e:
            return self._result("diverged", str(e))
        return self._result("finished", f"Finished {self.config.epochs} epochs ({self.step} steps).")

    def _helper(self) -> AbstractContextManager[step_helper.StepHelper | None]:
        """A process that takes half of every step's large products and optimizer update (and
        makes the batches in the time that leaves it), when the network's steps are made of those
        and a core is free for it (engine/step_helper.py)."""
        if step_helper.wanted(self.network, self.config.batch_size, self.total_steps - self.step):
            return step_helper.beside(self.optimizer, self.batches)
        return nullcontext()

    def _train_step(self, batch: Batch) -> float:
        if batch.rng is not None:
            self.network.set_rng(batch.rng)
        with np.errstate(over="ignore", invalid="ignore"):   # a diverging run is reported below, not warned about
            loss = self.network.gradient(batch.x, batch.t)
        if not math.isfinite(loss):
            lr = self.learning_rate(self.step)
            raise TrainingDiverged(
                f"The loss became {loss} at step {self.step + 1} (epoch {self.epoch + 1}), so training stopped. "
                f"The learning rate {lr:g} is probably too high for {self.config.optimizer}: try {lr / 10:g}.")
        self.optimizer.lr = self.learning_rate(self.step)
        self.optimizer.step()
        self.step += 1
        self.history.losses.append(loss)
        return loss

    def _end_epoch(self, epoch: int, losses: list[float], seconds: float) -> EpochReport:
        net, cfg = self.network, self.config
        subset = self._train_eval
        report = EpochReport(
            epoch=epoch + 1, step=self.step,
            loss=float(np.mean(losses)) if losses else float("nan"),
            train_accuracy=net.accuracy(self.train_split.x[subset], self.train_split.t[subset]),
            validation_accuracy=net.accuracy(self.validation.x, self.validation.t) if self.validation else None,
            test_accuracy=net.accuracy(self.test.x, self.test.t) if cfg.eval_test and self.test else None,
            seconds=seconds, lr=self.learning_rate(self.step - 1))
        self.history.epochs.append(report)
        return report

    def _result(self, status: str, message: str) -> TrainResult:
        return TrainResult(status, message, self.step, self.history)
