"""Running a Trainer for a study: stopped between two steps as soon as the caller cancels."""
from __future__ import annotations

from collections.abc import Callable

from ..training.records import EpochReport, TrainResult
from ..training.trainer import Trainer


def run_trainer(trainer: Trainer, on_epoch: Callable[[EpochReport], None] | None = None,
                cancelled: Callable[[], bool] = lambda: False, on_step: Callable[[int, float], None] | None = None
                ) -> TrainResult:
    """trainer.run(), asking `cancelled()` after every step and epoch and stopping once it says so."""
    def step_done(step: int, loss: float) -> None:
        if on_step:
            on_step(step, loss)
        if cancelled():
            trainer.stop()

    def epoch_done(report: EpochReport) -> None:
        if on_epoch:
            on_epoch(report)
        if cancelled():
            trainer.stop()

    return trainer.run(on_step=step_done, on_epoch=epoch_done)
