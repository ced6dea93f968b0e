"""Screenshots of every tab and every page of the main window, made by the app itself, offscreen.

It draws a digit with mouse events (the Draw tab, with the bundled default model), keeps a few
drawings as personal samples, trains a small network for a few seconds so the Train tab has curves,
runs each experiment briefly so its plots have something in them, then shows every page there is
(the pages of every tab that has some) in the light and the dark theme, at 1180x760 (the default
window), at the window's minimum size and at 1600x1000:

    docs/screenshots/<theme>-<size>/<tab>[--<page>].png     e.g. dark-minimum/inspect--gradient-check.png
    docs/screenshots/<tab>.png                              the README's: light, 1180x760, first page

Each picture is checked with tests/clipping.py; what it finds cut off is printed. Run from the
repository root:  .venv/bin/python -m scripts.screenshots"""
from __future__ import annotations

import math
import os
import re
import shutil
import sys
import tempfile
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["SCRATCHNET_HOME"] = tempfile.mkdtemp(prefix="scratchnet-screenshots-")  # default settings, no user files

from cli.self_test import SEVEN, draw_strokes, wait_until  # noqa: E402
from engine.storage.paths import app_root  # noqa: E402
from gui.app import make_application  # noqa: E402
from gui.explore.common import ExploreView  # noqa: E402
from gui.explore.gradcheck_page import GradientCheckPage  # noqa: E402
from gui.explore.optimizer_playground import OptimizerPlayground  # noqa: E402
from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QMessageBox, QPushButton  # noqa: E402
from tests.clipping import problems, walk_pages  # noqa: E402

OUT = app_root() / "docs" / "screenshots"
SIZES = {"1180x760": (1180, 760), "minimum": None, "1600x1000": (1600, 1000)}
THEMES = ("light", "dark")
# A short run (a few seconds on a laptop): enough epochs to draw loss and accuracy curves.
TRAINING = {"arch": "mlp", "hidden": "100", "epochs": 4, "train_size": 12000, "validation": 2000, "seed": 1}
ONE = [[(0.48, 0.2), (0.52, 0.8)]]
ZERO = [[(0.5 + 0.2 * math.sin(a), 0.5 - 0.3 * math.cos(a)) for a in (i * math.pi / 18 for i in range(37))]]
SAMPLES = [(SEVEN, 7), (ONE, 1), (ZERO, 0), (SEVEN, 7), (ONE, 1)]   # kept with the "This is a" buttons
RUN_TIMEOUT = 600


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def settle(app, seconds: float = 0.5) -> None:
    """Let queued work (live predictions, plot updates) land before a picture is taken."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def keep_samples(window, app) -> None:
    """Personal samples for the My handwriting tab."""
    for strokes, digit in SAMPLES:
        window.canvas.clear()
        draw_strokes(window.canvas, strokes)
        settle(app, 0.1)
        for button in window.draw_tab.findChildren(QPushButton):
            if button.accessibleName() == f"Label as {digit}" and button.isEnabled():
                button.click()
    window.canvas.clear()
    draw_strokes(window.canvas, SEVEN)


def train(window, app) -> bool:
    train_tab = window.train_tab
    train_tab.form.set_values({**train_tab.form.values(), **TRAINING})
    train_tab.start()
    return wait_until(app, lambda: not train_tab.is_training(), timeout=RUN_TIMEOUT)


def run_experiments(window, app) -> None:
    """Short runs of the Book's chapter-6 experiments that wait for a Start button."""
    short = [("Optimizers on MNIST", {"steps": 200}), ("Overfitting and regularisation", {"epochs": 60}),
             ("Hyperparameter search", {"trials_spin": 15, "epochs": 5, "train_size": 500, "validation": 500})]
    for title, values in short:
        if title not in window.pages():
            print(f"note: no page {title!r} to run", file=sys.stderr)
            continue
        window.show_page(title)
        view = window.tabs.currentWidget().page(title)
        for spin, value in values.items():
            getattr(view, spin).setValue(value)
        view.controls.start_button.click()
        if not wait_until(app, lambda: not view.busy(), timeout=RUN_TIMEOUT):
            print(f"warning: {view.title} did not finish", file=sys.stderr)
    window.show_page("Optimizer playground")


def when_shown(window, app) -> None:
    """What the page on screen needs before its picture: its work done, a finished walk, a gradient check."""
    settle(app, 0.3)
    for playground in window.findChildren(OptimizerPlayground):
        if playground.isVisible():
            wait_until(app, lambda: bool(playground.paths) and not playground.busy(), timeout=60)
            playground.finish_animation()
    for gradients in window.findChildren(GradientCheckPage):
        if gradients.isVisible() and not gradients.results:
            gradients.run_button.click()
            wait_until(app, lambda: bool(gradients.results), timeout=RUN_TIMEOUT)
    for view in window.findChildren(ExploreView):
        if view.isVisible():
            wait_until(app, lambda: not view.busy(), timeout=RUN_TIMEOUT)
    settle(app, 0.7)


def save(window, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise SystemExit(f"error: could not write {path}")
    print(path.relative_to(app_root()))


def main() -> int:
    app = make_application([sys.argv[0]])
    from gui.main_window import MainWindow
    window = MainWindow()
    window.resize(*SIZES["1180x760"])
    window.show()
    if not wait_until(app, lambda: window.windowHandle() is not None and window.windowHandle().isExposed()):
        print("error: the window was not shown", file=sys.stderr)
        return 1
    window.tabs.setCurrentWidget(window.draw_tab)
    settle(app)
    keep_samples(window, app)
    if not train(window, app):
        print("error: the training run did not finish in 10 minutes", file=sys.stderr)
        return 1
    run_experiments(window, app)

    for folder in OUT.glob("*-*"):          # pictures of pages that may be gone
        if folder.is_dir() and folder.name.split("-")[0] in THEMES:
            shutil.rmtree(folder)
    cut = 0
    for name in THEMES:
        window.theme_actions[name].trigger()
        for size_name, size in SIZES.items():
            window.resize(window.minimumSize() if size is None else QSize(*size).expandedTo(window.minimumSize()))
            settle(app)
            seen_tabs = set()
            for page in walk_pages(window, lambda: when_shown(window, app)):
                tab, _, rest = page.partition(" > ")
                file = slug(tab) + (f"--{slug(rest)}" if rest else "") + ".png"
                save(window, OUT / f"{name}-{size_name}" / file)
                if name == "light" and size_name == "1180x760" and tab not in seen_tabs:
                    save(window, OUT / f"{slug(tab)}.png")       # the README's, one per tab
                seen_tabs.add(tab)
                for problem in problems(window):
                    cut += 1
                    print(f"  cut off: {problem}", file=sys.stderr)
    window.theme_actions["system"].trigger()
    window.ask_to_save = lambda text, details: QMessageBox.StandardButton.Discard   # the pictures' run is not kept
    window.close()
    return 1 if cut else 0


if __name__ == "__main__":
    sys.exit(main())
