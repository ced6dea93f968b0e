"""The Draw tab driven with real mouse events, offscreen."""
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QMessageBox

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


def shown_now(qtbot, window):
    """The probabilities on screen once the window shows those of the drawing as it is now."""
    wait_for_live_prediction(qtbot, window)
    return window.current_probabilities()


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
    large = shown_now(qtbot, window)
    large_vector = window.canvas.mnist_vector()
    window.canvas.clear()
    window.canvas.set_pen_width(0.025)   # a small digit drawn with a proportionally thinner pen
    draw_digit(window.canvas, strokes, scale=0.45, dx=-0.27, dy=0.26)
    small = shown_now(qtbot, window)
    assert int(np.argmax(large)) == int(np.argmax(small)) == digit
    assert np.abs(window.canvas.mnist_vector() - large_vector).mean() < 0.06


def test_undo_and_clear(window, qtbot):
    canvas = window.canvas
    draw_digit(canvas, ONE)
    one = shown_now(qtbot, window).copy()
    stroke(canvas, [(0.3, 0.3), (0.7, 0.3)])
    assert len(canvas.strokes()) == 2
    assert not np.allclose(shown_now(qtbot, window), one)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    np.testing.assert_allclose(shown_now(qtbot, window), one, rtol=1e-6)
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_blank()
    np.testing.assert_array_equal(shown_now(qtbot, window), np.zeros(10))
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
    probabilities = shown_now(qtbot, window)
    assert window.draw_tab.open_model(str(bad)) is False
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and "broken.npz" in dialog.text() and "stays in use" in dialog.text()
    assert window.library.active is before
    np.testing.assert_allclose(shown_now(qtbot, window), probabilities)
    dialog.close()


def test_opening_a_model_file_switches_to_it(window, qtbot, tmp_path):
    import shutil
    path = tmp_path / "mlp.npz"
    shutil.copy(bundled_model("small_mlp.npz"), path)
    draw_digit(window.canvas, SEVEN)
    assert window.draw_tab.open_model(str(path))
    assert window.library.active.path == path
    expected = load_model(path).network.predict_proba(window.canvas.mnist_vector())
    np.testing.assert_allclose(shown_now(qtbot, window), expected, rtol=1e-5, atol=1e-7)
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


# Ink stays on the sheet.
def sheet_of(canvas):
    side = min(canvas.width(), canvas.height())
    return (canvas.width() - side) // 2, (canvas.height() - side) // 2, side


def test_a_stroke_started_beside_the_sheet_draws_nothing(window, qtbot):
    canvas = window.canvas
    left, top, side = sheet_of(canvas)
    assert canvas.width() > side + 20          # the canvas is wider than its sheet here
    start = QPoint(left + side + 7, top + side // 2)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dy in range(0, 120, 10):
        QTest.mouseMove(canvas, start + QPoint(-30, dy))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(-30, 120))
    assert canvas.is_blank() and canvas.strokes() == []
    wait_for_live_prediction(qtbot, window)
    assert window.draw_tab.digit_label.text() == "–"


def test_ink_that_leaves_the_sheet_is_cut_at_its_edge(qtbot):
    from gui.canvas import DrawingCanvas
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(460, 300)
    canvas.set_pen_width(0.12)
    canvas.show()
    qtbot.waitExposed(canvas)
    left, top, side = sheet_of(canvas)
    # From the middle out past the right edge and back, and a dot at the top edge (round caps).
    stroke(canvas, [(0.5, 0.5), (1.15, 0.5), (0.6, 0.7)])
    stroke(canvas, [(0.5, 0.01)])
    assert max(p[0] for p in canvas.strokes()[0]) > 1.1     # the points are kept, not squashed onto the edge
    image = canvas.grab().toImage()
    background = canvas.palette().window().color().rgb()
    outside = [image.pixel(x, y) for x in range(left + side + 1, canvas.width(), 3) for y in range(0, 300, 3)]
    assert set(outside) == {background}
    frame = canvas.palette().mid().color().rgb()
    assert image.pixel(left + side - 1, top + side // 2) == frame       # the edge is drawn over the ink
    rendered = canvas.render_image()                                    # what the network reads
    right = np.flatnonzero((rendered < 128).any(axis=0)).max()
    assert (rendered[:, right] < 128).sum() >= 5     # a straight cut at the sheet's edge, not a round cap


def test_undo_and_redo_take_back_strokes_clears_and_images(window, qtbot):
    canvas, tab = window.canvas, window.draw_tab
    assert not tab.undo_button.isEnabled() and not tab.redo_button.isEnabled()
    draw_digit(canvas, ONE)
    stroke(canvas, [(0.3, 0.3), (0.7, 0.3)])
    two = canvas.strokes()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)                        # Clear
    assert canvas.is_blank() and tab.undo_button.isEnabled()
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 2 and np.array_equal(canvas.strokes()[1], two[1])   # the Clear undone
    canvas.undo()
    assert len(canvas.strokes()) == 1 and tab.redo_button.isEnabled()
    QTest.keyClick(canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert canvas.is_blank()                                          # the Clear redone
    assert not tab.redo_button.isEnabled()
    canvas.set_picture(np.full((28, 28), 255, np.uint8))
    canvas.undo()
    assert canvas.picture() is None and canvas.is_blank()
    canvas.undo()
    assert len(canvas.strokes()) == 2                                 # before the Clear again
    canvas.undo()
    canvas.undo()
    assert canvas.is_blank() and not canvas.can_undo()               # back to the start
    stroke(canvas, [(0.5, 0.2), (0.5, 0.8)])                         # a new change forgets what was undone
    assert not canvas.can_redo()
    wait_for_live_prediction(qtbot, window)
    assert window.draw_tab.digit_label.text() == "1"


# Images onto the sheet.
def sample_image(digit):
    from engine.storage.paths import resource
    return resource("samples", f"digit-{digit}.png")


def cli_reading(network, path):
    from engine.data.preprocess import to_mnist
    from gui.image_file import read_gray
    return network.predict_proba(to_mnist(read_gray(path)).vector)


@pytest.mark.parametrize("digit", [3, 7])
def test_an_opened_image_is_shown_and_read_as_the_command_line_reads_it(window, qtbot, digit):
    window.tabs.setCurrentIndex(1)
    shown = []
    window.probabilities_shown.connect(shown.append)
    assert window.open_image(sample_image(digit))
    assert window.tabs.currentWidget() is window.draw_tab and window.canvas.picture() is not None
    qtbot.waitUntil(lambda: window.canvas.revision() in shown, timeout=5000)
    expected = cli_reading(window.library.active.model.network, sample_image(digit))
    np.testing.assert_allclose(window.current_probabilities(), expected, atol=2e-3)
    assert window.draw_tab.digit_label.text() == str(digit)
    # It is on the sheet: the canvas shows ink where the image has it.
    left, top, side = sheet_of(window.canvas)
    image = window.canvas.grab().toImage()
    darkest = min(QColor(image.pixel(x, y)).value() for x in range(left, left + side, 4) for y in range(top, top + side, 4))
    assert darkest < 100


def test_light_ink_on_dark_paper_reads_the_same(window, qtbot, tmp_path):
    from gui.image_file import read_gray
    from gui.digit_image import gray_qimage
    inverted = tmp_path / "chalk.png"
    assert gray_qimage(255 - read_gray(sample_image(4))).save(str(inverted))
    assert window.open_image(inverted)
    wait_for_live_prediction(qtbot, window)
    assert window.draw_tab.digit_label.text() == "4"
    assert window.canvas.picture()[0, 0] > 128          # shown as dark ink on light paper


def test_a_file_that_is_no_image_is_refused_and_the_drawing_kept(window, qtbot, tmp_path):
    draw_digit(window.canvas, SEVEN)
    before = window.canvas.revision()
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    assert not window.open_image(bad)
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert "notes.png" in dialog.text() and "stays as it was" in dialog.text()
    assert window.canvas.revision() == before and window.canvas.picture() is None
    dialog.close()


def test_paste_and_drop_put_images_on_the_sheet(window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
    QGuiApplication.clipboard().setImage(QImage(str(sample_image(2))))
    paste = next(a for a in window.findChildren(QAction) if a.text() == "&Paste image")
    paste.trigger()
    wait_for_live_prediction(qtbot, window)
    assert window.canvas.picture() is not None and window.draw_tab.digit_label.text() == "2"

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        window.draw_tab.dragEnterEvent(enter)
        assert enter.isAccepted()
        window.draw_tab.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                             Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    drop(sample_image(5))
    wait_for_live_prediction(qtbot, window)
    assert window.draw_tab.digit_label.text() == "5"
    model = tmp_path / "dropped.npz"
    shutil.copy(bundled_model("small_mlp.npz"), model)
    drop(model)                                          # a model file dropped here is opened
    assert window.library.active.path == model and "dropped" in window.model_names()


def test_a_saved_drawing_opens_again_as_the_same_digit(window, qtbot, tmp_path):
    from gui.image_file import read_gray
    draw_digit(window.canvas, SEVEN)
    drawn = shown_now(qtbot, window)
    assert window.draw_tab.images.save(tmp_path / "seven")
    saved = tmp_path / "seven.png"
    np.testing.assert_array_equal(read_gray(saved), window.canvas.render_image())
    window.canvas.clear()
    assert window.open_image(saved)
    np.testing.assert_allclose(shown_now(qtbot, window), drawn, atol=1e-5)


def test_a_test_digit_from_inspect_can_be_enlarged_and_sent_to_the_sheet(window, qtbot):
    from tests.conftest import tab_titled
    names = window.model_names()
    window.library.set_active(names.index("Small MLP"))
    inspect = tab_titled(window, "Inspect")
    window.tabs.setCurrentWidget(inspect)
    qtbot.waitUntil(lambda: inspect.predictions is not None, timeout=60000)
    gallery = inspect.confusion.gallery
    inspect.confusion.choose_cell(3, 3)
    index = gallery.indices()[0]                       # the 3 it is surest about
    dialog = gallery.enlarge(index)
    assert dialog.findChild(QLabel).pixmap().width() == 280 and f"Test image #{index}: a 3" in dialog.windowTitle()
    dialog.draw_button.click()
    assert window.tabs.currentWidget() is window.draw_tab and window.canvas.picture() is not None
    wait_for_live_prediction(qtbot, window)
    assert window.draw_tab.digit_label.text() == "3"
    assert f"Test image #{index}" in window.statusBar().currentMessage()


def test_probabilities_shown_reports_each_revision_on_screen(window, qtbot):
    shown = []
    window.probabilities_shown.connect(shown.append)
    draw_digit(window.canvas, ONE)
    qtbot.waitUntil(lambda: window.canvas.revision() in shown, timeout=5000)
    np.testing.assert_array_equal(window.current_probabilities(), window.draw_tab.chart.values())
    assert shown == sorted(shown)
    window.canvas.clear()
    assert window.canvas.revision() in shown          # a blank sheet is shown at once
    np.testing.assert_array_equal(window.current_probabilities(), np.zeros(10))
