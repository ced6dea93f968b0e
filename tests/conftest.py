"""Shared fixtures. Tests run headless and never touch the real user folder."""
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Saved models, samples and settings of a test go to its own temporary folder."""
    home = tmp_path / "scratchnet-home"
    monkeypatch.setenv("SCRATCHNET_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def mnist():
    from engine.data.datasets import load_mnist
    return load_mnist()


@pytest.fixture
def engine_threads():
    """speed.set_threads for one test: the engine's thread count is put back afterwards."""
    from engine.speed import threads
    before = threads.threads()
    yield threads.set_threads
    threads.set_threads(before)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def discard_on_quit(window):
    """Closing answers "Discard" to the question about unsaved models (a test that trained one
    closes its window at the end without a dialog waiting for a click)."""
    from PySide6.QtWidgets import QMessageBox
    window.ask_to_save = lambda text, details: QMessageBox.StandardButton.Discard
    return window


def open_main_window(qtbot):
    """The app's main window at 1280x800, shown offscreen and exposed; closing it discards unsaved models."""
    from gui.main_window import MainWindow
    window = discard_on_quit(MainWindow())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot):
    w = open_main_window(qtbot)
    yield w
    w.close()


def tab_titled(window, title: str):
    """The main window's tab widget with that title."""
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    return window.tabs.widget(titles.index(title))
