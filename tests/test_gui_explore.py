"""The Book tab's chapter-6 pages and the Inspect tab driven offscreen: each view's computation runs in its worker and
what it plots is checked against the engine's own numbers."""
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from engine.nn.builders import ModelSpec
from engine.data.datasets import load_mnist, to_float
from engine.experiments.activation_stats import INITIALISATIONS, activation_stats
from engine.experiments.hyperparameter_search import random_search
from engine.experiments.inspection import tile
from engine.experiments.optimizers_on_mnist import compare_optimizers
from engine.experiments.regularisation import OverfitSetup, default_regularisers, regularisation_runs
from engine.experiments.surfaces import SURFACES
from engine.nn.optimizers import OPTIMIZERS
from tests.conftest import tab_titled
from tests.drawing import SEVEN, draw_digit
from tests.test_experiments_optimizer_paths import by_hand

WAIT = 60000


def tab(window, title):
    return tab_titled(window, title)


def open_experiment(window, title):
    """The Book's page with that title, brought up as a user would."""
    window.show_page(title)
    return tab(window, "Book").page(title)


def save(widget, folder, name):
    folder.mkdir(exist_ok=True)
    assert widget.grab().save(str(folder / f"{name}.png"))


def test_the_optimizer_playground_draws_the_engines_steps(window, qtbot, tmp_path):
    view = open_experiment(window, "Optimizer playground")
    qtbot.waitUntil(lambda: bool(view.paths) and not view.busy(), timeout=WAIT)
    view.finish_animation()
    bowl = SURFACES["bowl"]
    for name, item in view.path_items.items():
        x, y = item.getData()
        expected = by_hand(bowl, name, bowl.learning_rates[name], bowl.steps, bowl.start)
        np.testing.assert_array_equal(np.column_stack([x, y]), expected)
    assert all(view.contours(name) for name in OPTIMIZERS)
    save(window, tmp_path / "shots", "playground")

    view.rates["sgd"].setValue(0.5)                      # a new rate re-runs after a short pause
    qtbot.waitUntil(lambda: view.paths["sgd"].lr == 0.5 and not view.busy(), timeout=WAIT)
    view.finish_animation()
    x, y = view.path_items["sgd"].getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), by_hand(bowl, "sgd", 0.5, bowl.steps, bowl.start))

    view.set_surface("rosenbrock")
    rosenbrock = SURFACES["rosenbrock"]
    qtbot.waitUntil(lambda: bool(view.paths) and view.paths["adam"].steps == rosenbrock.steps and not view.busy(),
                    timeout=WAIT)
    assert view.learning_rates() == pytest.approx(rosenbrock.learning_rates)

    # A click on a plot starts every optimizer from there.
    plot = view.plots["adam"]
    target = plot.vb.mapViewToScene(QPointF(0.5, 2.0))
    QTest.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.graphics.mapFromScene(target))
    qtbot.waitUntil(lambda: view.start_point is not None and not view.busy()
                    and np.allclose(view.paths["adam"].points[0], view.start_point), timeout=WAIT)
    assert view.start_point == pytest.approx((0.5, 2.0), abs=0.05)
    view.finish_animation()
    x, y = view.path_items["momentum"].getData()
    np.testing.assert_array_equal(np.column_stack([x, y]),
                                  by_hand(rosenbrock, "momentum", rosenbrock.learning_rates["momentum"],
                                               rosenbrock.steps, view.start_point))


def test_optimizers_on_mnist_plots_each_optimizers_losses(window, qtbot, tmp_path):
    view = open_experiment(window, "Optimizers on MNIST")
    view.steps.setValue(12)
    view.hidden.setText("10")
    view.enabled["nesterov"].setChecked(False)
    view.controls.start_button.click()
    qtbot.waitUntil(lambda: not view.busy(), timeout=WAIT)
    names = tuple(n for n in OPTIMIZERS if n != "nesterov")
    expected = compare_optimizers(load_mnist(), names, 12, spec=ModelSpec(hidden=(10,)))
    for name in names:
        x, y = view.raw_items[name].getData()
        np.testing.assert_array_equal(x, np.arange(1, 13))
        np.testing.assert_array_equal(y, expected[name])
    assert view.raw_items["nesterov"].getData()[0] is None or len(view.raw_items["nesterov"].getData()[0]) == 0
    assert view.controls.progress.format() == "Finished"
    save(window, tmp_path / "shots", "optimizers_on_mnist")

    view.steps.setValue(5000)                            # Stop ends a long run within a step
    view.controls.start_button.click()
    qtbot.waitUntil(lambda: len(view.losses["adam"]) > 3, timeout=WAIT)
    view.controls.stop_button.click()
    qtbot.waitUntil(lambda: not view.busy(), timeout=10000)
    assert view.controls.progress.format().startswith("Stopped at step")
    view.hidden.setText("ten")
    view.controls.start_button.click()
    assert not view.busy() and "hidden layer sizes" in view.status_label.text()


def test_the_initialisation_explorer_plots_the_activation_histograms(window, qtbot, tmp_path):
    view = open_experiment(window, "Initialisation explorer")
    for activation in ("sigmoid", "relu"):
        view.set_activation(activation)
        qtbot.waitUntil(lambda activation=activation: bool(view.stats) and not view.busy()
                        and view.activation == activation, timeout=WAIT)
        for label, init, std in INITIALISATIONS:
            for s in activation_stats(activation, init, std):
                x, y = view.histograms[(label, s.layer - 1)].getData()
                np.testing.assert_array_equal(x, s.edges)
                np.testing.assert_allclose(y, s.counts / 100_000)
    save(window, tmp_path / "shots", "initialisation")


def test_the_regularisation_view_plots_train_and_test_accuracy(window, qtbot, tmp_path):
    view = open_experiment(window, "Overfitting and regularisation")
    view.train_size.setValue(100)
    view.epochs.setValue(3)
    view.test_size.setValue(300)
    view.controls.start_button.click()
    qtbot.waitUntil(lambda: not view.busy(), timeout=WAIT)
    expected = regularisation_runs(load_mnist(), default_regularisers(0.1, 0.2),
                                   OverfitSetup(train_size=100, test_size=300, epochs=3))
    for run, reports in enumerate(expected):
        x, train = view.train_items[run].getData()
        _, test = view.test_items[run].getData()
        np.testing.assert_array_equal(x, [1, 2, 3])
        np.testing.assert_array_equal(train, [r.train_accuracy for r in reports])
        np.testing.assert_array_equal(test, [r.test_accuracy for r in reports])
    assert view.controls.progress.format() == "Finished"
    save(window, tmp_path / "shots", "regularisation")


def test_hyperparameter_search_plots_its_trials_and_hands_the_best_to_the_train_tab(window, qtbot, tmp_path):
    form = window.train_tab.form
    form.set_values({**form.values(), "hidden": "10", "optimizer": "sgd", "epochs": 1, "train_size": 2000,
                     "validation": 500})
    view = open_experiment(window, "Hyperparameter search")
    assert view.optimizer.currentData() == "sgd" and "784-10-10" in view.network_label.text()
    view.trials_spin.setValue(4)
    view.epochs.setValue(2)
    view.train_size.setValue(200)
    view.validation.setValue(200)
    view.controls.start_button.click()
    qtbot.waitUntil(lambda: not view.busy(), timeout=WAIT)
    expected = random_search(load_mnist(), view.space(), view.setup_used)
    assert [(t.lr, t.weight_decay, t.validation_accuracy) for t in view.trials] == \
        [(t.lr, t.weight_decay, t.validation_accuracy) for t in expected]
    finished = [t for t in expected if t.status == "finished"]
    x, y = view.map_points.getData()
    np.testing.assert_allclose(10 ** x, [t.lr for t in finished])       # the plot's axes are logarithmic
    np.testing.assert_allclose(10 ** y, [t.weight_decay for t in finished])
    best = max(finished, key=lambda t: t.validation_accuracy)
    assert view.selected_trial().lr == best.lr
    save(window, tmp_path / "shots", "hyperparameters")

    view.train_button.click()                 # it asks first, and trains only on "Train"
    box = window.findChild(QMessageBox, "trainConfirm")
    assert box is not None and box.isVisible() and not window.train_tab.is_training()
    assert "all 59,500 training images" in box.text()
    next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()
    try:
        assert window.tabs.currentWidget() is window.train_tab
        assert window.train_tab.is_training()
        values = form.values()
        assert values["lr"] == pytest.approx(best.lr, abs=5e-6) and values["optimizer"] == "sgd"
        assert values["weight_decay"] == pytest.approx(best.weight_decay, abs=5e-6)
        assert values["train_size"] == 0 and values["epochs"] == 1     # all the images; the Train tab's epochs
    finally:
        window.train_tab.stop()
        qtbot.waitUntil(lambda: not window.train_tab.is_training(), timeout=WAIT)


def small_mlp_active(window):
    names = [e.name for e in window.library.entries()]
    window.library.set_active(names.index("Small MLP"))
    return window.library.active.model.network


def test_inspect_confusion_matrix_and_a_clicked_cell(window, qtbot, tmp_path):
    network = small_mlp_active(window)
    inspect = tab(window, "Inspect")
    window.tabs.setCurrentWidget(inspect)
    qtbot.waitUntil(lambda: inspect.predictions is not None, timeout=WAIT)
    mnist = load_mnist()
    matrix = inspect.confusion.matrix
    assert matrix.sum() == 10000
    assert np.trace(matrix) / 10000 == pytest.approx(network.accuracy(to_float(mnist.test_images), mnist.test_labels))
    save(window, tmp_path / "shots", "inspect-confusion")

    page = inspect.confusion
    QTest.mouseClick(page.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     page.plot.mapFromScene(page.cell_centre(4, 9)))
    assert page.cell == (4, 9)
    shown = page.gallery.indices()
    assert len(shown) == min(matrix[4, 9], 300) > 0
    assert np.all(mnist.test_labels[shown] == 4) and np.all(inspect.predictions.predicted[shown] == 9)

    inspect.pages.setCurrentWidget(inspect.mistakes)
    wrong = inspect.mistakes.gallery.indices()
    assert len(wrong) == min(10000 - np.trace(matrix), 500)
    assert np.all(inspect.predictions.predicted[wrong] != mnist.test_labels[wrong])
    save(window, tmp_path / "shots", "inspect-mistakes")


def test_inspect_weights_activations_and_gradient_check(window, qtbot, tmp_path):
    network = small_mlp_active(window)
    inspect = tab(window, "Inspect")
    weights = network.layers[0].W.value.T.reshape(-1, 28, 28)
    scaled = weights / np.abs(weights).max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(inspect.weights.tiled, tile(scaled), rtol=1e-6, equal_nan=True)

    draw_digit(window.canvas, SEVEN)
    window.tabs.setCurrentWidget(inspect)
    inspect.pages.setCurrentWidget(inspect.activations)
    qtbot.waitUntil(lambda: bool(inspect.activations.layers) and not inspect.busy("activations"), timeout=WAIT)
    outputs = network.activations(window.canvas.mnist_vector()[None])
    page = inspect.activations
    np.testing.assert_array_equal(page.layers[0].values, window.canvas.mnist_vector())
    for layer in page.layers[1:]:
        np.testing.assert_array_equal(layer.values, outputs[layer.layer][0])
    np.testing.assert_array_equal(page.scores.opts["height"], outputs[-1][0])
    assert "reads <b>7</b>" in page.source.text()
    save(window, tmp_path / "shots", "inspect-activations")

    inspect.pages.setCurrentWidget(inspect.gradients)
    inspect.gradients.run_button.click()
    qtbot.waitUntil(lambda: bool(inspect.gradients.results), timeout=WAIT)
    results = inspect.gradients.results
    assert [r.name for r in results] == ["0:Affine.W", "0:Affine.b", "2:Affine.W", "2:Affine.b"]
    assert all(r.error < 1e-5 for r in results)
    assert inspect.gradients.table.rowCount() == 4 and inspect.gradients.table.item(0, 3).text() == "agree"
    save(window, tmp_path / "shots", "inspect-gradients")

    # Another model: the weights page follows at once; the test set waits until the tab is shown.
    window.tabs.setCurrentWidget(window.draw_tab)
    names = [e.name for e in window.library.entries()]
    window.library.set_active(names.index("Default CNN"))
    first_conv = window.library.active.model.network.layers[1]
    assert inspect.weights.weights.kind == "conv"
    assert inspect.weights.weights.images.shape == (first_conv.out_channels, 5, 5)
    assert inspect.predictions is None and not inspect.busy("test")
    assert inspect.gradients.results == []


def test_closing_the_window_mid_run_stops_every_worker(window, qtbot):
    regularisation = open_experiment(window, "Overfitting and regularisation")
    regularisation.epochs.setValue(1000)
    regularisation.test_size.setValue(200)
    regularisation.controls.start_button.click()
    mnist_view = open_experiment(window, "Optimizers on MNIST")
    mnist_view.steps.setValue(5000)
    mnist_view.start()
    qtbot.waitUntil(lambda: bool(regularisation.curves) and len(regularisation.curves[0]) > 2, timeout=WAIT)
    jobs = regularisation.jobs() + mnist_view.jobs()
    assert jobs and all(job.is_running() for job in jobs)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 10
    assert all(job.thread_finished() for job in jobs)
