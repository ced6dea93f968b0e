"""Seconds of training until a preset's network passes 99.0% test accuracy: the engine against PyTorch
on the same run, in one run, seed after seed.

    .venv-bench/bin/python -m bench.time_to_accuracy                  quick preset, seeds 0-4, both
    .venv/bin/python -m bench.time_to_accuracy --quick                a few steps, engine only: proves it runs

Both train on one thread (the app's setting on two cores): the engine through its Trainer with
engine/speed composed in, as the app does; PyTorch with torch.set_num_threads(1), in a child process
of its own. The PyTorch run is the engine's run: the same layers (NCHW), the engine's initial
weights copied in, the same batches in the same order (engine Batches.rows), Adam with the same
constants, the same label smoothing and the learning rate of the engine's Schedule at every step.
Test accuracy is measured after every epoch, outside the timed training; a run's time to the target
is the training time of the epochs up to the first that reaches it. Each figure is given twice:
wall-clock seconds and CPU seconds of the training thread (time.thread_time), which a shared
machine's load inflates far less. Engine and PyTorch runs alternate seed by seed, so that a change
in the machine's load hits both alike.

A preset with augmentation is timed on the engine only (see main()).

The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine import speed
from engine.data.batches import Batches
from engine.data.datasets import Dataset, load_mnist
from engine.nn.layers import Affine, Conv2D
from engine.training.presets import PRESETS
from engine.training.runs import new_trainer
from engine.training.trainer import Trainer

from . import train_speed
from .train_speed import torch_model

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.99                   # --target: "best" is meant to reach 0.995
torch = None   # imported in the PyTorch child process only


def dataset(smoke: bool) -> Dataset:
    data = load_mnist(None)
    if smoke:
        data = replace(data, train_images=data.train_images[:600], train_labels=data.train_labels[:600],
                       test_images=data.test_images[:500], test_labels=data.test_labels[:500])
    return data


def first_reaching(epochs: list[dict], target: float) -> dict | None:
    """Time and CPU time of training until the first epoch at the target, or None if none reached it."""
    for i, epoch in enumerate(epochs):
        if epoch["test_accuracy"] >= target:
            return {"epochs": i + 1, "seconds": sum(e["seconds"] for e in epochs[:i + 1]),
                    "cpu_seconds": sum(e["cpu_seconds"] for e in epochs[:i + 1])}
    return None


def engine_run(name: str, seed: int, data: Dataset) -> list[dict]:
    spec, config = PRESETS[name].with_seed(seed)
    trainer = new_trainer(spec, config, data)
    speed.set_threads(1)
    speed.accelerate(trainer)
    epochs, clock = [], {}

    def on_step(step: int, loss: float) -> None:
        if step % trainer.steps_per_epoch == 0:         # an epoch's last step: its evaluation is not timed
            clock["seconds"], clock["cpu"] = time.perf_counter() - clock["seconds"], time.thread_time() - clock["cpu"]

    def on_epoch(report) -> None:
        epochs.append({"seconds": clock["seconds"], "cpu_seconds": clock["cpu"],
                       "test_accuracy": trainer.accuracy(trainer.test.x, trainer.test.t)})
        clock["seconds"], clock["cpu"] = time.perf_counter(), time.thread_time()

    clock["seconds"], clock["cpu"] = time.perf_counter(), time.thread_time()
    trainer.run(on_step=on_step, on_epoch=on_epoch)
    return epochs


def torch_run(name: str, seed: int, data: Dataset) -> list[dict]:
    """The engine's run for `seed`, step for step, on PyTorch."""
    spec, config = PRESETS[name].with_seed(seed)
    trainer = new_trainer(spec, config, data)       # its splits, initial weights, batches and schedule
    model = torch_model(spec)
    ours = [layer for layer in trainer.network.layers if isinstance(layer, (Conv2D, Affine))]
    theirs = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        for layer, module in zip(ours, theirs, strict=True):
            if isinstance(layer, Conv2D):
                module.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W.value.transpose(3, 2, 0, 1))))
            else:
                module.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W.value.T)))
            module.bias.copy_(torch.from_numpy(layer.b.value))
    if spec.arch == "cnn":
        flatten_order(model, trainer)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    batches: Batches = trainer.batches
    x, t = torch.from_numpy(trainer.train_split.x), torch.from_numpy(trainer.train_split.t.astype(np.int64))
    test_x, test_t = torch.from_numpy(trainer.test.x), trainer.test.t
    epochs = []
    for epoch in range(config.epochs):
        model.train()
        started, cpu = time.perf_counter(), time.thread_time()
        for step in range(epoch * trainer.steps_per_epoch, (epoch + 1) * trainer.steps_per_epoch):
            for group in optimizer.param_groups:
                group["lr"] = trainer.learning_rate(step)
            rows = torch.from_numpy(batches.rows(step))
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x[rows]), t[rows], label_smoothing=config.label_smoothing)
            loss.backward()
            optimizer.step()
        seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
        model.eval()
        with torch.no_grad():
            accuracy = float(np.mean(model(test_x).argmax(dim=1).numpy() == test_t))
        epochs.append({"seconds": seconds, "cpu_seconds": cpu, "test_accuracy": accuracy})
    return epochs


def flatten_order(model, trainer: Trainer) -> None:
    """The engine flattens channels-last (H, W, C) maps, PyTorch (C, H, W): permute the first dense
    layer's input columns to match."""
    flatten_at = next(i for i, m in enumerate(model) if isinstance(m, torch.nn.Flatten))
    linear = model[flatten_at + 1]
    layers = trainer.network.layers
    h, w, c = trainer.network.output_shapes()[next(i for i, layer in enumerate(layers) if type(layer).__name__ == "Flatten") - 1]
    # PyTorch's column for (ch, y, x) is the engine's column (y, x, ch).
    engine_column = np.arange(h * w * c).reshape(h, w, c).transpose(2, 0, 1).reshape(-1)
    with torch.no_grad():
        linear.weight.copy_(linear.weight[:, torch.from_numpy(engine_column)].clone())


def run_torch_child(name: str, smoke: bool) -> int:
    """The child's side: for each seed on stdin, one JSON line of its epochs."""
    global torch
    import torch
    train_speed.torch = torch              # torch_model() reads it there
    torch.set_num_threads(1)
    data = dataset(smoke)
    for line in sys.stdin:
        print(json.dumps(torch_run(name, int(line), data)), flush=True)
    return 0


def torch_available() -> bool:
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=list(PRESETS), default="quick")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="600 training images, engine only: proves it runs")
    parser.add_argument("--target", type=float, default=TARGET, help="test accuracy to reach (default %(default)s)")
    parser.add_argument("--no-torch", action="store_true", help="the engine only")
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_child:
        return run_torch_child(args.preset, args.quick)
    data = dataset(args.quick)
    seeds = [int(s) for s in args.seeds.split(",")]
    child = None
    # PyTorch would have to make the augmented batches on its training thread, where the engine makes
    # them in child processes: no like-for-like run, so an augmented preset is timed on the engine only.
    if torch_available() and not (args.quick or args.no_torch or PRESETS[args.preset].config.augment):
        child = subprocess.Popen([sys.executable, "-m", "bench.time_to_accuracy", "--torch-child",
                                  "--preset", args.preset], cwd=ROOT, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
    runs = []
    try:
        for seed in seeds:
            run = {"seed": seed, "engine": engine_run(args.preset, seed, data)}
            if child is not None:
                child.stdin.write(f"{seed}\n")
                child.stdin.flush()
                line = child.stdout.readline()
                if not line:
                    raise RuntimeError(f"the PyTorch child process ended (exit code {child.wait()})")
                run["torch"] = json.loads(line)
            for side in ("engine", "torch"):
                if side in run:
                    run[f"{side}_to_target"] = first_reaching(run[side], args.target)
            print(json.dumps(run), file=sys.stderr, flush=True)
            runs.append(run)
    finally:
        if child is not None:
            child.stdin.close()
            child.wait(timeout=60)
    print(json.dumps(summary(args.preset, args.target, runs)))
    return 0


def summary(name: str, target: float, runs: list[dict]) -> dict:
    def median_of(side: str, key: str) -> float | None:
        reached = [run[f"{side}_to_target"] for run in runs if run.get(f"{side}_to_target")]
        return statistics.median(r[key] for r in reached) if reached and len(reached) == len(runs) else None

    result = {"bench": "time_to_accuracy", "preset": name, "target": target, "runs": runs}
    for side in ("engine", "torch"):
        result[f"{side}_final_accuracy"] = [run[side][-1]["test_accuracy"] for run in runs if side in run]
        for key in ("seconds", "cpu_seconds"):
            result[f"{side}_median_{key}"] = median_of(side, key)
    for key in ("seconds", "cpu_seconds"):
        engine, pytorch = result[f"engine_median_{key}"], result[f"torch_median_{key}"]
        result[f"ratio_{key}"] = engine / pytorch if engine and pytorch else None
    return result


if __name__ == "__main__":
    sys.exit(main())
