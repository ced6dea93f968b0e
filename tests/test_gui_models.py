"""The model list: models that come back after a restart, renaming and removing, and quitting
without losing a model by accident."""
import shutil

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model, user_data_dir
from gui.main_window import MainWindow
from gui.model_library import ModelEntry
from tests.conftest import discard_on_quit, open_main_window

BUNDLED = ["Default CNN", "Small MLP"]


def model_file(folder, name):
    path = folder / name
    shutil.copy(bundled_model("small_mlp.npz"), path)
    return path


def unsaved_run(window, name="Run 9 (12:00)"):
    """A model as a finished run leaves it: in the list, in no file."""
    entry = ModelEntry(name, load_model(bundled_model("small_mlp.npz")), None, "trained")
    return window.library.add(entry, activate=False)


def test_opened_models_come_back_after_a_restart_under_their_names(qtbot, tmp_path):
    first = open_main_window(qtbot)
    mine, other = model_file(tmp_path, "mine.npz"), model_file(tmp_path, "other.npz")
    assert first.draw_tab.open_model(str(mine)) and first.draw_tab.open_model(str(other))
    assert first.draw_tab.model_actions.rename(first.library.active, "My best")
    # Opening a file already listed selects it instead of listing it twice.
    assert first.draw_tab.open_model(str(tmp_path / "." / "mine.npz"))
    assert first.model_names() == BUNDLED + ["mine", "My best"] and first.library.active.name == "mine"
    first.close()

    second = open_main_window(qtbot)
    assert second.model_names() == BUNDLED + ["mine", "My best"]
    assert second.library.active.name == "mine" and second.library.active.path == mine
    assert second.draw_tab._model_combo.currentText() == "mine"
    second.close()

    other.unlink()                       # a remembered file that has gone is said so, and forgotten
    third = open_main_window(qtbot)
    assert third.model_names() == BUNDLED + ["mine"]
    assert "My best" in third.statusBar().currentMessage() and "no longer listed" in third.statusBar().currentMessage()
    third.close()


def test_renaming_and_removing_entries(window, qtbot, tmp_path, monkeypatch):
    actions = window.draw_tab.model_actions
    assert window.draw_tab.open_model(str(model_file(tmp_path, "mine.npz")))
    mine = window.library.active
    # A name another model has is refused, with the reason; the model keeps its name.
    assert not actions.rename(mine, "Small MLP")
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert "another model in the list is called 'Small MLP'" in dialog.text() and mine.name == "mine"
    dialog.close()
    # The bundled models stay; another entry can go (its file stays on disk).
    window.library.set_active(0)
    actions._update()
    assert not actions.remove_action.isEnabled()
    window.library.set_active(window.library.index_of(mine))
    actions._update()
    assert actions.remove_action.isEnabled() and actions.remove(mine)
    assert window.model_names() == BUNDLED and window.library.active.name == "Small MLP"
    assert (tmp_path / "mine.npz").is_file() and "stays on disk" in window.statusBar().currentMessage()
    # Removing a model in no file loses it, so that is asked first.
    run = unsaved_run(window)
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard])
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: next(answers))
    assert not actions.remove(run) and run.name in window.model_names()
    assert actions.remove(run) and run.name not in window.model_names()


def test_quitting_with_an_unsaved_model_asks_and_saves_it_for_next_time(qtbot):
    first = open_main_window(qtbot)
    run = unsaved_run(first)
    answers = []
    first.ask_to_save = lambda text, details: answers.pop(0)
    answers.append(QMessageBox.StandardButton.Cancel)
    first.close()
    assert first.isVisible() and run.path is None             # Cancel: nothing happens
    answers.append(QMessageBox.StandardButton.Save)
    first.close()
    assert not first.isVisible()
    assert run.path == user_data_dir() / "models" / "Run-9-12-00.npz" and run.path.is_file()
    second = open_main_window(qtbot)
    assert second.model_names() == BUNDLED + ["Run 9 (12:00)"]
    unsaved_run(second, "Run 10 (12:30)")
    second.close()                                             # discarded (see conftest)
    third = open_main_window(qtbot)
    assert third.model_names() == BUNDLED + ["Run 9 (12:00)"]
    third.close()


def test_the_quit_question_names_what_would_be_lost(qtbot):
    window = MainWindow()                 # with the real dialog
    qtbot.addWidget(window)
    window.show()
    unsaved_run(window)
    seen = {}

    def answer():
        box = QApplication.activeModalWidget()
        seen["text"], seen["details"] = box.text(), box.informativeText()
        seen["buttons"] = sorted(b.text().replace("&", "") for b in box.buttons())
        box.button(QMessageBox.StandardButton.Cancel).click()
    QTimer.singleShot(50, answer)
    window.close()
    assert window.isVisible()
    assert seen["text"] == "Save the model made in this session?"
    assert "Not saved: Run 9 (12:00)." in seen["details"] and str(user_data_dir() / "models") in seen["details"]
    assert len(seen["buttons"]) == 3 and {"Cancel", "Save"} <= set(seen["buttons"])
    discard_on_quit(window).close()
    assert not window.isVisible()


def test_a_window_with_nothing_unsaved_quits_without_asking(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.ask_to_save = lambda *args: pytest.fail("nothing to lose, yet the window asked")
    window.close()
    assert not window.isVisible()
