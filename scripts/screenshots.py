"""Screenshots of every tab of the main window for the README, made by the app itself, offscreen:
docs/screenshots/<tab>.png at 1280x800. It draws a digit with mouse events (the Draw tab, with the
bundled default model), keeps a few drawings as personal samples, trains a small network for a few
seconds so the Train tab has curves to show, then shows every other tab there is and saves it.
Run from the repository root:  .venv/bin/python -m scripts.screenshots"""
from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["SCRATCHNET_HOME"] = tempfile.mkdtemp(prefix="scratchnet-screenshots-")  # default settings, no user files

from cli.self_test import SEVEN, WINDOW_SIZE, draw_strokes, wait_until  # noqa: E402
from engine.storage.paths import app_root  # noqa: E402
from gui.app import make_application  # noqa: E402
from PySide6.QtWidgets import QPushButton  # noqa: E402

OUT = app_root() / "docs" / "screenshots"
# A short run (a few seconds on a laptop): enough epochs to draw loss and accuracy curves.
TRAINING = {"arch": "mlp", "hidden": "100", "epochs": 4, "train_size": 12000, "validation": 2000, "seed": 1}
ONE = [[(0.48, 0.2), (0.52, 0.8)]]
ZERO = [[(0.5 + 0.2 * math.sin(a), 0.5 - 0.3 * math.cos(a)) for a in (i * math.pi / 18 for i in range(37))]]
SAMPLES = [(SEVEN, 7), (ONE, 1), (ZERO, 0), (SEVEN, 7), (ONE, 1)]   # kept with the "This is a" buttons


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def settle(app, seconds: float = 0.5) -> None:
    """Let queued work (live predictions, plot updates) land before a picture is taken."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def save(app, window) -> None:
    settle(app, 1.0)
    path = OUT / f"{slug(window.tabs.tabText(window.tabs.currentIndex()))}.png"
    if not window.grab().save(str(path)):
        raise SystemExit(f"error: could not write {path}")
    print(path.relative_to(app_root()))


def main() -> int:
    app = make_application([sys.argv[0]])
    from gui.main_window import MainWindow
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    if not wait_until(app, lambda: window.windowHandle() is not None and window.windowHandle().isExposed()):
        print("error: the window was not shown", file=sys.stderr)
        return 1

    OUT.mkdir(parents=True, exist_ok=True)
    window.tabs.setCurrentWidget(window.draw_tab)
    settle(app)
    draw_strokes(window.canvas, SEVEN)
    save(app, window)

    for strokes, digit in SAMPLES:   # personal samples for the My handwriting tab, if it is there
        window.canvas.clear()
        draw_strokes(window.canvas, strokes)
        settle(app, 0.1)
        for button in window.draw_tab.findChildren(QPushButton):
            if button.accessibleName() == f"Label as {digit}" and button.isEnabled():
                button.click()
    window.canvas.clear()
    draw_strokes(window.canvas, SEVEN)

    train_tab = window.train_tab
    train_tab.form.set_values({**train_tab.form.values(), **TRAINING})
    train_tab.start()
    if not wait_until(app, lambda: not train_tab.is_training(), timeout=600):
        print("error: the training run did not finish in 10 minutes", file=sys.stderr)
        return 1

    for i in range(window.tabs.count()):
        if window.tabs.widget(i) is not window.draw_tab:
            window.tabs.setCurrentIndex(i)
            save(app, window)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
