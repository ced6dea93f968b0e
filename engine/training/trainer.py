"""Minibatch training with a validation split, callbacks, pause/stop, and exact resumption (book 4.5).

Every random choice is drawn from a generator seeded by (seed, purpose, epoch or step), so a run
is reproducible from its seed and a run resumed from a saved step continues exactly as if it had
never stopped."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing

import numpy as np

from ..data.augment import AUGMENTATIONS
from ..data.batches import TRAIN_EVAL, Batch, Batches, in_order
from ..data.datasets import Split
from ..errors import TrainingDiverged
from ..nn.layers import Dropout
from ..nn.losses import SoftmaxCrossEntropy
from ..nn.network import Network
from ..nn.optimizers import Optimizer, make_optimizer
from ..nn.schedules import Schedule
from .records import EpochReport, History, TrainConfig, TrainResult

StepCallback = Callable[[int, float], None]
EpochCallback = Callable[[EpochReport], None]
EndCallback = Callable[[TrainResult], None]
# The three parts of a step that engine/speed can replace with faster equivalents.
BatchSource = Callable[[Batches, int, int], Iterator[Batch]]     # (batches, start, stop) -> each step's batch
Gradient = Callable[[np.ndarray, np.ndarray], float]             # (x, labels) -> loss, filling every .grad
Accuracy = Callable[[np.ndarray, np.ndarray], float]             # (x, labels) -> fraction right


class Trainer:
    """Trains a network on a training split, judged on a validation split after every epoch.

    stop(), pause() and resume() may be called from any thread; they take effect between two batches."""

    def __init__(self, network: Network, train: Split, config: TrainConfig,
                 validation: Split | None = None, test: Split | None = None,
                 optimizer: Optimizer | None = None, step: int = 0, history: History | None = None):
        if len(train) == 0:
            raise ValueError("the training set is empty")
        self.network, self.train_split, self.config = network, train, config
        self.validation, self.test = validation, test
        self.optimizer = optimizer or make_optimizer(config.optimizer, network.parameters(),
                                                     config.learning_rate, config.weight_decay)
        self.batches = Batches(train, config.batch_size, config.seed, AUGMENTATIONS[config.augmentation] if config.augment else None,
                               random_steps=any(isinstance(layer, Dropout) for layer in network))
        self.steps_per_epoch = self.batches.steps_per_epoch
        self.total_steps = self.steps_per_epoch * config.epochs
        if not 0 <= step <= self.total_steps:
            raise ValueError(f"a run of {self.total_steps} steps cannot resume at step {step}")
        self.step = step
        self.history = history or History()
        self.schedule = Schedule(config.schedule, total_steps=self.total_steps,
                                 step_every=config.step_epochs * self.steps_per_epoch, gamma=config.step_gamma,
                                 warmup_steps=round(config.warmup * self.total_steps))
        network.loss_layer = SoftmaxCrossEntropy(config.label_smoothing)
        eval_rng = np.random.default_rng([config.seed, TRAIN_EVAL])
        self._train_eval = eval_rng.permutation(len(train))[:config.train_eval_size]
        # The first images of a validation split are as random a sample as any (it is drawn shuffled).
        self._validation_eval = slice(config.validation_eval_size)
        # The book's plain way of doing each part of a step; engine/speed.accelerate() swaps in faster ones.
        self.batch_source: BatchSource = in_order
        self.gradient: Gradient = network.gradient
        self.accuracy: Accuracy = network.accuracy
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
            with closing(self.batch_source(self.batches, self.step, self.total_steps)) as batches:
                while self.step < self.total_steps:
                    epoch = self.epoch
                    started, losses = time.perf_counter(), []
                    while self.step < (epoch + 1) * self.steps_per_epoch:
                        self._running.wait()
                        if self._stop.is_set():
                            return self._result("stopped", self._stopped_message())
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

    def _stopped_message(self) -> str:
        done, into = divmod(self.step, self.steps_per_epoch)
        if into == 0:
            return f"Stopped after step {self.step}, at the end of epoch {done}."
        return f"Stopped after step {self.step}, {into} steps into epoch {done + 1}."

    def _train_step(self, batch: Batch) -> float:
        if batch.rng is not None:
            self.network.set_rng(batch.rng)
        with np.errstate(over="ignore", invalid="ignore"):   # a diverging run is reported below, not warned about
            loss = self.gradient(batch.x, batch.t)
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
        subset, held_out = self._train_eval, self._validation_eval
        validation, test = self.validation, self.test
        report = EpochReport(
            epoch=epoch + 1, step=self.step,
            loss=float(np.mean(losses)) if losses else float("nan"),
            train_accuracy=self.accuracy(self.train_split.x[subset], self.train_split.t[subset]),
            validation_accuracy=self.accuracy(validation.x[held_out], validation.t[held_out]) if validation else None,
            test_accuracy=self.accuracy(test.x, test.t) if self.config.eval_test and test else None,
            seconds=seconds, lr=self.learning_rate(self.step - 1))
        self.history.epochs.append(report)
        return report

    def _result(self, status: str, message: str) -> TrainResult:
        return TrainResult(status, message, self.step, self.history)
