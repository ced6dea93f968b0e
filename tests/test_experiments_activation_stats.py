"""The initialisation explorer's numbers: the activation layers' outputs, and the book's findings."""
import itertools

import numpy as np
import pytest

from engine.experiments.activation_stats import INITIALISATIONS, activation_network, activation_stats
from engine.nn.layers import Affine


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_histograms_are_of_the_activation_layers_outputs():
    stats = activation_stats("sigmoid", "xavier", seed=3)
    net = activation_network("sigmoid", "xavier", seed=3)
    x = np.random.default_rng([3, 1]).standard_normal((1000, 100)).astype(np.float32)
    weights = [layer.W.value for layer in net.layers if isinstance(layer, Affine)]
    assert len(stats) == len(weights) == 5
    a = x
    for s, w in zip(stats, weights):
        a = sigmoid(a @ w)                      # the book's loop: z = sigmoid(a @ W), no bias
        np.testing.assert_allclose(s.values, a, rtol=1e-4, atol=1e-6)
        counts, _ = np.histogram(a, bins=30, range=(0, 1))
        assert np.abs(s.counts - counts).sum() <= 4   # float32 vs float64 may move a value across an edge
        assert s.counts.sum() == 100_000


@pytest.mark.parametrize("label,init,std", INITIALISATIONS)
def test_the_initial_weights_have_the_schemes_spread(label, init, std):
    net = activation_network("relu", init, std, seed=0)
    expected = {"std 1": 1.0, "std 0.01": 0.01, "Xavier": np.sqrt(1 / 100), "He": np.sqrt(2 / 100)}[label]
    w = np.concatenate([layer.W.value.ravel() for layer in net.layers if isinstance(layer, Affine)])
    assert w.std() == pytest.approx(expected, rel=0.03)


def test_the_books_findings():
    by = {(act, label): activation_stats(act, init, std)
          for act in ("sigmoid", "tanh", "relu") for label, init, std in INITIALISATIONS}
    # Sigmoid with std 1: most outputs pressed against 0 or 1 (figure 6-10).
    ends = np.mean([np.mean((s.values < 0.05) | (s.values > 0.95)) for s in by[("sigmoid", "std 1")]])
    assert ends > 0.5
    # Sigmoid with std 0.01: every unit says about 0.5 (figure 6-11).
    assert all(s.std < 0.03 and abs(s.mean - 0.5) < 0.01 for s in by[("sigmoid", "std 0.01")])
    # Xavier keeps sigmoid and tanh spread out to the last layer (figure 6-13).
    assert by[("sigmoid", "Xavier")][-1].std > 0.1 and by[("tanh", "Xavier")][-1].std > 0.2
    # ReLU: std 0.01 vanishes, Xavier shrinks layer by layer, He keeps its spread (figure 6-14).
    assert by[("relu", "std 0.01")][-1].std < 1e-4
    xavier = [s.std for s in by[("relu", "Xavier")]]
    assert all(b < a for a, b in itertools.pairwise(xavier))
    he = [s.std for s in by[("relu", "He")]]
    assert min(he) > 0.6 and max(he) < 1.5
    assert by[("relu", "std 1")][-1].std > 1000


def test_relu_zeros_and_overflow_are_accounted_for():
    for s in activation_stats("relu", "he"):
        assert s.zeros == pytest.approx(np.mean(s.values == 0))
        total = s.counts.sum() / s.values.size + s.zeros + s.outside
        assert total == pytest.approx(1.0)
        assert s.outside == pytest.approx(np.mean(s.values > 2.0), abs=1e-9)
