"""Seconds per training epoch: the engine against PyTorch on the same work, in one run.

    .venv-bench/bin/python -m bench.train_speed           the three networks, engine and PyTorch
    .venv/bin/python -m bench.train_speed --quick         a few steps, engine only: proves it runs

What is timed, for both: one epoch is every training image once (all 60,000, no validation split), in
shuffled batches of 100, i.e. 600 steps of gathering the batch, forward, loss, backward and an Adam
step (lr 0.001). Evaluation is outside the timed epochs: test accuracy is measured once at the end.
The engine runs through its own Trainer with engine/speed composed in, as the command line and the
app do (speed.accelerate: a CNN's batches in slices on the engine threads, augmented batches made in
child processes); --plain times the book's plain loop instead. Its epoch time is the Trainer's
EpochReport.seconds, which stops before the epoch's evaluation. The PyTorch model has the same layers
(NCHW), He-normal weights and zero biases, and runs in a child process of its own, so that its
OpenMP threads never share a process with the engine. After one warm-up epoch each, timed epochs of
the engine and of PyTorch alternate, so that a change in the machine's load hits both alike, with a
pause of a quarter second before each; the figure is the median. PyTorch is optional
(requirements-bench.txt): without it only the engine is measured.

Also measured: what augmentation adds to an engine epoch, with the engine's threads and with the one
engine thread the app trains on (gui/app.py leaves a core to the window). Epochs of the same network
without and with augmentation alternate (each a fresh Trainer, after a warm-up epoch; the CNN on
12,000 images to keep the run short), without first in one pair and with first in the next, so that
a steady drift of the machine's speed cancels; the share is the median over the pairs of how much
longer the augmented epoch took.

The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from engine import speed
from engine.data.augment import Augmentation
from engine.data.batches import Batches
from engine.nn.builders import ModelSpec
from engine.speed.side_by_side import make_steps
from engine.data.datasets import Split, load_mnist, to_float
from engine.training.records import EpochReport, TrainConfig
from engine.training.trainer import Trainer

ROOT = Path(__file__).resolve().parent.parent
torch = None   # imported in the PyTorch child process only (run_torch_child)

NETWORKS = {
    "mlp": ("MLP 784-100-10", ModelSpec(arch="mlp", hidden=(100,))),
    "mlp2": ("MLP 784-256-256-10", ModelSpec(arch="mlp", hidden=(256, 256))),
    "cnn": ("CNN c16-c32-fc100", ModelSpec(arch="cnn", channels=(16, 32), kernel=5, hidden=(100,))),
}
BATCH, LR, SEED = 100, 0.001, 0
PAUSE = 0.25                       # seconds before each timed epoch (see the docstring)
AUGMENT_IMAGES = {"cnn": 12_000}   # images per epoch when measuring augmentation (default: all)


@dataclass
class Measurement:
    key: str
    name: str
    engine_seconds: list[float] = field(default_factory=list)
    torch_seconds: list[float] = field(default_factory=list)
    engine_accuracy: float | None = None
    torch_accuracy: float | None = None
    # Augmentation's cost, by engine threads: epochs without it and with it.
    plain_seconds: dict[int, list[float]] = field(default_factory=dict)
    augmented_seconds: dict[int, list[float]] = field(default_factory=dict)

    def augment_share(self, threads: int) -> float | None:
        """The median over the pairs of epochs of how much longer the augmented one took: each pair
        ran back to back, so a drift of the machine's speed cancels within it."""
        if not self.plain_seconds.get(threads):
            return None
        return statistics.median(augmented / plain - 1 for plain, augmented
                                 in zip(self.plain_seconds[threads], self.augmented_seconds[threads]))

    def summary(self) -> dict:
        engine = statistics.median(self.engine_seconds) if self.engine_seconds else None
        pytorch = statistics.median(self.torch_seconds) if self.torch_seconds else None
        return {"net": self.key, "name": self.name, "engine_s": engine, "torch_s": pytorch,
                "ratio": engine / pytorch if engine and pytorch else None,
                "engine_epochs_s": self.engine_seconds, "torch_epochs_s": self.torch_seconds,
                "engine_test_accuracy": self.engine_accuracy, "torch_test_accuracy": self.torch_accuracy,
                "augmentation": [{"engine_threads": threads, "plain_epochs_s": plain,
                                  "augmented_epochs_s": self.augmented_seconds[threads],
                                  "augment_share": self.augment_share(threads)}
                                 for threads, plain in self.plain_seconds.items()]}


def torch_model(spec: ModelSpec):
    """The same layers as the engine's network, NCHW, He-normal weights and zero biases."""
    nn = torch.nn
    layers: list = []
    if spec.arch == "cnn":
        layers.append(nn.Unflatten(1, (1, 28, 28)))
        channels_in, side = 1, 28
        for i, channels in enumerate(spec.channels):
            pad = spec.kernel // 2 if i == 0 else 0
            layers += [nn.Conv2d(channels_in, channels, spec.kernel, padding=pad), nn.ReLU(), nn.MaxPool2d(2)]
            side = (side + 2 * pad - spec.kernel + 1) // 2
            channels_in = channels
        layers.append(nn.Flatten())
        width = channels_in * side * side
    else:
        width = 784
    for hidden in spec.hidden:
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, spec.classes))
    model = nn.Sequential(*layers)
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


class TorchRun:
    """PyTorch training on the same arrays, one epoch at a time."""

    def __init__(self, spec: ModelSpec, train: Split, steps: int):
        torch.manual_seed(SEED)
        self.model = torch_model(spec)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.x, self.t = torch.from_numpy(train.x), torch.from_numpy(train.t.astype(np.int64))
        self.steps = steps
        self.generator = torch.Generator().manual_seed(SEED)

    def epoch(self) -> float:
        model, optimizer = self.model, self.optimizer
        model.train()
        started = time.perf_counter()
        order = torch.randperm(len(self.t), generator=self.generator)
        losses = []
        for b in range(self.steps):
            batch = order[b * BATCH:(b + 1) * BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(self.x[batch]), self.t[batch])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return time.perf_counter() - started

    def accuracy(self, test: Split) -> float:
        self.model.eval()
        with torch.no_grad():
            predicted = self.model(torch.from_numpy(test.x)).argmax(dim=1).numpy()
        return float(np.mean(predicted == test.t))


class TorchChild:
    """A child process that trains the PyTorch twin of a network one epoch at a time, on request."""

    def __init__(self, key: str, quick: bool, threads: int | None):
        command = [sys.executable, "-m", "bench.train_speed", "--torch-child", "--nets", key]
        command += ["--quick"] if quick else []
        command += ["--torch-threads", str(threads)] if threads else []
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = self.ask("info")

    def ask(self, command: str):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the PyTorch child process ended (exit code {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def run_torch_child(key: str, quick: bool, threads: int | None) -> int:
    """The child's side: answer info / epoch / accuracy on stdin with one JSON line each."""
    global torch
    import torch
    if threads:
        torch.set_num_threads(threads)
    train, test = load_splits(quick)
    run = TorchRun(NETWORKS[key][1], train, len(train) // BATCH)
    answers = {"info": lambda: {"torch": torch.__version__, "threads": torch.get_num_threads()},
               "epoch": run.epoch, "accuracy": lambda: run.accuracy(test)}
    for line in sys.stdin:
        print(json.dumps(answers[line.strip()]()), flush=True)
    return 0


PLAIN = False                      # --plain: the book's loop, without engine/speed


def engine_trainer(key: str, train: Split, epochs: int, augment: bool = False) -> Trainer:
    """The engine's Trainer for network `key`, with engine/speed composed in (unless --plain). No
    validation split and no accuracy inside the epoch: only training is timed."""
    config = TrainConfig(optimizer="adam", lr=LR, batch_size=BATCH, epochs=epochs, validation=0,
                         train_eval_size=0, seed=SEED, augment=augment)
    trainer = Trainer(NETWORKS[key][1].build(SEED), train, config)
    return trainer if PLAIN else speed.accelerate(trainer)


def measure(key: str, train: Split, test: Split, epochs: int, pytorch: TorchChild | None) -> Measurement:
    name = NETWORKS[key][0]
    result = Measurement(key, name)
    trainer = engine_trainer(key, train, 1 + epochs)

    def after_engine_epoch(report: EpochReport) -> None:
        if report.epoch > 1:                        # the first epoch of each is a warm-up
            result.engine_seconds.append(report.seconds)
        if pytorch is not None:
            time.sleep(PAUSE)
            seconds = pytorch.ask("epoch")
            if report.epoch > 1:
                result.torch_seconds.append(seconds)
        time.sleep(PAUSE)
        print(f"  {name}, epoch {report.epoch}{' (warm-up)' if report.epoch == 1 else ''}: engine "
              f"{report.seconds:.2f} s" + (f", PyTorch {seconds:.2f} s" if pytorch is not None else ""),
              file=sys.stderr, flush=True)

    time.sleep(PAUSE)
    trainer.run(on_epoch=after_engine_epoch)
    result.engine_accuracy = trainer.network.accuracy(test.x, test.t)
    if pytorch is not None:
        result.torch_accuracy = pytorch.ask("accuracy")
    return result


def measure_augmentation(result: Measurement, train: Split, pairs: int, threads: int) -> None:
    """Engine epochs without and with augmentation, in turns, on `threads` engine threads."""
    count = AUGMENT_IMAGES.get(result.key, len(train))
    subset = Split(train.x[:count], train.t[:count])
    before = speed.threads.threads()
    speed.set_threads(threads)
    plain, augmented = result.plain_seconds.setdefault(threads, []), result.augmented_seconds.setdefault(threads, [])
    try:
        for pair in range(pairs):
            order = ((False, plain), (True, augmented))
            for augment, into in order if pair % 2 == 0 else order[::-1]:
                seconds: list[float] = []
                time.sleep(PAUSE)
                trainer = engine_trainer(result.key, subset, 2, augment)
                trainer.run(on_epoch=lambda report, seconds=seconds: seconds.append(report.seconds))
                into.append(seconds[-1])                 # the first epoch is a warm-up
            print(f"  {result.name}, {len(subset):,} images, {threads} engine thread(s): {plain[-1]:.2f} s without "
                  f"augmentation, {augmented[-1]:.2f} s with", file=sys.stderr, flush=True)
    finally:
        speed.set_threads(before)


def load_splits(quick: bool) -> tuple[Split, Split]:
    """All 60,000 training images (500 when quick) and the 10,000 test images (500 when quick)."""
    dataset = load_mnist()
    count = 500 if quick else len(dataset.train_labels)
    test_count = 500 if quick else len(dataset.test_labels)
    return (Split(to_float(dataset.train_images[:count]), dataset.train_labels[:count]),
            Split(to_float(dataset.test_images[:test_count]), dataset.test_labels[:test_count]))


def augmentation_seconds(train: Split) -> float:
    """What making one epoch's augmented batches takes alone, on one thread, a block at a time as
    the child processes make them (the plain loop's Batches.make() with --plain)."""
    batches = Batches(train, BATCH, SEED, Augmentation())
    steps, per_block = batches.steps_per_epoch, batches.map_block_steps()
    out = np.empty((per_block * BATCH, train.x.shape[1]), dtype=train.x.dtype)
    started = time.perf_counter()
    for start in range(0, steps, per_block):
        if PLAIN:
            for step in range(start, min(start + per_block, steps)):
                batches.make(step)
        else:
            make_steps(batches, start, min(start + per_block, steps), out)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default=",".join(NETWORKS), help="which networks (default: all): "
                        + ", ".join(NETWORKS))
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per network, after one warm-up")
    parser.add_argument("--augment-pairs", type=int, default=9,
                        help="pairs of epochs without and with augmentation, per network and thread count")
    parser.add_argument("--no-torch", action="store_true", help="measure the engine only")
    parser.add_argument("--engine-threads", type=int, default=None,
                        help="threads the engine splits a batch across (default: one per usable core)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads (default: PyTorch's own choice, one per core)")
    parser.add_argument("--quick", action="store_true",
                        help="500 training images and one timed epoch: a smoke test, not a measurement")
    parser.add_argument("--plain", action="store_true", help="time the engine's plain loop, without engine/speed")
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.nets.split(",") if k.strip()]
    unknown = [k for k in keys if k not in NETWORKS]
    if unknown:
        parser.error(f"unknown network(s) {', '.join(unknown)}; choose from {', '.join(NETWORKS)}")
    if args.torch_child:
        return run_torch_child(keys[0], args.quick, args.torch_threads)
    use_torch = importlib.util.find_spec("torch") is not None and not args.no_torch
    global PLAIN
    PLAIN = args.plain
    speed.set_threads(args.engine_threads)

    train, test = load_splits(args.quick)
    count = len(train)
    epochs = 1 if args.quick else max(1, args.epochs)

    load_before = os.getloadavg()
    results, torch_info = [], None
    for key in keys:
        child = TorchChild(key, args.quick, args.torch_threads) if use_torch else None
        try:
            torch_info = child.info if child else None
            results.append(measure(key, train, test, epochs, child))
        finally:
            if child:
                child.close()
        for threads in dict.fromkeys([speed.threads.threads(), 1]):       # the benchmark's threads, then the app's
            measure_augmentation(results[-1], train, 1 if args.quick else max(1, args.augment_pairs), threads)
    augment_s = statistics.median(augmentation_seconds(train) for _ in range(3))
    load_after = os.getloadavg()

    print(f"\n{'network':22s} {'engine s/epoch':>15s} {'PyTorch s/epoch':>16s} {'ratio':>7s} "
          f"{'engine acc':>11s} {'PyTorch acc':>12s} {'augmentation adds':>18s} {'(1 thread)':>11s}")
    for r in results:
        s = r.summary()
        pt = f"{s['torch_s']:16.2f}" if s["torch_s"] else f"{'-':>16s}"
        ratio = f"{s['ratio']:7.2f}" if s["ratio"] else f"{'-':>7s}"
        pacc = f"{s['torch_test_accuracy']:12.2%}" if s["torch_test_accuracy"] is not None else f"{'-':>12s}"
        share = r.augment_share(speed.threads.threads())
        app_share = r.augment_share(1)
        print(f"{r.name:22s} {s['engine_s']:15.2f} {pt} {ratio} {s['engine_test_accuracy']:11.2%} {pacc} "
              + (f"{share:18.1%}" if share is not None else f"{'-':>18s}")
              + (f" {app_share:11.1%}" if app_share is not None else f" {'-':>11s}"))
    print(f"making an epoch's augmented batches alone, on one thread: {augment_s:.2f} s; 'augmentation adds' is "
          f"the engine's epoch with augmentation against without, in turns, with the engine's threads and with "
          f"the app's one")
    print(f"images per epoch {count:,}, batch {BATCH}, Adam lr {LR}; median of {epochs} epoch(s) after a warm-up; "
          f"engine threads {speed.threads.threads()}" + (f", PyTorch threads {torch_info['threads']}" if torch_info else "")
          + f"; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(json.dumps({
        "bench": "train_speed", "quick": args.quick, "images_per_epoch": count, "batch": BATCH,
        "timed_epochs": epochs, "load_average_before": load_before, "load_average_after": load_after,
        "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
        "torch": torch_info["torch"] if torch_info else None,
        "torch_threads": torch_info["threads"] if torch_info else None,
        "engine_threads": speed.threads.threads(), "plain": args.plain,
        "blas_threads": next((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), None),
        "augment_s_per_epoch": augment_s,
        "results": [r.summary() for r in results]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
