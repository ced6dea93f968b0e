import numpy as np
import pytest

from engine.nn.losses import SoftmaxCrossEntropy, cross_entropy, log_softmax, softmax


def test_softmax_of_huge_logits_is_finite_and_correct():
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]], dtype=np.float32)
    p = softmax(logits)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], softmax(np.array([0.0, 1.0, 2.0])), rtol=1e-6)
    np.testing.assert_allclose(p[1], [0.0, 0.0, 1.0], atol=1e-30)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_cross_entropy_with_a_probability_of_zero_is_large_but_finite():
    logits = np.array([[0.0, 2000.0]])   # P(class 0) underflows to exactly 0
    assert softmax(logits)[0, 0] == 0.0
    loss = cross_entropy(logits, np.array([0]))
    assert np.isfinite(loss) and abs(loss - 2000.0) < 1e-6


def test_cross_entropy_matches_the_book_formula_on_ordinary_values():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 10))
    labels = rng.integers(0, 10, 5)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(5), labels] + 1e-7))
    assert abs(cross_entropy(logits, labels) - expected) < 1e-5  # the book adds 1e-7 inside the log
    np.testing.assert_allclose(np.exp(log_softmax(logits)), p, rtol=1e-12)


def test_softmax_with_loss_gradient_is_probabilities_minus_one_hot_over_n():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    layer = SoftmaxCrossEntropy()
    layer.forward(logits, labels)
    grad = layer.backward()
    expected = softmax(logits)
    expected[np.arange(4), labels] -= 1
    np.testing.assert_allclose(grad, expected / 4, rtol=1e-12)
    # The caller's logits are never modified, and a second backward gives the same answer.
    np.testing.assert_allclose(layer.backward(), grad)


def test_softmax_with_loss_of_extreme_logits_has_finite_gradient():
    layer = SoftmaxCrossEntropy()
    loss = layer.forward(np.array([[1e4, -1e4, 0.0]], dtype=np.float32), np.array([1]))
    assert np.isfinite(loss)
    assert np.all(np.isfinite(layer.backward()))


def test_label_smoothing_gives_the_gradient_of_its_loss_and_no_smoothing_the_plain_one():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((4, 5))
    labels = np.array([0, 4, 1, 1])
    smooth = SoftmaxCrossEntropy(smoothing=0.1)
    loss = smooth.forward(logits, labels)
    target = np.full((4, 5), 0.1 / 5)
    target[np.arange(4), labels] += 0.9
    assert loss == pytest.approx(-(target * log_softmax(logits)).sum(axis=1).mean(), rel=1e-12)
    np.testing.assert_allclose(smooth.backward(), (softmax(logits) - target) / 4, rtol=1e-12, atol=1e-15)
    plain = SoftmaxCrossEntropy()
    assert plain.forward(logits, labels) == pytest.approx(cross_entropy(logits, labels), rel=1e-12)


def test_label_smoothing_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="label smoothing"):
        SoftmaxCrossEntropy(smoothing=1.0)
