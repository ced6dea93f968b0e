"""The Train tab: a real (tiny) run in the worker thread, with pause, stop and closing mid-run."""
import os
import subprocess
import sys

import numpy as np
import pytest

from gui.main_window import MainWindow
from tests.conftest import ROOT

TINY = {"arch": "mlp", "hidden": "20", "epochs": 3, "train_size": 3000, "validation": 500, "batch_size": 50,
        "optimizer": "adam", "lr": 0.005, "schedule": "constant"}


def start(window, **values):
    tab = window.train_tab
    window.tabs.setCurrentWidget(tab)
    tab.form.set_values({**tab.form.values(), **TINY, **values})
    tab.start_button.click()
    return tab


def test_a_tiny_run_delivers_plot_points_epochs_and_a_model(window, qtbot):
    # Before any run, the empty plots say what will appear in them, in the middle of each plot.
    plots = window.train_tab.plots
    assert plots.showing_hints()
    for hint, plot in zip(plots.hints(), (plots.loss_plot, plots.accuracy_plot)):
        view = plot.getPlotItem().getViewBox()
        centre = hint.mapToItem(view, hint.boundingRect().center())
        assert abs(centre.x() - view.width() / 2) < 2 and abs(centre.y() - view.height() / 2) < 2
    tab = start(window)
    assert not plots.showing_hints()
    models_before = len(window.library.entries())
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=60000)
    tab.plots.redraw()
    steps, epochs = tab.plots.point_counts()
    assert steps == 3 * 60 and epochs == 3
    np.testing.assert_array_equal(tab.plots.steps.column(0), np.arange(1, 181))
    assert tab.progress.format() == "Finished" and tab.progress.value() == tab.progress.maximum()
    # The trained model is in the library, but the Draw tab keeps its model until asked to switch.
    assert len(window.library.entries()) == models_before + 1
    entry = window.library.entries()[-1]
    assert entry.origin == "trained" and entry.name.startswith("Run 1") and "MLP 784-20-10" in entry.summary()
    assert entry.model.test_accuracy > 0.8
    assert window.library.active.name == "Default CNN"
    assert "The Draw tab still uses Default CNN (99." in tab.summary.text()
    assert tab.use_button.isEnabled()
    tab.use_button.click()
    assert window.library.active is entry and not tab.use_button.isEnabled()
    assert window.draw_tab.model_info.text() == entry.summary()
    # Saved with its history on request, and listed under the file's name from then on.
    assert tab.save_button.isEnabled()
    path = window.settings.fileName().replace("settings.ini", "saved.npz")
    assert tab.save(path)
    from engine.storage.model_file import load_model
    saved = load_model(path)
    assert len(saved.history.epochs) == 3 and len(saved.history.losses) == 180
    assert entry.name == "saved" and "saved" in window.model_names() and not window.library.unsaved()


def test_pause_resume_and_stop_respond_within_a_batch(window, qtbot):
    tab = start(window, epochs=50, train_size=20000)
    qtbot.waitUntil(lambda: tab.run.step > 5, timeout=30000)
    tab.pause_button.click()
    assert tab.pause_button.text() == "Resume"
    qtbot.wait(150)                                       # let the batch in flight finish
    paused_at = tab.run.step
    qtbot.wait(500)
    assert tab.run.step == paused_at                 # nothing ran while paused
    tab.pause_button.click()
    qtbot.waitUntil(lambda: tab.run.step > paused_at + 3, timeout=10000)
    tab.stop_button.click()
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    assert tab.progress.format().startswith("Stopped after step")
    assert window.library.entries()[-1].origin == "trained"      # a stopped run's model is usable too
    assert window.library.active.origin == "bundled" and tab.use_button.isEnabled()
    assert tab.start_button.isEnabled() and not tab.stop_button.isEnabled()


def test_a_diverging_run_says_so_in_the_window(window, qtbot):
    from PySide6.QtWidgets import QMessageBox
    tab = start(window, optimizer="momentum", lr=9.9, init="std", init_std=10.0, hidden="200, 200", epochs=2)
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=60000)
    dialogs = [d for d in window.findChildren(QMessageBox) if d.windowTitle() == "Training diverged"]
    if tab.progress.format() != "Diverged":
        pytest.skip("this run did not diverge on this machine")  # pragma: no cover
    assert dialogs and "learning rate" in dialogs[0].text()
    assert window.library.active.origin == "bundled"      # a NaN model is never offered


def test_bad_settings_are_explained(window, qtbot):
    from PySide6.QtWidgets import QMessageBox
    tab = window.train_tab
    tab.form.hidden.setText("lots")
    tab.start_button.click()
    assert not tab.is_training()
    dialog = [d for d in window.findChildren(QMessageBox) if d.windowTitle() == "Check the settings"][0]
    assert "Hidden layers" in dialog.text()


def test_settings_are_remembered(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.train_tab.form.set_values({**first.train_tab.form.values(), "optimizer": "rmsprop", "lr": 0.0007,
                                     "hidden": "64, 32", "augment": True, "epochs": 7})
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    values = second.train_tab.form.values()
    assert (values["optimizer"], values["lr"], values["hidden"], values["augment"], values["epochs"]) == \
        ("rmsprop", 0.0007, "64, 32", True, 7)
    second.close()


@pytest.mark.parametrize("name", ["quick", "best"])
def test_choosing_a_preset_fills_the_form_with_its_network_and_run(qtbot, name):
    from engine.training.presets import PRESETS
    window = MainWindow()
    qtbot.addWidget(window)
    form = window.train_tab.form
    form.seed.setValue(5)
    form.preset.setCurrentIndex(form.preset.findData(name))
    form.preset.activated.emit(form.preset.currentIndex())
    assert form.spec_and_config() == PRESETS[name].with_seed(5)
    window.close()


CLOSE_DURING_TRAINING = """
import sys, time
from PySide6.QtWidgets import QApplication, QMessageBox
from gui.app import make_application
app = make_application([])
from gui.main_window import MainWindow
w = MainWindow(); w.show()
w.ask_to_save = lambda text, details: QMessageBox.StandardButton.Discard   # "quit without the run"
tab = w.train_tab
# With augmentation, so that the thread making the batches is busy too.
tab.form.set_values({**tab.form.values(), "arch": "cnn", "channels": "8, 16", "epochs": 5, "augment": True})
tab.start()
deadline = time.monotonic() + 60
while tab.run.step < 3 and time.monotonic() < deadline:
    app.processEvents(); time.sleep(0.01)
assert tab.run.step >= 3, "training did not start"
started = time.monotonic()
w.close()
print(f"closed in {time.monotonic() - started:.2f} s", flush=True)
app.processEvents()
del w
"""


def test_closing_the_window_during_training_stops_cleanly(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SCRATCHNET_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", CLOSE_DURING_TRAINING], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "QThread: Destroyed while thread is still running" not in proc.stderr
    seconds = float(proc.stdout.split("closed in ")[1].split()[0])
    assert seconds < 5
    assert "Traceback" not in proc.stderr


def test_the_progress_text_counts_the_last_step_of_an_epoch_in_that_epoch():
    from gui.train_tab import epoch_of_step
    assert [epoch_of_step(s, 50, 2) for s in (0, 1, 49, 50, 51, 100)] == [1, 1, 1, 1, 2, 2]


def test_quitting_during_a_run_can_keep_its_model_for_next_time(qtbot):
    from PySide6.QtWidgets import QMessageBox
    from engine.storage.paths import user_data_dir
    from tests.conftest import open_main_window
    first = open_main_window(qtbot)
    questions = []
    first.ask_to_save = lambda text, details: questions.append(details) or QMessageBox.StandardButton.Save
    tab = start(first, epochs=50, train_size=20000)
    qtbot.waitUntil(lambda: tab.run.step > 3, timeout=30000)
    first.close()
    assert first.isVisible() and "Still running: run 1 on the Train tab" in questions[0]
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=60000)   # stopped, measured, saved, closed
    [entry] = [e for e in first.library.entries() if e.origin == "trained"]
    assert entry.path is not None and entry.path.parent == user_data_dir() / "models" and entry.path.is_file()
    assert len(questions) == 1                  # the close that follows the save asks nothing more
    second = open_main_window(qtbot)
    assert second.model_names() == ["Default CNN", "Small MLP", entry.name]
    assert second.library.active.name == "Default CNN"
    second.close()
