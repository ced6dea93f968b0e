"""How well a model reads digits that no one here wrote: generated, seeded sets of every kind the
app meets, each scored the way a user would get it.

    .venv/bin/python -m bench.recognition                      every set (a few minutes)
    .venv/bin/python -m bench.recognition --quick              a few digits of each: a smoke test
    .venv/bin/python -m bench.recognition --root DIR           score another checkout of the project
                                                               (its main.py and its window) on the same sets

Sets (bench/digit_sets.py makes them; the digits come from the MNIST test set, which no model trains on):
- hands_clean: MNIST test digits rewritten in other hands (slant up to +-19 degrees, rotation +-15,
  aspect 0.7-1.3, tremor), dark ink on white paper at a random size, place and pen weight;
- hands_photo: the same digits as phone photos of the paper (grey uneven light, a colour cast, grey
  ink, specks, noise, blur, JPEG);
- fonts: printed digits in the system's fonts, turned, slanted, thickened;
- sklearn_like: 8x8 digits made as the UCI/sklearn set was, upscaled eight times;
- canvas_strokes: the rewritten digits replayed as mouse strokes on the real canvas of the main
  window at sizes from tiny to large (small: under a third of the canvas), read through
  MainWindow.current_probabilities();
- mnist_test: `main.py evaluate --json`.
The image sets are written as files and read through `main.py predict --json`. The last line printed
is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEED = 24
SMALL = 1 / 3               # canvas_strokes: a digit under this share of the canvas counts as small
# Replays the strokes with mouse events on the main window's canvas; only names of
# /work/shared/CONTRACT.md (and the pen width), so it runs in any version of the project: a window
# with `probabilities_shown` is waited for until it shows the drawing's own probabilities.
REPLAY_CHILD = r"""
import json, sys, time
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.main_window import MainWindow
window = MainWindow()
window.resize(1180, 760)
window.show()
QTest.qWaitForWindowExposed(window)
if sys.argv[2]:
    window.draw_tab.open_model(sys.argv[2])
canvas = window.canvas
shown = [-1]
if hasattr(window, "probabilities_shown"):
    window.probabilities_shown.connect(lambda revision: shown.append(revision))
data = np.load(sys.argv[1])
points, lengths, per_digit, pens = data["points"], data["lengths"], data["strokes"], data["pens"]
side = min(canvas.width(), canvas.height())
left, top = (canvas.width() - side) / 2, (canvas.height() - side) / 2
at = stroke = 0
out = []
for count, pen in zip(per_digit, pens):
    canvas.clear()
    canvas.set_pen_width(float(pen))
    for _ in range(count):
        path = points[at:at + lengths[stroke]]
        at, stroke = at + lengths[stroke], stroke + 1
        where = [QPoint(round(left + x * side), round(top + y * side)) for x, y in path]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where[0])
        for p in where[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where[-1])
    if hasattr(window, "probabilities_shown"):    # a window that computes on its own thread: wait for it
        deadline = time.monotonic() + 10
        while shown[-1] != canvas.revision() and time.monotonic() < deadline:
            QTest.qWait(2)
    probs = window.current_probabilities()
    out.append([int(probs.argmax()), float(probs.max())])
print(json.dumps(out))
window.close()
"""


def child_env(root: Path, home: str) -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SCRATCHNET_HOME": home,
            "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}


def make_sets(count: int, folder: Path) -> dict:
    """Every set's files (or strokes) and labels, from SEED."""
    from PySide6.QtGui import QGuiApplication
    _app = QGuiApplication.instance() or QGuiApplication([])   # noqa: F841 - fonts need one
    from bench import digit_sets as ds
    from engine.data.datasets import load_mnist
    mnist = load_mnist()
    rng = np.random.default_rng(SEED)
    picks = rng.choice(len(mnist.test_labels), count, replace=False)
    labels = mnist.test_labels[picks]
    sets = {name: {"files": [], "labels": []} for name in ("hands_clean", "hands_photo", "fonts", "sklearn_like")}
    replay = {"points": [], "lengths": [], "strokes": [], "pens": [], "sizes": [], "labels": []}
    for i, (index, label) in enumerate(zip(picks, labels)):
        strokes = ds.mnist_strokes(mnist.test_images[index].reshape(28, 28) / 255.0)
        ink = ds.on_paper(ds.restyle(strokes, rng), rng)
        for name, image, ext in (("hands_clean", 1 - ink, "png"), ("hands_photo", ds.photographed(ink, rng), "jpg")):
            path = folder / f"{name}-{i:05d}.{ext}"
            ds.save_image(image, str(path), int(rng.integers(40, 90)) if ext == "jpg" else -1)
            sets[name]["files"].append(str(path))
            sets[name]["labels"].append(int(label))
        size = float(rng.uniform(0.12, 0.85))
        margin = size / 2 + 0.02
        placed = ds.place(ds.restyle(strokes, rng), size, tuple(rng.uniform(margin, 1 - margin, 2)))
        replay["points"] += [np.clip(s, 0, 1) for s in placed]
        replay["lengths"] += [len(s) for s in placed]
        replay["strokes"].append(len(placed))
        replay["pens"].append(rng.uniform(0.04, 0.075))
        replay["sizes"].append(size)
        replay["labels"].append(int(label))
    for i in range(count):
        digit = int(rng.integers(10))
        path = folder / f"fonts-{i:05d}.png"
        ds.save_image(ds.font_digit(digit, rng), str(path))
        sets["fonts"]["files"].append(str(path))
        sets["fonts"]["labels"].append(digit)
    for i, index in enumerate(rng.choice(len(mnist.test_labels), max(count, min(1797, 2 * count)), replace=False)):
        path = folder / f"sklearn_like-{i:05d}.png"
        ds.save_image(ds.upscaled(ds.eight_by_eight(mnist.test_images[index].reshape(28, 28) / 255.0)), str(path))
        sets["sklearn_like"]["files"].append(str(path))
        sets["sklearn_like"]["labels"].append(int(mnist.test_labels[index]))
    np.savez(folder / "replay.npz", points=np.concatenate(replay["points"]), lengths=np.array(replay["lengths"]),
             strokes=np.array(replay["strokes"]), pens=np.array(replay["pens"]))
    sets["canvas_strokes"] = {"replay": str(folder / "replay.npz"), "labels": replay["labels"], "sizes": replay["sizes"]}
    return sets


def score(digits: list, labels: list, confidences: list | None = None) -> dict:
    right = np.array(digits) == np.array(labels)
    report = {"accuracy": round(float(right.mean()), 4), "n": len(labels)}
    if confidences is not None:
        # Among the digits read wrongly, how many said they were unsure (top probability under 0.6).
        conf = np.array(confidences)
        report["wrong_but_sure"] = int(((~right) & (conf >= 0.6)).sum())
        report["right_but_unsure"] = int((right & (conf < 0.6)).sum())
    return report


def predict(root: Path, model: str | None, files: list[str], env: dict) -> tuple[list, list]:
    extra = ["--model", model] if model else []
    done = subprocess.run([sys.executable, str(root / "main.py"), "predict", "--json", *extra, *files],
                          cwd=root, env=env, capture_output=True, text=True)
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    by_file = {r["file"]: r for r in records}
    if len(by_file) != len(files):
        raise RuntimeError(f"predict answered {len(by_file)} of {len(files)} files:\n{done.stderr[-2000:]}")
    digits = [by_file[f].get("digit") for f in files]
    return digits, [max(by_file[f].get("probs") or [0.0]) for f in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="digits per set (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="20 digits per set")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to score (default: this one)")
    parser.add_argument("--model", default=None, help="a model file (default: the root's bundled CNN)")
    parser.add_argument("--keep", type=Path, default=None, help="write the sets into this folder and keep them")
    args = parser.parse_args(argv)
    count = 20 if args.quick else args.count
    root = args.root.resolve()
    model = str(Path(args.model).resolve()) if args.model else None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scratchnet-recognition-") as scratch:
        folder = args.keep or Path(scratch) / "sets"
        folder.mkdir(parents=True, exist_ok=True)
        sets = make_sets(count, folder)
        env = child_env(root, str(Path(scratch) / "home"))
        report = {"bench": "recognition", "root": str(root), "model": model or "bundled default_cnn.npz",
                  "quick": args.quick, "seed": SEED}
        for name in ("hands_clean", "hands_photo", "fonts", "sklearn_like"):
            digits, confidences = predict(root, model, sets[name]["files"], env)
            report[name] = score(digits, sets[name]["labels"], confidences)
            print(f"{name}: {report[name]}", file=sys.stderr)
        replay = sets["canvas_strokes"]
        done = subprocess.run([sys.executable, "-c", REPLAY_CHILD, replay["replay"], model or ""], cwd=root, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the canvas replay failed:\n{done.stderr[-3000:]}")
        read = json.loads(done.stdout.strip().splitlines()[-1])
        digits, confidences = [d for d, _ in read], [c for _, c in read]
        small = np.array(replay["sizes"]) < SMALL
        report["canvas_strokes"] = score(digits, replay["labels"], confidences)
        for part, where in (("small", small), ("large", ~small)):
            chosen = np.nonzero(where)[0]
            report["canvas_strokes"][part] = score([digits[i] for i in chosen], [replay["labels"][i] for i in chosen])
        print(f"canvas_strokes: {report['canvas_strokes']}", file=sys.stderr)
        if not args.quick:
            extra = ["--model", model] if model else []
            evaluated = subprocess.run([sys.executable, str(root / "main.py"), "evaluate", "--json", *extra],
                                       cwd=root, env=env, capture_output=True, text=True)
            report["mnist_test"] = {"accuracy": json.loads(evaluated.stdout.strip().splitlines()[-1])["accuracy"]}
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
