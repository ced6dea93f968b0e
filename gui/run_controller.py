"""One way to run a training job (a run of the Train tab, a fine-tuning): start, pause, resume and
stop it, and hear how it goes through typed events.

The job runs in a BackgroundJob; pause and stop go through its JobContext, which passes them to the
trainer between two batches. The GUI thread never holds the trainer: it learns the run's progress
from the events."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.training.records import EpochReport, TrainResult
from engine.training.trainer import Trainer

from .background import BackgroundJob, JobContext

STEP_REPORT_SECONDS = 0.1   # losses travel in bundles, ten times a second at most


@dataclass(frozen=True)
class RunStarted:
    step: int               # the step the run starts from (0, or where a resumed run stopped)
    total_steps: int
    steps_per_epoch: int
    epochs: int


@dataclass(frozen=True)
class StepsDone:
    steps: np.ndarray       # counted from 1: "after step n"
    losses: np.ndarray


@dataclass(frozen=True)
class EpochDone:
    report: EpochReport


@dataclass(frozen=True)
class Measuring:
    what: str               # e.g. "the test accuracy"


class StepBundler:
    """Collects (step, loss) in the worker and reports them as StepsDone, to keep the signal rate low."""

    def __init__(self, report: Callable[[Any], None], interval: float = STEP_REPORT_SECONDS):
        self._report, self._interval = report, interval
        self._steps: list[int] = []
        self._losses: list[float] = []
        self._last = time.monotonic()

    def add(self, step: int, loss: float) -> None:
        self._steps.append(step)
        self._losses.append(loss)
        if time.monotonic() - self._last >= self._interval:
            self.flush()

    def flush(self) -> None:
        if self._steps:
            self._report(StepsDone(np.array(self._steps), np.array(self._losses)))
            self._steps, self._losses = [], []
        self._last = time.monotonic()


def run_trainer(ctx: JobContext, trainer: Trainer) -> TrainResult:
    """In a job: run `trainer`, its pause, resume and stop following the job's context, reporting
    RunStarted, StepsDone and EpochDone."""
    ctx.on_cancel(trainer.stop)
    ctx.on_pause(lambda paused: trainer.pause() if paused else trainer.resume())
    ctx.report(RunStarted(trainer.step, trainer.total_steps, trainer.steps_per_epoch, trainer.config.epochs))
    bundler = StepBundler(ctx.report)

    def on_epoch(report: EpochReport) -> None:
        bundler.flush()
        ctx.report(EpochDone(report))

    result = trainer.run(on_step=bundler.add, on_epoch=on_epoch)
    bundler.flush()
    return result


class RunController(QObject):
    """Runs one job at a time and keeps its state: "idle", "running", "paused" or "stopping"."""

    progressed = Signal(object)     # RunStarted, StepsDone, EpochDone, Measuring, or a job's own event
    finished = Signal(object)       # what the job function returned
    failed = Signal(str)            # a message for the user
    stateChanged = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._job: BackgroundJob | None = None
        self._state = "idle"
        self.plan: RunStarted | None = None     # the current run's, once it has started
        self.step = 0                           # the last step the run reported
        self._active_seconds, self._resumed_at = 0.0, None

    @property
    def state(self) -> str:
        return self._state

    def is_running(self) -> bool:
        return self._job is not None

    def start(self, fn: Callable[[JobContext], Any]) -> None:
        if self._job is not None:
            return
        self.plan, self.step = None, 0
        self._active_seconds, self._resumed_at = 0.0, time.monotonic()
        job = BackgroundJob(fn, self)
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self.finished)
        job.failed.connect(self.failed)
        job.ended.connect(self._on_ended)
        self._job = job
        self._set_state("running")
        job.start()

    def set_paused(self, paused: bool) -> None:
        if self._job is None or self._state not in ("running", "paused") or paused == (self._state == "paused"):
            return
        if paused:
            self._bank_time()
        else:
            self._resumed_at = time.monotonic()
        self._job.context.set_paused(paused)
        self._set_state("paused" if paused else "running")

    def stop(self) -> None:
        if self._job is not None and self._state in ("running", "paused"):
            self._job.cancel()
            self._set_state("stopping")

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing): nothing is left running."""
        if self._job is not None:
            self._job.context.abandoned = True
            self._job.shutdown()

    def elapsed(self) -> float:
        """Seconds the run has been running, pauses left out."""
        return self._active_seconds + (time.monotonic() - self._resumed_at if self._resumed_at is not None else 0.0)

    def _bank_time(self) -> None:
        if self._resumed_at is not None:
            self._active_seconds += time.monotonic() - self._resumed_at
            self._resumed_at = None

    def _on_progress(self, event) -> None:
        if isinstance(event, RunStarted):
            self.plan, self.step = event, event.step
            if self._state == "running":        # the data took a while to load: the clock starts now
                self._active_seconds, self._resumed_at = 0.0, time.monotonic()
        elif isinstance(event, StepsDone):
            self.step = int(event.steps[-1])
        self.progressed.emit(event)

    def _on_ended(self) -> None:
        self._bank_time()
        self._job = None
        self._set_state("idle")

    def _set_state(self, state: str) -> None:
        self._state = state
        self.stateChanged.emit(state)
