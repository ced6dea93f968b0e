"""`train`: headless training with a progress bar and a line per epoch."""
from __future__ import annotations

import sys

from tqdm import tqdm

from engine import speed
from engine.data.datasets import load_mnist
from engine.errors import EngineError
from engine.storage.model_file import load_model, save_model
from engine.training.records import EpochReport, TrainResult
from engine.training.trainer import Trainer
from engine.training.runs import new_trainer, resume_trainer, to_saved_model

from .options import out_path, spec_and_config


MAX_THREADS = 256     # more than any machine's cores; each is an OS thread, and 100,000 of them fail to start


def format_epoch(r: EpochReport, validation_name: str = "validation") -> str:
    parts = [f"epoch {r.epoch:3d}", f"loss {r.loss:.4f}", f"train {r.train_accuracy:.2%}"]
    if r.validation_accuracy is not None:
        parts.append(f"{validation_name} {r.validation_accuracy:.2%}")
    if r.test_accuracy is not None:
        parts.append(f"test {r.test_accuracy:.2%}")
    parts.append(f"{r.seconds:.1f} s")
    return "  ".join(parts)


def run_with_progress(trainer: Trainer, validation_name: str = "validation") -> TrainResult | None:
    """Run with a progress bar and a line per epoch on stderr; None when interrupted with Ctrl+C
    (the trainer then stops, and its network is as it was after the last step)."""
    bar = tqdm(total=trainer.total_steps, initial=trainer.step, unit="step", dynamic_ncols=True,
               file=sys.stderr, smoothing=0.05)

    def on_step(step: int, loss: float) -> None:
        bar.update(1)
        if step % 20 == 0 or step == trainer.total_steps:
            # Step n (counted from 1) belongs to epoch (n - 1) // steps_per_epoch + 1: the last step
            # of a 2-epoch run is in epoch 2, though trainer.epoch has moved on to 2 (0-based) by then.
            bar.set_postfix(epoch=(step - 1) // trainer.steps_per_epoch + 1, loss=f"{loss:.4f}", refresh=False)

    try:
        result = trainer.run(on_step=on_step,
                             on_epoch=lambda r: bar.write(format_epoch(r, validation_name), file=sys.stderr))
    except KeyboardInterrupt:
        trainer.stop()
        bar.close()
        print("interrupted: saving the model as it is now", file=sys.stderr)
        result = None
    bar.close()
    return result


def run(args) -> int:
    out = out_path(args.out)
    try:
        if args.resume:
            saved = load_model(args.resume)
            spec = saved.spec
            dataset = load_mnist(args.data)
            trainer = resume_trainer(saved, dataset, epochs=args.epochs)
        else:
            spec, config = spec_and_config(args)
            dataset = load_mnist(args.data)
            trainer = new_trainer(spec, config, dataset)
    except ValueError as e:  # an invalid combination of options
        raise EngineError(str(e)) from None
    if args.threads is not None and not 1 <= args.threads <= MAX_THREADS:
        raise EngineError(f"--threads must be from 1 to {MAX_THREADS}, got {args.threads}")
    speed.set_threads(args.threads)
    speed.accelerate(trainer)
    name = spec.describe() if spec else "model"
    print(f"Training {name} on {dataset.name}: {len(trainer.train_split):,} training and "
          f"{len(trainer.validation) if trainer.validation else 0:,} validation images, "
          f"{trainer.config.optimizer} lr {trainer.config.learning_rate:g}, {trainer.config.epochs} epochs.",
          file=sys.stderr)
    result = run_with_progress(trainer)
    if result is not None and not result.usable:
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    model = to_saved_model(trainer, spec, dataset.name)
    saved_to = save_model(out, model)
    print(f"Test accuracy {model.test_accuracy:.2%}. Saved to {saved_to}", file=sys.stderr)
    return 0 if result is not None else 130
