"""The Draw tab's "Why this digit?" overlay, driven with real mouse events, offscreen."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from engine.experiments import saliency as why
from gui.saliency_overlay import NEGATIVE, POSITIVE
from tests.drawing import SEVEN, draw_digit, to_widget


def explainer(window):
    return window.draw_tab.explainer


def wait_for_overlay(qtbot, window):
    e = explainer(window)
    qtbot.waitUntil(lambda: e.shown_revision == window.canvas.revision() and not e.busy(), timeout=10000)
    return e.explanation


def coloured_pixels(canvas, colour) -> int:
    """How many pixels of the canvas are close to the hue of `colour` and clearly coloured."""
    image = canvas.grab().toImage()
    target = QColor(*colour).hueF()
    count = 0
    for y in range(0, image.height(), 3):
        for x in range(0, image.width(), 3):
            c = image.pixelColor(x, y)
            count += c.saturationF() > 0.35 and c.valueF() > 0.25 and abs(c.hueF() - target) < 0.06
    return count


def test_the_overlay_is_off_until_asked_and_computes_nothing(window, qtbot):
    e = explainer(window)
    draw_digit(window.canvas, SEVEN)
    qtbot.wait(200)
    assert not e.controls.is_on() and e.explanation is None and not e.busy()
    assert coloured_pixels(window.canvas, POSITIVE) == 0


def test_the_map_of_the_drawing_lies_on_its_ink(window, qtbot):
    draw_digit(window.canvas, SEVEN)
    explainer(window).controls.toggle.setChecked(True)
    explanation = wait_for_overlay(qtbot, window)
    network = window.library.active.model.network
    x = window.canvas.mnist_vector()
    expected = why.saliency(network, x)
    np.testing.assert_allclose(explanation.heat, expected, rtol=1e-4, atol=1e-6)     # via the worker
    np.testing.assert_allclose(window.saliency(), expected, rtol=1e-4, atol=1e-6)   # the window's API
    assert explanation.class_index == 7
    top, left, side = explanation.placement
    # The seven's ink spans 0.27..0.75 across and 0.19..0.83 down the sheet (its points, and half
    # the pen's width around them); its longer side is 20 of the field's 28 pixels.
    assert top < 0.19 and top + side > 0.83 and left < 0.27 and left + side > 0.75
    assert side == pytest.approx((0.83 - 0.19) * 28 / 20, rel=0.03)
    assert coloured_pixels(window.canvas, POSITIVE) > 20
    explainer(window).controls.toggle.setChecked(False)
    qtbot.waitUntil(lambda: coloured_pixels(window.canvas, POSITIVE) == 0, timeout=3000)


def test_saliency_is_zeros_while_blank(window, qtbot):
    saliency = window.saliency()
    assert saliency.shape == (28, 28) and saliency.dtype.kind == "f" and not saliency.any()
    explainer(window).controls.toggle.setChecked(True)
    draw_digit(window.canvas, SEVEN)
    wait_for_overlay(qtbot, window)
    assert window.saliency().any()
    window.canvas.clear()
    explanation = wait_for_overlay(qtbot, window)
    assert explanation.placement is None and not explanation.heat.any()
    assert not window.saliency().any()


def test_the_map_follows_the_pen_during_a_stroke(window, qtbot):
    canvas = window.canvas
    explainer(window).controls.toggle.setChecked(True)
    revisions = []
    explainer(window).updated.connect(revisions.append)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 0.5, 0.15))
    for y in np.linspace(0.15, 0.85, 30):
        QTest.mouseMove(canvas, to_widget(canvas, 0.5, y))
        qtbot.wait(10)
    qtbot.waitUntil(lambda: len(revisions) > 0, timeout=5000)
    assert canvas.is_drawing()                           # still mid-stroke
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 0.5, 0.85))
    wait_for_overlay(qtbot, window)
    assert revisions[-1] == canvas.revision() and revisions == sorted(revisions)


def test_what_would_make_it_another_digit(window, qtbot):
    controls = explainer(window).controls
    draw_digit(window.canvas, SEVEN)
    controls.toggle.setChecked(True)
    controls.view.setCurrentIndex(controls.view.findData("class"))
    assert controls.target.isVisible() and controls.ghost.isVisible()
    controls.target.setCurrentIndex(controls.target.findData(2))
    explanation = wait_for_overlay(qtbot, window)
    network = window.library.active.model.network
    np.testing.assert_allclose(explanation.heat, why.class_direction(network, window.canvas.mnist_vector(), 2),
                               rtol=1e-3, atol=1e-6)
    assert explanation.class_index == 2 and explanation.ghost is None
    assert coloured_pixels(window.canvas, NEGATIVE) > 20      # the map spreads over paper too
    controls.ghost.setChecked(True)
    qtbot.waitUntil(lambda: explainer(window).explanation.ghost is not None, timeout=10000)
    explanation = explainer(window).explanation
    nudged = network.predict_proba(explanation.ghost.ravel().astype(np.float32))[2]
    assert nudged > network.predict_proba(window.canvas.mnist_vector())[2]
    assert "gradient steps" in controls.caption.text()


def test_the_occlusion_view(window, qtbot):
    controls = explainer(window).controls
    draw_digit(window.canvas, SEVEN)
    controls.toggle.setChecked(True)
    controls.view.setCurrentIndex(controls.view.findData("occlusion"))
    assert not controls.target.isVisible()
    explanation = wait_for_overlay(qtbot, window)
    network = window.library.active.model.network
    expected = why.occlusion(network, window.canvas.mnist_vector())
    np.testing.assert_allclose(explanation.heat, expected.drop, atol=1e-5)
    assert "covering" in controls.caption.text()


def test_another_model_gets_its_own_map(window, qtbot):
    draw_digit(window.canvas, SEVEN)
    explainer(window).controls.toggle.setChecked(True)
    first = wait_for_overlay(qtbot, window).heat
    window.library.set_active(1)                            # the bundled MLP
    qtbot.waitUntil(lambda: explainer(window).explanation is not None
                    and not np.allclose(explainer(window).explanation.heat, first), timeout=10000)
    np.testing.assert_allclose(explainer(window).explanation.heat,
                               why.saliency(window.library.active.model.network, window.canvas.mnist_vector()),
                               rtol=1e-4, atol=1e-6)


def test_the_inspect_tab_shows_the_backward_pass_of_the_drawing(window, qtbot, tmp_path):
    names = [e.name for e in window.library.entries()]
    window.library.set_active(names.index("Default CNN"))
    network = window.library.active.model.network
    inspect = next(window.tabs.widget(i) for i in range(window.tabs.count())
                   if window.tabs.tabText(i) == "Inspect")
    draw_digit(window.canvas, SEVEN)
    window.tabs.setCurrentWidget(inspect)
    inspect.pages.setCurrentWidget(inspect.backward)
    qtbot.waitUntil(lambda: bool(inspect.backward.layers) and not inspect.busy("backward"), timeout=60000)
    page, x = inspect.backward, window.canvas.mnist_vector()
    expected = why.backward_view(network, x)
    assert [s.title for s in page.layers] == [s.title for s in expected]
    for shown, wanted in zip(page.layers, expected):
        np.testing.assert_allclose(shown.values, wanted.values, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(page.scores.opts["height"], np.eye(10)[7])     # the answer's score, 1
    assert "reads <b>7</b>" in page.source.text() and "backward pass" in page.findChild(type(page.source)).text()
    window.resize(1180, 760)
    folder = tmp_path / "shots"
    folder.mkdir()
    assert window.grab().save(str(folder / "inspect-backward.png"))
    print(folder / "inspect-backward.png")
