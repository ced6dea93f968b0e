"""What the fine-tuning worker runs, and the events it reports besides the run's own."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import speed
from engine.data.datasets import load_mnist
from engine.storage.model_file import SavedModel
from engine.training.finetune import FinetuneConfig, FinetuneOutcome, Finetuning, Scores, split_personal

from ..background import JobContext
from ..run_controller import Measuring, run_trainer


@dataclass(frozen=True)
class Prepared:
    train: int          # personal samples trained on
    holdout: int        # personal samples held out to measure


@dataclass(frozen=True)
class MeasuredBefore:
    scores: Scores


def finetune_job(base: SavedModel, base_name: str, x: np.ndarray, t: np.ndarray, config: FinetuneConfig):
    """Split, load MNIST, measure, fine-tune, measure again."""
    def run(ctx: JobContext) -> FinetuneOutcome | None:
        personal = split_personal(x, t, config.holdout, config.seed)
        tuning = Finetuning(base, personal, load_mnist(), config, base_name)
        speed.accelerate(tuning.trainer)
        ctx.report(Prepared(len(personal.train), len(personal.holdout)))
        ctx.report(MeasuredBefore(tuning.measure_before()))
        result = run_trainer(ctx, tuning.trainer)
        if ctx.abandoned:
            return None
        ctx.report(Measuring("after"))
        return tuning.finish(result)
    return run
