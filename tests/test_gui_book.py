"""The Book tab driven offscreen: every page opens, runs its work in its worker and shows the notes'
numbers; MainWindow.pages() and show_page() reach every page of every tab."""
import os
from pathlib import Path

import pytest

from tests.conftest import tab_titled
from tests.drawing import SEVEN, draw_digit

WAIT = 60000
SHOTS = os.environ.get("BOOK_SHOTS")        # a folder: save every page there, at two window sizes


def book(window):
    return tab_titled(window, "Book")


def open_page(window, qtbot, title):
    window.show_page(title)
    view = book(window).page(title)
    qtbot.waitUntil(lambda: not view.busy(), timeout=WAIT)
    return view


def test_pages_lists_the_books_pages_and_inspects_views_and_show_page_opens_each(window, qtbot):
    titles = window.pages()
    assert titles[:3] == ["Activation functions", "Softmax", "Forward pass on your drawing"]
    assert {"Optimizer playground", "Batch normalisation", "Convolution on your drawing"} <= set(titles)
    inspect = tab_titled(window, "Inspect")
    assert set(inspect.page_titles()) <= set(titles) and inspect.page_titles()
    assert len(titles) == len(set(titles))
    for title in inspect.page_titles()[::-1]:
        window.show_page(title)
        assert window.tabs.currentWidget() is inspect
        assert inspect.pages.tabText(inspect.pages.currentIndex()) == title
    with pytest.raises(KeyError, match="no page"):
        window.show_page("Chapter 99")


def test_every_book_page_opens_runs_and_can_be_looked_at(window, qtbot):
    draw_digit(window.canvas, SEVEN)
    sizes = [(1180, 760), (window.minimumSize().width(), window.minimumSize().height())]
    for title in book(window).page_titles():
        view = open_page(window, qtbot, title)
        assert window.tabs.currentWidget() is book(window) and book(window).current_title() == title
        assert view.isVisible()
        if SHOTS:
            for w, h in sizes:
                window.resize(w, h)
                qtbot.wait(50)
                slug = "".join(ch if ch.isalnum() else "_" for ch in title).lower()
                assert window.grab().save(str(Path(SHOTS) / f"{slug}_{w}x{h}.png"))


def settle(qtbot, view):
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not view.busy() and not view.busy("losses"), timeout=WAIT)


def test_softmax_shows_nan_for_the_naive_formula_and_the_notes_probabilities(window, qtbot):
    view = open_page(window, qtbot, "Softmax")
    view.set_scores([1010, 1000, 990])
    settle(qtbot, view)
    text = view.summary.text()
    assert "nan" in text and "9.999546e-01, 4.539787e-05, 2.061060e-09" in text


def test_loss_functions_show_the_notes_losses(window, qtbot):
    view = open_page(window, qtbot, "Loss functions")
    y = [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0]
    view.set_prediction(y, 2)
    settle(qtbot, view)
    assert "0.0975" in view.mse_label.text() and "0.5108" in view.cee_label.text()
    view.set_prediction([0.1, 0.05, 0.1, 0, 0.05, 0.1, 0, 0.6, 0, 0], 2)
    settle(qtbot, view)
    assert "0.5975" in view.mse_label.text() and "2.3026" in view.cee_label.text()


def test_gradient_descent_reaches_diverges_or_hardly_moves_as_the_notes_say(window, qtbot):
    view = open_page(window, qtbot, "Gradient descent")
    for lr, expected in [(0.1, ("-6.1", "e-10", "8.1")), (1e-10, ("-2.99999994", "3.99999992"))]:
        view.set_run(lr, 100)
        settle(qtbot, view)
        assert all(part in view.result.text() for part in expected), view.result.text()
    view.set_run(10, 100)
    settle(qtbot, view)
    assert "e+13" in view.result.text() and "e+12" in view.result.text()


def test_the_gradient_field_and_the_tangents_show_the_notes_numbers(window, qtbot):
    view = open_page(window, qtbot, "Gradients")
    settle(qtbot, view)
    assert "(6, 8), (0, 4), (6, 0)" in view.notes_label.text()
    view = open_page(window, qtbot, "Numerical differentiation")
    settle(qtbot, view)
    assert "0.1999" in view.notes.text() and "0.2999" in view.notes.text()


def test_the_computational_graph_gives_the_apple_numbers_and_follows_edits(window, qtbot):
    view = open_page(window, qtbot, "Computational graph")
    settle(qtbot, view)
    text = view.gradients_label.text()
    assert "220" in text and "2.2" in text and "110" in text and "200" in text
    view.graph_choice.setCurrentIndex(1)
    settle(qtbot, view)
    text = view.gradients_label.text()
    assert all(n in text for n in ("715", "110", "2.2", "3.3", "165", "650")), text
    view.inputs["tax"].setValue(1.0)
    settle(qtbot, view)
    assert "650" in view.gradients_label.text() and "715" not in view.gradients_label.text()


def test_the_training_log_draws_train_and_test_accuracy_per_epoch_live(window, qtbot):
    view = open_page(window, qtbot, "Training TwoLayerNet")
    view.epochs.setValue(2)
    view.controls.start_button.click()
    qtbot.waitUntil(lambda: view.busy(), timeout=WAIT)
    qtbot.waitUntil(lambda: not view.busy(), timeout=WAIT)
    train = [r.train_accuracy for r in view.reports]
    test = [r.test_accuracy for r in view.reports]
    assert len(train) == 2 and train[1] > train[0] > 0.5 and test[1] > test[0] > 0.5
    assert list(view.test_item.getData()[1]) == test
    assert view.log.toPlainText().count("Test Acc") == 2


def test_numerical_gradient_against_backprop_is_timed_live(window, qtbot):
    view = open_page(window, qtbot, "Numerical gradient or backprop")
    view.images.setValue(1)
    view.controls.start_button.click()
    qtbot.waitUntil(lambda: view.timing is not None and not view.busy(), timeout=WAIT)
    assert view.timing.numerical_seconds > 10 * view.timing.backprop_seconds
    assert "times faster" in view.result.text()


def test_simple_net_shows_the_notes_loss_and_gradient(window, qtbot):
    view = open_page(window, qtbot, "simpleNet's gradient")
    view.weights.setCurrentIndex(view.weights.findData("the notes, first"))
    view.answer.setCurrentIndex(view.answer.findData(2))
    settle(qtbot, view)
    assert "0.14800320" in view.outputs.text()      # the notes: 0.14800320227507802
    assert view.dw_table.item(1, 2).text().startswith("-0.1238145")
