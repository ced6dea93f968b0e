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


# Offscreen nobody can click a modal dialog: one that a test leaves unanswered is closed after this
# long and fails the test, instead of stopping the whole run.
UNANSWERED_DIALOG_SECONDS = 30
BLOCKING_STATIC_DIALOGS = {
    "QFileDialog": ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory"),
    "QInputDialog": ("getText", "getItem", "getInt", "getDouble"),
    "QMessageBox": ("question", "warning", "critical", "information"),
}


@pytest.fixture(autouse=True)
def no_dialog_waits_forever(request, monkeypatch):
    """A test that opens a modal dialog answers it itself (a QTimer, or a monkeypatched function)."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from PySide6 import QtWidgets
    from PySide6.QtCore import QTimer
    unanswered: list[str] = []

    def with_deadline(exec_):
        def exec_with_deadline(dialog):
            def give_up():
                unanswered.append(f"{type(dialog).__name__} {dialog.windowTitle()!r}")
                dialog.reject()
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(give_up)
            timer.start(UNANSWERED_DIALOG_SECONDS * 1000)
            try:
                return exec_(dialog)
            finally:
                timer.stop()
        return exec_with_deadline

    def refused(name):
        def blocking_dialog(*args, **kwargs):
            raise AssertionError(f"{name} would wait for a click: answer it in the test (monkeypatch it)")
        return staticmethod(blocking_dialog)

    for cls in (QtWidgets.QDialog, QtWidgets.QMessageBox):
        if "exec" in vars(cls):              # a class that inherits exec gets the deadline from its base
            monkeypatch.setattr(cls, "exec", with_deadline(cls.exec))
    for cls_name, names in BLOCKING_STATIC_DIALOGS.items():
        for name in names:
            monkeypatch.setattr(getattr(QtWidgets, cls_name), name, refused(f"{cls_name}.{name}"))
    yield
    assert not unanswered, f"modal dialogs left unanswered: {unanswered}"


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
