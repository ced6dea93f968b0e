"""The Draw tab driven with real mouse events, offscreen."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model
from gui.main_window import MainWindow
from tests.drawing import ONE, SEVEN, ZERO, draw_digit, stroke


def shown(window):
    return window.draw_tab.chart.values()


def wait_for_live_prediction(qtbot, window):
    """Wait until the worker's result for the current drawing is on screen."""
    tab = window.draw_tab
    qtbot.waitUntil(lambda: tab.shown_revision == tab.canvas.revision() and not tab.predictor.busy(), timeout=5000)


def test_blank_canvas_predicts_nothing(window):
    assert window.canvas.is_blank()
    np.testing.assert_array_equal(window.current_probabilities(), np.zeros(10))
    np.testing.assert_array_equal(window.canvas.mnist_vector(), np.zeros(784, np.float32))


def test_drawing_updates_the_prediction_to_the_engines_answer(window, qtbot):
    draw_digit(window.canvas, SEVEN)
    wait_for_live_prediction(qtbot, window)
    network = window.library.active.model.network
    expected = network.predict_proba(window.canvas.mnist_vector())
    np.testing.assert_allclose(shown(window), expected, rtol=1e-5, atol=1e-7)  # via the worker thread
    np.testing.assert_allclose(window.current_probabilities(), expected, rtol=1e-5, atol=1e-7)
    assert int(np.argmax(expected)) == 7
    assert window.draw_tab.digit_label.text() == "7"
    vector = window.canvas.mnist_vector()
    assert vector.shape == (784,) and vector.dtype == np.float32 and 0 <= vector.min() and vector.max() <= 1


def test_probabilities_update_during_a_stroke(window, qtbot):
    """Live prediction while drawing: results arrive before the mouse button is released."""
    from tests.drawing import to_widget
    canvas = window.canvas
    updates = []
    window.draw_tab.predictor.updated.connect(lambda rev, probs, field: updates.append(probs))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 0.5, 0.15))
    for y in np.linspace(0.15, 0.85, 30):
        QTest.mouseMove(canvas, to_widget(canvas, 0.5, y))
        qtbot.wait(10)
    qtbot.waitUntil(lambda: any(p is not None for p in updates), timeout=3000)
    assert not canvas.strokes() == []  and canvas.is_drawing()   # still mid-stroke
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 0.5, 0.85))
    wait_for_live_prediction(qtbot, window)
    assert int(np.argmax(shown(window))) == 1


@pytest.mark.parametrize("strokes,digit", [(SEVEN, 7), (ONE, 1), (ZERO, 0)], ids=["seven", "one", "zero"])
def test_small_digit_in_a_corner_reads_like_a_large_one_in_the_middle(window, qtbot, strokes, digit):
    window.canvas.set_pen_width(0.05)
    draw_digit(window.canvas, strokes, scale=1.0)
    large = window.current_probabilities()
    large_vector = window.canvas.mnist_vector()
    window.canvas.clear()
    window.canvas.set_pen_width(0.025)   # a small digit drawn with a proportionally thinner pen
    draw_digit(window.canvas, strokes, scale=0.45, dx=-0.27, dy=0.26)
    small = window.current_probabilities()
    assert int(np.argmax(large)) == int(np.argmax(small)) == digit
    assert np.abs(window.canvas.mnist_vector() - large_vector).mean() < 0.06


def test_undo_and_clear(window, qtbot):
    canvas = window.canvas
    draw_digit(canvas, ONE)
    one = window.current_probabilities().copy()
    stroke(canvas, [(0.3, 0.3), (0.7, 0.3)])
    assert len(canvas.strokes()) == 2
    assert not np.allclose(window.current_probabilities(), one)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    np.testing.assert_allclose(window.current_probabilities(), one, rtol=1e-6)
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_blank()
    np.testing.assert_array_equal(window.current_probabilities(), np.zeros(10))
    draw_digit(canvas, ONE)
    QTest.mouseClick(canvas, Qt.MouseButton.RightButton)
    assert canvas.is_blank()
    wait_for_live_prediction(qtbot, window)
    assert window.draw_tab.digit_label.text() == "–"


def test_a_bad_model_file_shows_an_error_and_keeps_the_model(window, qtbot, tmp_path):
    before = window.library.active
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 definitely not a model")
    draw_digit(window.canvas, SEVEN)
    probabilities = window.current_probabilities()
    assert window.draw_tab.open_model(str(bad)) is False
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and "broken.npz" in dialog.text() and "stays in use" in dialog.text()
    assert window.library.active is before
    np.testing.assert_allclose(window.current_probabilities(), probabilities)
    dialog.close()


def test_opening_a_model_file_switches_to_it(window, qtbot, tmp_path):
    import shutil
    path = tmp_path / "mlp.npz"
    shutil.copy(bundled_model("small_mlp.npz"), path)
    draw_digit(window.canvas, SEVEN)
    assert window.draw_tab.open_model(str(path))
    assert window.library.active.path == path
    expected = load_model(path).network.predict_proba(window.canvas.mnist_vector())
    np.testing.assert_allclose(window.current_probabilities(), expected, rtol=1e-5, atol=1e-7)
    assert "MLP 784-100-10" in window.draw_tab.model_info.text()


def test_pen_width_is_remembered(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.draw_tab.pen_slider.setValue(80)
    first.resize(700, 500)     # the offscreen screen is 800x600
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.canvas.pen_width() == pytest.approx(0.08)
    assert (second.width(), second.height()) == (700, 500)
    second.close()
