"""The app fed bad settings, bad model files and failing work (issue 21's reproductions, marked #n):
it starts, says what was wrong, keeps working, and closes without aborting."""
from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.storage.paths import user_data_dir
from gui import error_report
from gui.background import BackgroundJob, threads_running
from gui.prediction import LivePredictor
from tests.conftest import open_main_window
from tests.drawing import SEVEN, draw_digit
from tests.hostile import record_of, small_model, with_record


def write_settings(values: dict) -> None:
    user_data_dir().mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(user_data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()


def test_bad_settings_fall_back_to_defaults_and_say_so(qtbot):
    """#2: `batch_size=abc` in [train] (or epochs=1e99, a text learning rate or pen width) stopped
    the app from ever starting again."""
    from gui.train_form import DEFAULTS
    write_settings({"train/batch_size": "abc", "train/epochs": "1e99", "train/lr": "fast", "train/hidden": "x, y",
                    "train/arch": "transformer", "train/augment": "maybe", "train/kernel": "3.5",
                    "train/label_smoothing": "2", "draw/pen_width": "thick",
                    "finetune/epochs": "-3", "explore/experiment": "[1, 2]"})
    window = open_main_window(qtbot)
    form = window.train_tab.form
    assert form.batch_size.value() == DEFAULTS["batch_size"] and form.epochs.value() == DEFAULTS["epochs"]
    assert form.lr.value() == pytest.approx(DEFAULTS["lr"]) and form.arch.currentData() == DEFAULTS["arch"]
    assert form.kernel.value() == DEFAULTS["kernel"] and form.label_smoothing.value() == DEFAULTS["label_smoothing"]
    assert 0 < window.draw_tab.canvas.pen_width() < 1
    message = window.statusBar().currentMessage()
    assert "settings were not usable" in message and "batch_size" in message and "pen_width" in message
    form.spec_and_config()       # what the form shows is usable
    window.close()


def test_the_user_folder_is_made_private(qtbot):
    """#12: the folder holds the user's handwriting; one that predates this rule is closed too."""
    user_data_dir().mkdir(parents=True)
    user_data_dir().chmod(0o755)
    window = open_main_window(qtbot)
    assert user_data_dir().stat().st_mode & 0o777 == 0o700
    window.close()


def test_good_settings_are_kept(qtbot):
    write_settings({"train/batch_size": "250", "train/epochs": 7, "train/hidden": "64, 32"})
    window = open_main_window(qtbot)
    form = window.train_tab.form
    assert (form.batch_size.value(), form.epochs.value(), form.hidden.text()) == (250, 7, "64, 32")
    window.close()


class _Failing:
    """A network whose prediction raises, as one of a wrong input size would deep in NumPy."""
    dtype = np.dtype(np.float32)

    def predict_proba(self, x):
        raise ValueError("shapes (1,784) and (100,10) not aligned")


def test_the_live_predictor_recovers_after_a_failed_prediction(qtbot, window):
    """#3: after the worker raised, `_busy` stayed set and the Draw tab never predicted again."""
    predictor = LivePredictor()
    failures, results = [], []
    predictor.failed.connect(lambda revision, message: failures.append(message))
    predictor.updated.connect(lambda revision, probabilities, field: results.append(probabilities))
    draw_digit(window.canvas, SEVEN)
    image = window.canvas.render_image()
    predictor.request(1, _Failing(), image)
    qtbot.waitUntil(lambda: bool(failures) and not predictor.busy(), timeout=5000)
    assert "not aligned" in failures[0]
    predictor.request(2, window.library.active.model.network, image)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert int(np.argmax(results[0])) == 7
    predictor.shutdown()


def test_the_draw_tab_says_when_the_model_cannot_read_the_drawing(qtbot, window):
    from tests.test_gui_draw import wait_for_live_prediction
    tab = window.draw_tab
    draw_digit(window.canvas, SEVEN)
    wait_for_live_prediction(qtbot, window)
    tab.predictor.request(tab.canvas.revision(), _Failing(), tab.canvas.render_image())
    qtbot.waitUntil(lambda: "cannot read" in tab._confidence_label.text(), timeout=5000)
    assert "not aligned" in window.statusBar().currentMessage()


@pytest.mark.parametrize("change", [
    lambda m: m["architecture"].update(input_shape=[100]),
    lambda m: m["architecture"].update(dtype="object"),
    lambda m: m.update(version="1"),
    lambda m: m["architecture"]["layers"][0]["config"].update(n_out=500_000),
], ids=["input-100", "dtype-object", "version-text", "500k-outputs"])
def test_opening_a_bad_model_shows_a_dialog_and_keeps_the_current_one(qtbot, window, tmp_path, change):
    """#3, #6, #7: these escaped ModelFileError, or built 6 GB before failing; no dialog was shown."""
    model = small_model(tmp_path / "m.npz")
    meta = record_of(model)
    change(meta)
    before = window.library.active
    started = time.process_time()
    assert window.draw_tab.open_model(with_record(model, meta)) is False
    assert time.process_time() - started < 5           # refused from the record, nothing large built
    assert window.library.active is before
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and "m.npz" in dialog.text()
    dialog.close()


def test_opening_fails_with_a_dialog_even_on_an_unexpected_error(qtbot, window, monkeypatch, tmp_path):
    def broken(path):
        raise RuntimeError("a bug")
    monkeypatch.setattr(window.library, "open_file", broken)
    assert window.draw_tab.open_model(tmp_path / "any.npz") is False
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and "a bug" in dialog.text()
    dialog.close()


def test_model_text_is_shown_as_plain_text(qtbot, window, tmp_path):
    """#12: HTML in a model's dataset field was rendered (and could load a local image)."""
    model = small_model(tmp_path / "m.npz")
    meta = record_of(model)
    meta["dataset"] = '<b>bold</b><img src="/etc/hostname">'
    assert window.draw_tab.open_model(with_record(model, meta))
    label = window.draw_tab.model_info
    assert "<img" in label.text() and label.textFormat().name == "PlainText"


def test_an_uncaught_exception_becomes_a_dialog_and_a_log_line(qtbot, window, monkeypatch):
    """The last line of defence: an exception in a slot is logged in the user folder and shown."""
    import logging
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)    # put back afterwards
    path = error_report.start_log()
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(path))
    reporter = error_report.install()
    monkeypatch.setattr(sys, "excepthook", reporter.excepthook)
    try:
        raise KeyError("something nobody expected")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=3000)
    assert "something nobody expected" in reporter.dialog.text()
    assert path.parent == user_data_dir() and "something nobody expected" in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    thread = threading.Thread(target=lambda: 1 / 0)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.more == 1, timeout=3000)   # one dialog, counting what came after
    reporter.dialog.close()
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_closing_during_a_long_step_waits_with_the_event_loop_running(qtbot):
    """#5: a step longer than 10 s made the close give up waiting, destroy the running QThread,
    and abort. Now the close waits for the step, painting and timers still served meanwhile."""
    step_started = threading.Event()

    def one_long_step(context):
        step_started.set()
        time.sleep(1.5)          # a step that does not look at the cancel flag
        return "done"

    job = BackgroundJob(one_long_step)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    job.start()
    assert step_started.wait(5)
    started = time.monotonic()
    assert job.shutdown()
    timer.stop()
    assert time.monotonic() - started > 1.0 and len(ticks) >= 5
    assert threads_running() == 0


def test_at_exit_every_thread_is_waited_for(qtbot):
    from gui.background import finish_all
    release = threading.Event()
    job = BackgroundJob(lambda context: release.wait(10))
    job.start()
    QTimer.singleShot(200, release.set)
    finish_all()
    assert release.is_set() and threads_running() == 0


def test_the_window_closes_during_a_long_job_without_aborting(qtbot):
    window = open_main_window(qtbot)
    release = threading.Event()
    job = BackgroundJob(lambda context: release.wait(10))
    job.start()
    window.train_tab.shutdown = lambda: (QTimer.singleShot(300, release.set), job.shutdown())
    window.close()
    assert release.is_set() and threads_running() == 0
    assert not window.isVisible()
    QApplication.processEvents()
