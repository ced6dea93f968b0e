"""Argument parsing and dispatch. Each command lives in its own module and is imported only when
used, so `predict` does not pay for Qt widgets and `--version` for nothing at all."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from engine.version import __version__

from . import options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet", description="Draw digits for a neural network written from scratch in NumPy, "
        "or train one. Without a command, the desktop app opens.")
    parser.add_argument("--version", action="version", version=f"ScratchNet {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check the engine, the bundled data and models, and the main window headlessly; exit 0 if all is well")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and save it",
                                description="Train a network on MNIST (or --data) with a progress bar; "
                                "every choice of the app's Train tab is a flag.")
    options.add_model_options(train)
    options.add_training_options(train)
    options.add_data_option(train)
    train.add_argument("--out", required=True, metavar="PATH", help="where to save the model (.npz)")
    train.add_argument("--threads", type=int, default=None, metavar="N",
                       help="engine threads to train on (default: one per core)")
    train.add_argument("--resume", metavar="PATH",
                       help="continue a saved model's run exactly where it stopped (its own settings apply; --epochs may extend it)")

    evaluate = commands.add_parser("evaluate", help="accuracy, confusion matrix and calibration on the test set",
                                   description="Accuracy and confusion matrix on the test set, and the expected "
                                   "calibration error of the probabilities as trained and with the model's "
                                   "temperature (fitted on its validation split if it has none).")
    options.add_model_option(evaluate)
    options.add_data_option(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--calibrate", action="store_true",
                          help="fit the temperature on the model's validation split and save it into the model file")

    predict = commands.add_parser("predict", help="classify image files",
                                  description="Classify image files of any size, dark ink on light paper or the reverse.")
    options.add_model_option(predict)
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("images", nargs="+", metavar="IMAGE")

    finetune = commands.add_parser("finetune", help="adapt a model to your own handwriting samples",
                                   description="Train a model further on personal samples mixed with MNIST.")
    options.add_model_option(finetune)
    finetune.add_argument("--samples", metavar="DIR", required=True,
                          help="a samples folder as the app keeps it, or IDX files exported from it")
    finetune.add_argument("--out", required=True, metavar="PATH", help="where to save the fine-tuned model")
    finetune.add_argument("--epochs", type=int, default=3, help="passes over the mixed set (default 3)")
    finetune.add_argument("--lr", type=float, default=None, help="learning rate (default: a tenth of the model's own)")
    finetune.add_argument("--holdout", type=float, default=0.25,
                          help="fraction of personal samples held out to measure the effect (default 0.25)")
    finetune.add_argument("--seed", type=int, default=0)
    finetune.add_argument("--json", action="store_true", help="print the before/after figures as JSON")

    info = commands.add_parser("info", help="show what a model file records")
    info.add_argument("model", metavar="PATH")
    return parser


COMMANDS = {
    "train": "cli.train_command",
    "evaluate": "cli.evaluate_command",
    "predict": "cli.predict_command",
    "finetune": "cli.finetune_command",
    "info": "cli.info_command",
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl+C is: training stops between two steps (and saves what it has), a
    save under way removes its temporary file, instead of the process vanishing mid-write."""


_terminated: list[int] = []


def _terminate(signum, frame) -> None:
    _terminated.append(signum)
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:
        from .self_test import run_self_test
        return run_self_test()
    if args.command is None:
        from gui.app import run_app
        return run_app()
    import importlib

    from engine.errors import EngineError
    handles_signals = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if handles_signals else None
    _terminated.clear()
    try:
        code = importlib.import_module(COMMANDS[args.command]).run(args)
        sys.stdout.flush()   # inside the try: a closed pipe is met here, not at exit
        return 143 if _terminated else code
    except EngineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whatever read the output went away (`info FILE | head -1`): stop quietly, as `cat` would.
        # Python would try to flush the pipe again at exit and complain; stdout goes nowhere now.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        if handles_signals and previous is not None:
            signal.signal(signal.SIGTERM, previous)
