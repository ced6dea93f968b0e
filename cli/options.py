"""Flags shared by several commands, and their translation into engine objects."""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from engine.data.augment import AUGMENTATIONS
from engine.errors import EngineError
from engine.nn.builders import ARCHITECTURES, ModelSpec
from engine.nn.init import SCHEMES
from engine.nn.layers import ACTIVATIONS
from engine.nn.optimizers import OPTIMIZERS
from engine.storage.atomic import save_target
from engine.storage.paths import bundled_model
from engine.nn.schedules import SCHEDULES
from engine.training.presets import PRESETS, preset
from engine.training.records import TrainConfig


def int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers, got {text!r}")
    return values


def add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH", default=None,
                        help=f"a model file (default: the bundled {bundled_model().name})")


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="a folder of IDX files of the same shape as MNIST, e.g. Fashion-MNIST or "
                        "EMNIST digits (default: the bundled MNIST)")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    d = ModelSpec()
    g = parser.add_argument_group("architecture")
    g.add_argument("--arch", choices=ARCHITECTURES, default=d.arch, help="multi-layer perceptron or convolutional network (default %(default)s)")
    g.add_argument("--hidden", type=int_list, default=None, metavar="N[,N...]",
                   help="hidden (fully connected) layer sizes (default 100)")
    g.add_argument("--channels", type=int_list, default=d.channels, metavar="C[,C...]",
                   help="CNN: filters per conv-relu-pool block (default 16,32)")
    g.add_argument("--kernel", type=int, default=d.kernel, help="CNN: convolution kernel size (default %(default)s)")
    g.add_argument("--activation", choices=list(ACTIVATIONS), default=d.activation, help="(default %(default)s)")
    g.add_argument("--init", choices=SCHEMES, default=d.init,
                   help="weight initialisation: he, xavier, or std (a fixed --init-std) (default %(default)s)")
    g.add_argument("--init-std", type=float, default=d.init_std, help="standard deviation for --init std (default %(default)s)")
    g.add_argument("--batchnorm", action="store_true", help="batch normalisation after each hidden layer")
    g.add_argument("--dropout", type=float, default=d.dropout, help="dropout rate after each hidden layer (default %(default)s)")
    g.add_argument("--dtype", choices=("float32", "float64"), default=d.dtype, help="(default %(default)s)")


def add_training_options(parser: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    g = parser.add_argument_group("training")
    g.add_argument("--preset", choices=list(PRESETS), default=None,
                   help="a network and run sized for a time budget: " + "; ".join(
                       f"{name}: {p.label}, {p.spec.describe()}" for name, p in PRESETS.items())
                   + " (the other architecture and training flags are then ignored, but --seed and --eval-test)")
    g.add_argument("--optimizer", choices=list(OPTIMIZERS), default=d.optimizer, help="(default %(default)s)")
    g.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's usual one)")
    g.add_argument("--batch-size", type=int, default=d.batch_size, help="(default %(default)s)")
    g.add_argument("--epochs", type=int, default=None, help=f"(default {d.epochs})")
    g.add_argument("--weight-decay", type=float, default=d.weight_decay, help="L2 weight decay (default %(default)s)")
    g.add_argument("--schedule", choices=SCHEDULES, default=d.schedule, help="learning-rate schedule (default %(default)s)")
    g.add_argument("--step-epochs", type=int, default=d.step_epochs, help="step schedule: epochs between decays (default %(default)s)")
    g.add_argument("--step-gamma", type=float, default=d.step_gamma, help="step schedule: decay factor (default %(default)s)")
    g.add_argument("--warmup", type=float, default=d.warmup,
                   help="warmup_cosine and onecycle schedules: the fraction of the run rising to the full rate (default %(default)s)")
    g.add_argument("--label-smoothing", type=float, default=d.label_smoothing,
                   help="the share of the target spread over all classes (default %(default)s)")
    g.add_argument("--validation", type=int, default=d.validation, help="training images held out for validation (default %(default)s)")
    g.add_argument("--train-size", type=int, default=None, metavar="N",
                   help="train on only N images (after the validation split), e.g. to watch overfitting")
    g.add_argument("--seed", type=int, default=d.seed, help="(default %(default)s)")
    g.add_argument("--augment", nargs="?", const="basic", default=None, choices=list(AUGMENTATIONS),
                   help="random changes of the training images: basic (small shifts, rotations and scalings, "
                   "the default), hands (also slants, widths, wobbles, stroke weights and photo-like contrast and "
                   "noise: for other hands, pens and pictures) or pens (hands, and half the digits redrawn with "
                   "a pen of one width)")
    g.add_argument("--eval-test", action="store_true", help="also report test accuracy after every epoch")


def spec_and_config(args: argparse.Namespace) -> tuple[ModelSpec, TrainConfig]:
    """The run that the flags describe: a preset's with the flags' seed, or the flags' own."""
    if args.preset:
        spec, config = preset(args.preset).with_seed(args.seed)
        return spec, replace(config, eval_test=args.eval_test)
    return model_spec(args), train_config(args)


def model_spec(args: argparse.Namespace) -> ModelSpec:
    return ModelSpec(arch=args.arch, hidden=args.hidden or (100,), channels=args.channels, kernel=args.kernel,
                     activation=args.activation, init=args.init, init_std=args.init_std,
                     batchnorm=args.batchnorm, dropout=args.dropout, dtype=args.dtype)


def train_config(args: argparse.Namespace) -> TrainConfig:
    epochs = TrainConfig.epochs if args.epochs is None else args.epochs   # --epochs 0 is refused, not the default
    return TrainConfig(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size, epochs=epochs,
                       weight_decay=args.weight_decay, schedule=args.schedule, step_epochs=args.step_epochs,
                       step_gamma=args.step_gamma, warmup=args.warmup, label_smoothing=args.label_smoothing,
                       validation=args.validation, train_size=args.train_size, seed=args.seed,
                       augment=args.augment is not None, augmentation=args.augment or "basic", eval_test=args.eval_test)


def out_path(text: str) -> Path:
    """Where --out will save, checked before any work is done: a device, FIFO or folder is refused."""
    path = Path(text)
    try:
        if path.exists() or path.is_symlink():
            save_target(path)    # `--out /dev/null` is refused, not turned into /dev/null.npz
        return save_target(path if path.suffix else path.with_suffix(".npz"))
    except OSError as e:
        raise EngineError(f"--out {text}: {e}") from None


def model_path(args: argparse.Namespace):
    return args.model or bundled_model()
