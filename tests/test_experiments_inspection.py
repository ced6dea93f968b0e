"""Looking inside a model: test-set answers, confusion matrix, first-layer weights, activations, gradient check."""
import numpy as np
import pytest

from engine.nn.builders import ModelSpec
from engine.data.datasets import to_float
from engine.experiments.inspection import activation_maps, first_layer_weights, gradient_check, predict_test_set, tile
from engine.nn.layers import Affine, Conv2D
from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model


@pytest.fixture(scope="module")
def small_mlp():
    return load_model(bundled_model("small_mlp.npz")).network


@pytest.fixture(scope="module")
def predictions(small_mlp, mnist):
    return predict_test_set(small_mlp, mnist.test_images, mnist.test_labels)


def test_the_confusion_matrix_counts_every_test_image_and_its_diagonal_is_the_accuracy(small_mlp, mnist, predictions):
    matrix = predictions.confusion()
    assert matrix.shape == (10, 10) and matrix.sum() == 10000
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(mnist.test_labels, minlength=10))
    accuracy = small_mlp.accuracy(to_float(mnist.test_images), mnist.test_labels)
    assert np.trace(matrix) / 10000 == pytest.approx(accuracy, abs=1e-12)
    assert predictions.accuracy == pytest.approx(accuracy, abs=1e-12)
    np.testing.assert_allclose(predictions.probabilities[:5], small_mlp.predict_proba(to_float(mnist.test_images[:5])),
                               rtol=1e-5)


def test_a_cell_lists_exactly_its_images_most_confident_first(predictions):
    matrix = predictions.confusion()
    for true, guess in ((4, 9), (7, 2), (3, 3)):
        cell = predictions.cell(true, guess)
        assert len(cell) == matrix[true, guess]
        assert np.all(predictions.labels[cell] == true) and np.all(predictions.predicted[cell] == guess)
        confidence = predictions.probabilities[cell, guess]
        assert np.all(np.diff(confidence) <= 0)


def test_mistakes_are_all_the_wrong_answers_surest_first(predictions):
    wrong = predictions.mistakes()
    assert len(wrong) == 10000 - np.trace(predictions.confusion())
    assert np.all(predictions.predicted[wrong] != predictions.labels[wrong])
    assert np.all(np.diff(predictions.probabilities[wrong].max(axis=1)) <= 0)


def test_predicting_the_test_set_reports_progress_and_can_be_cancelled(small_mlp, mnist):
    progress = []
    result = predict_test_set(small_mlp, mnist.test_images[:1200], mnist.test_labels[:1200], batch_size=500,
                              on_progress=lambda done, total: progress.append((done, total)))
    assert progress == [(500, 1200), (1000, 1200), (1200, 1200)] and len(result.labels) == 1200
    assert predict_test_set(small_mlp, mnist.test_images, mnist.test_labels,
                            cancelled=lambda: len(progress) > 3, on_progress=lambda d, t: progress.append(d)) is None


def test_first_layer_weights_are_the_units_and_the_filters(small_mlp):
    mlp = first_layer_weights(small_mlp)
    w = small_mlp.layers[0].W.value
    assert mlp.kind == "affine" and mlp.images.shape == (100, 28, 28)
    np.testing.assert_array_equal(mlp.images[37], w[:, 37].reshape(28, 28))
    cnn_net = ModelSpec(arch="cnn", channels=(6, 4), hidden=(8,)).build(0)
    cnn = first_layer_weights(cnn_net)
    conv = next(layer for layer in cnn_net.layers if isinstance(layer, Conv2D))
    assert cnn.kind == "conv" and cnn.images.shape == (6, 5, 5)
    np.testing.assert_array_equal(cnn.images[4], conv.W.value[:, :, 0, 4])


def test_tiles_put_each_picture_in_its_place_with_gaps():
    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    grid = tile(images, columns=3, gap=1)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    np.testing.assert_array_equal(grid[0:2, 4:7], images[1])
    np.testing.assert_array_equal(grid[3:5, 0:3], images[3])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all() and np.isnan(grid[3:, 8:]).all()


def test_activation_maps_show_each_stage_with_the_layers_own_output(mnist):
    net = ModelSpec(arch="cnn", channels=(6, 4), hidden=(11,), batchnorm=True, dropout=0.2).build(0)
    x = to_float(mnist.test_images[0])
    shown = activation_maps(net, x)
    outputs = net.activations(x[None])
    names = [type(layer).__name__ for layer in net.layers]
    assert shown[0].layer == -1 and shown[0].maps.shape == (1, 28, 28)
    kinds = [names[s.layer] for s in shown[1:]]
    assert kinds == ["ReLU", "MaxPool2D", "ReLU", "MaxPool2D", "ReLU", "Affine"]   # Dropout comes after the ReLU
    assert shown[1].title.startswith("Conv2D → BatchNorm → ReLU (28×28×6)")
    for s in shown[1:]:
        np.testing.assert_array_equal(s.values, outputs[s.layer][0])
    np.testing.assert_array_equal(shown[1].maps[2], outputs[shown[1].layer][0][:, :, 2])   # feature map 2
    assert shown[-1].values.shape == (10,) and "scores" in shown[-1].title
    assert shown[-2].maps.shape == (1, 3, 4) and np.isnan(shown[-2].maps).sum() == 1       # 11 units in a 3x4 grid


@pytest.mark.parametrize("spec", [ModelSpec(hidden=(12, 7), batchnorm=True, dropout=0.3),
                                  ModelSpec(arch="cnn", channels=(3, 2), kernel=3, hidden=(6,))],
                         ids=["mlp-batchnorm-dropout", "cnn"])
def test_gradient_check_agrees_and_leaves_the_model_alone(spec, mnist):
    net = spec.build(1)
    # Fresh biases are 0, so blank pixels put many ReLU inputs exactly on the kink (and max pooling
    # in ties), where central differences average two slopes; a trained model's biases are not 0.
    for p in net.parameters():
        if p.name == "b":
            p.value[:] = np.random.default_rng(2).normal(0, 0.1, p.value.shape)
    before = [p.value.copy() for p in net.parameters()]
    x, t = to_float(mnist.train_images[:6], np.float64), mnist.train_labels[:6]
    results = gradient_check(net, x, t, entries=8)
    assert len(results) == len(net.parameters())
    for r in results:
        assert r.backprop.shape == r.numerical.shape and 1 <= r.backprop.size <= 8
        assert r.error < 1e-5, r.name
        assert np.abs(r.numerical).max() > 0, r.name
    for p, old in zip(net.parameters(), before):
        assert p.value.dtype == np.float32
        np.testing.assert_array_equal(p.value, old)


def test_gradient_check_catches_a_wrong_backward(mnist, monkeypatch):
    net = ModelSpec(hidden=(10,)).build(0)
    original = Affine.backward

    def off_by_ten_percent(self, dout):
        out = original(self, dout)
        self.W.grad *= 1.1
        return out

    monkeypatch.setattr(Affine, "backward", off_by_ten_percent)
    results = gradient_check(net, to_float(mnist.train_images[:4], np.float64), mnist.train_labels[:4])
    errors = {r.name: r.error for r in results}
    assert errors["0:Affine.W"] > 0.01 and errors["2:Affine.W"] > 0.01
    assert errors["2:Affine.b"] < 1e-5           # the biases' gradients are still right
