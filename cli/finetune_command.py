"""`finetune`: train a model further on personal samples mixed with MNIST, and show what it changed."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from engine import speed
from engine.data.datasets import Split, load_idx_folder, load_mnist, to_float
from engine.errors import EngineError
from engine.training.finetune import FinetuneConfig, Finetuning, PersonalSplit, Scores, split_personal
from engine.storage.model_file import load_model, save_model
from engine.storage.samples import SampleStore, is_idx_folder
from engine.training.records import TrainResult

from .options import model_path, out_path
from .train_command import run_with_progress


def personal_samples(folder: Path, holdout: float, seed: int) -> PersonalSplit:
    """A samples folder is split here (--holdout, --seed); an IDX folder brings its own split: its
    train files are trained on and its test files are held out."""
    if not folder.is_dir():
        raise EngineError(f"samples folder not found: {folder}")
    if is_idx_folder(folder):
        data = load_idx_folder(folder)
        print(f"{folder} holds IDX files: training on its {len(data.train_labels)} train samples, "
              f"measuring on its {len(data.test_labels)} test samples (--holdout does not apply).", file=sys.stderr)
        return PersonalSplit(Split(to_float(data.train_images), data.train_labels),
                             Split(to_float(data.test_images), data.test_labels))
    store = SampleStore(folder)
    for problem in store.load():
        print(f"warning: skipped {problem}", file=sys.stderr)
    if len(store) == 0:
        raise EngineError(f"{folder} has no samples: label some drawings in the app's Draw tab first")
    x, t = store.arrays()
    return split_personal(x, t, holdout, seed)


def format_scores(before: Scores, after: Scores | None) -> str:
    def pct(v):
        return "–" if v is None else f"{v:.2%}"
    rows = [("held-out personal samples", before.personal, after.personal if after else None),
            ("MNIST test set", before.mnist, after.mnist if after else None)]
    lines = [f"{'accuracy on':<28}{'before':>9}{'after':>9}"]
    lines += [f"{name:<28}{pct(b):>9}{pct(a):>9}" for name, b, a in rows]
    return "\n".join(lines)


def run(args) -> int:
    path = model_path(args)
    out = out_path(args.out)
    base = load_model(path)
    try:
        config = FinetuneConfig(epochs=args.epochs, lr=args.lr, holdout=args.holdout, seed=args.seed)
        personal = personal_samples(Path(args.samples), config.holdout, config.seed)
        tuning = Finetuning(base, personal, load_mnist(), config, base_name=Path(path).name)
    except ValueError as e:
        raise EngineError(str(e)) from None
    trainer = speed.accelerate(tuning.trainer)
    print(f"Fine-tuning {base.describe()} on {len(personal.train)} personal samples "
          f"({len(personal.holdout)} more held out) mixed with MNIST: {len(trainer.train_split):,} images an epoch, "
          f"{trainer.config.optimizer} lr {trainer.config.learning_rate:g}, {trainer.config.epochs} epochs.",
          file=sys.stderr)
    tuning.measure_before()
    result = run_with_progress(trainer, validation_name="held-out")
    interrupted = result is None
    if interrupted:
        result = TrainResult("stopped", "interrupted", trainer.step, trainer.history)
    outcome = tuning.finish(result)
    if outcome.model is None:
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    saved_to = save_model(out, outcome.model)
    if args.json:
        print(json.dumps({"before": outcome.before.to_json(), "after": outcome.after.to_json(),
                          "personal_train": len(personal.train), "personal_holdout": len(personal.holdout),
                          "status": result.status, "out": str(saved_to)}))
    else:
        print(format_scores(outcome.before, outcome.after))
    print(f"Saved to {saved_to}", file=sys.stderr)
    return 130 if interrupted else 0
