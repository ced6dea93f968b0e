"""Teaching the app one's handwriting, through the GUI with real mouse and key events, offscreen."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.storage.samples import SampleFileError, SampleStore, default_samples_dir
from tests.conftest import open_main_window, tab_titled
from tests.drawing import SEVEN, stroke, transform

FLAGGED_ONE = [[(0.30, 0.36), (0.56, 0.18), (0.56, 0.82)]]          # read as a 7 by MNIST's models
CROSSED_SEVEN = [[(0.28, 0.22), (0.72, 0.22), (0.42, 0.82)], [(0.38, 0.52), (0.68, 0.52)]]


def open_window(qtbot):
    w = open_main_window(qtbot)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    qtbot.waitUntil(lambda: tab(w).keeper.is_loaded, timeout=5000)
    return w


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    w.close()


def tab(window):
    return tab_titled(window, "My handwriting")


def wait_saved(qtbot, window):
    qtbot.waitUntil(lambda: not tab(window).keeper.busy(), timeout=10000)


def keep_sevens(window, qtbot, count):
    """Draw and keep `count` sevens, then show the samples panel."""
    for _ in range(count):
        stroke(window.canvas, SEVEN[0])
        QTest.keyClick(window.canvas, Qt.Key.Key_7)
    wait_saved(qtbot, window)
    window.tabs.setCurrentWidget(tab(window))
    return tab(window).samples


def draw_like_a_person(canvas, strokes, rng):
    """The strokes turned, scaled, moved and wobbled a little, as no two drawings are the same."""
    angle = np.radians(rng.uniform(-8, 8))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    scale, dx, dy = rng.uniform(0.85, 1.1), *rng.uniform(-0.06, 0.06, 2)
    for points in strokes:
        turned = (np.array(points) - 0.5) @ turn.T + 0.5 + rng.normal(0, 0.008, (len(points), 2))
        stroke(canvas, transform([tuple(p) for p in np.clip(turned, 0.03, 0.97)], scale, dx, dy), steps_per_segment=6)


def test_a_digit_key_keeps_the_drawing_and_clears_the_canvas(window, qtbot):
    canvas = window.canvas
    stroke(canvas, SEVEN[0])
    expected = canvas.mnist_vector()
    strokes = canvas.strokes()
    QTest.keyClick(canvas, Qt.Key.Key_7)
    assert canvas.is_blank()                      # ready for the next sample at once
    wait_saved(qtbot, window)
    assert window.statusBar().currentMessage().startswith("Saved as a 7 (1 sample of 7)")
    on_disk = SampleStore(default_samples_dir())
    assert on_disk.load() == []
    [sample] = on_disk.samples()
    assert sample.label == 7 and sample.pen_width == pytest.approx(canvas.pen_width())
    np.testing.assert_array_equal(sample.vector, expected)
    np.testing.assert_array_equal(sample.strokes[0], strokes[0])
    # The buttons under the canvas do the same; the message compares with the reading on screen.
    stroke(canvas, SEVEN[0])
    qtbot.waitUntil(lambda: window.draw_tab.shown_revision == canvas.revision(), timeout=5000)
    bar = tab(window).labeller.bar
    QTest.mouseClick(bar.buttons[1], Qt.MouseButton.LeftButton)
    wait_saved(qtbot, window)
    assert "Saved as a 1 (1 sample of 1); the network had read it as a 7" in window.statusBar().currentMessage()
    assert tab(window).keeper.store.counts().tolist() == [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]


def test_keys_do_nothing_on_a_blank_canvas_or_in_another_tab(window, qtbot):
    QTest.keyClick(window.canvas, Qt.Key.Key_3)
    assert "Draw a 3 first" in window.statusBar().currentMessage()
    assert not any(b.isEnabled() for b in tab(window).labeller.bar.buttons)
    stroke(window.canvas, SEVEN[0])
    window.tabs.setCurrentWidget(window.train_tab)
    QTest.keyClick(window.train_tab, Qt.Key.Key_7)
    wait_saved(qtbot, window)
    assert len(tab(window).keeper.store) == 0 and not window.canvas.is_blank()


def test_samples_survive_a_restart_and_a_corrupt_file_is_skipped(qtbot, rng):
    first = open_window(qtbot)
    for digit in (1, 7, 7):
        draw_like_a_person(first.canvas, FLAGGED_ONE if digit == 1 else CROSSED_SEVEN, rng)
        QTest.keyClick(first.canvas, getattr(Qt.Key, f"Key_{digit}"))
    first.close()            # at once: the saves still queued are finished before the window goes
    (default_samples_dir() / "broken.npz").write_bytes(b"PK\x03\x04 cut short")
    second = open_window(qtbot)
    panel = tab(second).samples
    assert tab(second).keeper.store.counts().tolist() == [0, 1, 0, 0, 0, 0, 0, 2, 0, 0]
    assert "1 damaged sample file(s) skipped: broken.npz" in second.statusBar().currentMessage()
    assert panel.thumbnails.count() == 3 and panel.digits.item(0).text() == "All digits: 3"
    panel.digits.setCurrentRow(8)                          # the 7s
    assert panel.thumbnails.count() == 2
    second.close()


def test_relabel_delete_export_and_import_from_the_panel(window, qtbot, tmp_path):
    panel = keep_sevens(window, qtbot, 4)
    panel.thumbnails.item(0).setSelected(True)
    panel.relabel_selected(1)
    wait_saved(qtbot, window)
    assert panel.store.counts()[1] == 1 and "Relabelled 1 sample as 1" in window.statusBar().currentMessage()
    panel.thumbnails.clearSelection()
    panel.thumbnails.item(0).setSelected(True)
    panel.thumbnails.setFocus()
    QTest.keyClick(panel.thumbnails, Qt.Key.Key_Delete)
    wait_saved(qtbot, window)
    assert panel.store.counts()[7] == 3 and len(panel.store) == 3     # the 1, first in the list, is gone
    panel.export_to(str(tmp_path / "idx"))
    wait_saved(qtbot, window)
    assert "Exported 2 training and 1 test samples" in window.statusBar().currentMessage()
    panel.import_from(str(tmp_path / "idx"))
    wait_saved(qtbot, window)
    assert "Imported 0 samples" in window.statusBar().currentMessage() and len(panel.store) == 3


def test_a_failed_save_says_so_and_gives_the_drawing_back(window, qtbot, monkeypatch):
    def disk_full(*args, **kwargs):
        raise SampleFileError("cannot save the sample: No space left on device")
    monkeypatch.setattr(SampleStore, "add", disk_full)
    stroke(window.canvas, SEVEN[0])
    strokes = window.canvas.strokes()
    QTest.keyClick(window.canvas, Qt.Key.Key_7)
    wait_saved(qtbot, window)
    qtbot.waitUntil(lambda: "No space left" in window.statusBar().currentMessage(), timeout=3000)
    assert len(window.canvas.strokes()) == 1
    np.testing.assert_array_equal(window.canvas.strokes()[0], strokes[0])


@pytest.mark.slow
def test_fine_tuning_learns_a_flagged_one_drawn_with_the_mouse(window, qtbot, rng, monkeypatch, tmp_path):
    """The style-shift experiment: 1s with a long flag (read as 7s) and crossed 7s, drawn with the mouse."""
    for digit, strokes, count in ((1, FLAGGED_ONE, 20), (7, CROSSED_SEVEN, 8)):
        for _ in range(count):
            draw_like_a_person(window.canvas, strokes, rng)
            QTest.keyClick(window.canvas, getattr(Qt.Key, f"Key_{digit}"))
    wait_saved(qtbot, window)
    library = window.library
    small = next(i for i, e in enumerate(library.entries()) if e.name == "Small MLP")
    library.set_active(small)
    base = library.active
    window.tabs.setCurrentWidget(tab(window))
    panel = tab(window).finetune
    assert panel.start_button.isEnabled()
    QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.is_running() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=120000)
    tuned = library.active
    assert tuned is not base and tuned.origin == "finetuned" and tuned.model.notes["finetuned_from"] == "Small MLP"
    record = tuned.model.notes["finetune"]
    before, after = record["before"], record["after"]
    print(f"GUI style shift: held-out personal {before['personal_holdout']:.2%} -> {after['personal_holdout']:.2%}, "
          f"MNIST test {before['mnist_test']:.2%} -> {after['mnist_test']:.2%} "
          f"({record['personal_train']} trained on, {record['personal_holdout']} held out)")
    assert record["personal_holdout"] == 7
    assert before["personal_holdout"] <= 0.5 and after["personal_holdout"] >= 0.85
    assert after["mnist_test"] >= before["mnist_test"] - 0.005
    assert panel.table.item(0, 0).text() == f"{before['personal_holdout']:.2%}"
    assert panel.table.item(1, 1).text().startswith(f"{after['mnist_test']:.2%}")
    panel.plots.redraw()                 # the plots redraw on a timer; draw what has arrived
    loss_points, epoch_points = panel.plots.point_counts()
    assert loss_points > 0 and epoch_points == 3
    # The model it started from is one click away, and untouched.
    QTest.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert library.active is base and tuned in library.entries()
    assert base.model.notes == {} or "finetune" not in base.model.notes
    # Save… keeps the fine-tuned model in a file, listed under the file's name from then on.
    from PySide6.QtWidgets import QFileDialog
    target = tmp_path / "mine.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    QTest.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert target.is_file() and tuned.path == target and tuned.name == "mine"


def test_closing_during_fine_tuning_stops_it(window, qtbot):
    store = tab(window).keeper.store
    for i in range(6):
        store.add(7, np.full(784, i / 10, np.float32))
    tab(window).keeper.changed.emit()
    panel = tab(window).finetune
    panel.epochs.setValue(50)
    panel.start()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=60000)
    window.close()                                # waits for the worker, which stops after its batch
    qtbot.waitUntil(lambda: panel.run.state == "idle", timeout=2000)   # its thread has ended
    stopped_at = panel.run.step
    qtbot.wait(300)
    assert panel.run.step == stopped_at and not panel.is_running()


def test_a_deleted_sample_can_be_brought_back(window, qtbot):
    panel = keep_sevens(window, qtbot, 2)
    before = [(s.id, s.created) for s in panel.store.samples()]
    assert not panel.undo_button.isEnabled()
    panel.thumbnails.item(0).setSelected(True)
    panel.delete_selected()
    wait_saved(qtbot, window)
    assert len(panel.store) == 1 and panel.undo_button.isEnabled()
    assert "brings them back" in window.statusBar().currentMessage()
    panel.undo_button.click()
    wait_saved(qtbot, window)
    assert [(s.id, s.created) for s in panel.store.samples()] == before and not panel.undo_button.isEnabled()
    # On disk too: a restart sees both again.
    on_disk = SampleStore(default_samples_dir())
    assert on_disk.load() == [] and len(on_disk.samples()) == 2


def test_png_files_are_imported_as_samples_labelled_by_their_names(window, qtbot, tmp_path, mnist):
    from tests.test_cli import write_png
    images = {label: mnist.test_images[np.flatnonzero(mnist.test_labels == label)[0]].reshape(28, 28)
              for label in (3, 5)}
    write_png(tmp_path / "3.png", images[3])
    write_png(tmp_path / "5_b.png", 255 - images[5])      # dark ink on light paper, as a scan would be
    write_png(tmp_path / "unnamed.png", images[3])
    (tmp_path / "notes.txt").write_text("not an image")
    panel = tab(window).samples
    panel.import_from(str(tmp_path))
    wait_saved(qtbot, window)
    assert panel.store.counts()[3] == 1 and panel.store.counts()[5] == 1 and len(panel.store) == 2
    message = window.statusBar().currentMessage()
    assert "Imported 2 samples from 3 image file(s)" in message and "1 without a digit" in message
    # The unnamed one gets the digit the user gives; importing again adds nothing new.
    panel.import_images([tmp_path / "unnamed.png", tmp_path / "3.png"], digit_for_unlabelled=8)
    wait_saved(qtbot, window)
    assert panel.store.counts()[8] == 1 and len(panel.store) == 3
    assert "1 already here were skipped" in window.statusBar().currentMessage()
