"""The pen follows the digit: strokes are rendered for the network scaled to fill MNIST's box, so a
tiny digit's strokes are as thin as a large one's; and the Draw tab's doubts."""
import numpy as np

from engine.data.preprocess import to_mnist
from gui.strokes import render_for_network, render_strokes
from tests.drawing import SEVEN, draw_digit, transform


def as_arrays(strokes, scale=1.0, dx=0.0, dy=0.0):
    return [np.array(transform(points, scale, dx, dy), float) for points in strokes]


def test_a_tiny_digit_is_rendered_like_a_large_one():
    large = to_mnist(render_for_network(as_arrays(SEVEN), 0.05)).vector
    tiny = to_mnist(render_for_network(as_arrays(SEVEN, 0.2, 0.3, 0.3), 0.05)).vector
    blob = to_mnist(render_strokes(as_arrays(SEVEN, 0.2, 0.3, 0.3), 0.05)).vector   # the pen at the canvas's scale
    assert np.abs(tiny - large).mean() < 0.01
    assert blob.sum() > 1.5 * tiny.sum()                   # what it was before: strokes swollen


def test_an_empty_drawing_renders_blank():
    assert to_mnist(render_for_network([], 0.05)).blank


def test_the_draw_tab_asks_about_several_digits_side_by_side(window, qtbot):
    from tests.drawing import ONE
    draw_digit(window.canvas, ONE, scale=0.5, dx=-0.25)
    draw_digit(window.canvas, SEVEN, scale=0.5, dx=0.22)
    qtbot.waitUntil(lambda: window.draw_tab.shown_revision == window.canvas.revision())
    assert "several digits?" in window.draw_tab.doubt_label.text()
    window.canvas.clear()
    draw_digit(window.canvas, SEVEN)
    qtbot.waitUntil(lambda: window.draw_tab.shown_revision == window.canvas.revision())
    assert "several digits?" not in window.draw_tab.doubt_label.text()


def test_the_draw_tab_says_not_sure_when_the_top_probability_is_low(window, qtbot):
    from engine.nn.calibration import UNSURE_BELOW
    draw_digit(window.canvas, SEVEN)
    qtbot.waitUntil(lambda: window.draw_tab.shown_revision == window.canvas.revision())
    assert "not sure" not in window.draw_tab.doubt_label.text()   # a clear seven
    unsure = np.full(10, (1 - (UNSURE_BELOW - 0.1)) / 9)
    unsure[3] = UNSURE_BELOW - 0.1
    window.draw_tab._show(window.canvas.revision(), unsure, np.zeros((28, 28), np.float32))
    assert "not sure" in window.draw_tab.doubt_label.text()


def test_a_stroke_drawn_apart_from_the_rest_is_part_of_the_digit(window, qtbot):
    """A six whose stem stands apart above its loop: a picture would take the stem for dirt, but
    every stroke on the canvas was meant, so the network sees both, as the preview shows."""
    angles = np.linspace(0, 2 * np.pi, 40)
    loop = [(0.5 + 0.2 * np.cos(a), 0.7 + 0.2 * np.sin(a)) for a in angles]
    stem = [(0.42, 0.02), (0.40, 0.20)]
    fields = []
    window.draw_tab.predictor.updated.connect(lambda revision, probabilities, field: fields.append(field))
    draw_digit(window.canvas, [stem, loop])
    qtbot.waitUntil(lambda: window.draw_tab.shown_revision == window.canvas.revision())
    for field in (window.canvas.mnist_vector().reshape(28, 28), fields[-1]):   # the vector, and what the network read
        cols = np.nonzero(field.any(axis=0))[0]
        assert np.ptp(cols) < 14          # stem and loop fill the box's height; the loop alone would fill it all
