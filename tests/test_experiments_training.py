"""The experiments that train on MNIST: optimizers compared, overfitting and regularisation,
random hyperparameter search (which must never read the test set)."""
import math

import numpy as np
import pytest

from engine.nn.builders import ModelSpec
from engine.data.datasets import Dataset
from engine.experiments.hyperparameter_search import SearchSetup, SearchSpace, best_trial, default_space, random_search
from engine.experiments.optimizers_on_mnist import compare_optimizers
from engine.experiments.regularisation import (
    OverfitSetup,
    Regulariser,
    default_regularisers,
    overfit_splits,
    regularisation_runs,
)
from engine.nn.optimizers import OPTIMIZERS

TINY = ModelSpec(hidden=(16,))


def test_every_optimizer_starts_from_the_same_weights_and_batches(mnist):
    calls = []
    losses = compare_optimizers(mnist, tuple(OPTIMIZERS), steps=15, spec=TINY, on_step=lambda s, now: calls.append(s))
    assert list(losses) == list(OPTIMIZERS) and all(len(v) == 15 for v in losses.values())
    assert calls == list(range(15))
    first = [v[0] for v in losses.values()]
    assert max(first) - min(first) < 1e-6              # same weights, same first batch: same first loss
    assert len({v[-1] for v in losses.values()}) == len(OPTIMIZERS)   # then the rules part ways
    # Stepping them in turn does not mix them up: SGD alone gives the same curve.
    alone = compare_optimizers(mnist, ("sgd",), steps=15, spec=TINY)
    assert alone["sgd"] == losses["sgd"]


def test_the_comparison_learns_stops_when_asked_and_drops_a_diverging_optimizer(mnist):
    losses = compare_optimizers(mnist, ("adam",), steps=60, spec=TINY)
    assert np.mean(losses["adam"][-10:]) < 0.6 * np.mean(losses["adam"][:5])
    steps = []
    stopped = compare_optimizers(mnist, ("adam",), steps=100, spec=TINY, on_step=lambda s, n: steps.append(s),
                                 cancelled=lambda: len(steps) >= 4)
    assert len(stopped["adam"]) == 4
    wild = compare_optimizers(mnist, ("sgd", "adam"), steps=20, spec=TINY, learning_rates={"sgd": 1e30})
    assert len(wild["sgd"]) < 20 and len(wild["adam"]) == 20


def test_overfitting_runs_report_every_epoch_on_the_few_images(mnist):
    setup = OverfitSetup(train_size=100, test_size=500, epochs=3, hidden=(20, 20), lr=0.05)
    train, test = overfit_splits(mnist, setup)
    assert len(train) == 100 and len(test) == 500
    np.testing.assert_array_equal(test.t, mnist.test_labels[:500])
    seen = []
    runs = regularisation_runs(mnist, default_regularisers(), setup, on_epoch=lambda i, r: seen.append((i, r)))
    assert len(runs) == 3 and all(len(r) == 3 for r in runs)
    assert [(i, r.epoch) for i, r in seen] == [(i, e) for i in range(3) for e in (1, 2, 3)]
    for run in runs:
        for report in run:
            assert 0 <= report.train_accuracy <= 1 and 0 <= report.test_accuracy <= 1
    # The same starting weights and first batch: the first step's loss is the same with or without
    # weight decay (the penalty acts on the gradient), while dropout changes it.
    assert runs[0][0].loss == runs[1][0].loss != runs[2][0].loss


def test_a_deep_net_on_few_images_overfits_and_weight_decay_narrows_the_gap(mnist):
    setup = OverfitSetup(train_size=100, test_size=500, epochs=40, hidden=(50, 50, 50), lr=0.1)
    plain, decayed = regularisation_runs(mnist, (Regulariser("none"), Regulariser("wd", weight_decay=0.05)), setup)
    plain_gap = plain[-1].train_accuracy - plain[-1].test_accuracy
    decayed_gap = decayed[-1].train_accuracy - decayed[-1].test_accuracy
    assert plain[-1].train_accuracy > 0.95 and plain_gap > 0.2      # learnt by heart, much worse on new images
    assert decayed_gap < plain_gap


def test_regularisation_runs_stop_when_asked(mnist):
    seen = []
    runs = regularisation_runs(mnist, default_regularisers(), OverfitSetup(train_size=100, epochs=50, hidden=(10,)),
                               on_epoch=lambda i, r: seen.append(r), cancelled=lambda: len(seen) >= 2)
    assert len(runs) == 1 and len(runs[0]) == 2


class TestSetIsOffLimits:
    """Stands in for the test images and labels: any use of it fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"the hyperparameter search touched the test set ({name})")

    def __len__(self):
        raise AssertionError("the hyperparameter search touched the test set (len)")

    def __getitem__(self, item):
        raise AssertionError("the hyperparameter search touched the test set (indexing)")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the hyperparameter search touched the test set (as an array)")


def test_hyperparameter_search_never_touches_the_test_set(mnist):
    no_test = Dataset(mnist.train_images, mnist.train_labels, TestSetIsOffLimits(), TestSetIsOffLimits())
    setup = SearchSetup(trials=4, epochs=2, train_size=300, validation=300, optimizer="sgd", batch_size=20, spec=TINY)
    trials = random_search(no_test, SearchSpace(lr=(0.05, 0.5), weight_decay=(1e-5, 1e-2)), setup)
    assert len(trials) == 4
    for t in trials:
        assert 0.05 <= t.lr <= 0.5 and 1e-5 <= t.weight_decay <= 1e-2
        assert t.status == "finished" and 0 < t.validation_accuracy <= 1 and len(t.curve) == 2
        assert t.curve[-1] == t.validation_accuracy
    best = best_trial(trials)
    assert best.validation_accuracy == max(t.validation_accuracy for t in trials)
    assert best.validation_accuracy > 0.5        # some setting learns something


def test_settings_are_drawn_evenly_on_a_log_scale():
    space = SearchSpace(lr=(1e-4, 1e-1), weight_decay=(1e-6, 1e-2))
    samples = np.array(space.sample(4000, seed=1))
    log_lr, log_wd = np.log10(samples[:, 0]), np.log10(samples[:, 1])
    assert log_lr.min() >= -4 and log_lr.max() <= -1 and log_wd.min() >= -6 and log_wd.max() <= -2
    counts, _ = np.histogram(log_lr, bins=3, range=(-4, -1))   # one bin per decade, each about a third
    assert np.all(np.abs(counts / 4000 - 1 / 3) < 0.03)
    assert abs(np.mean(log_wd) + 4) < 0.1
    assert space.sample(5, seed=2) == space.sample(5, seed=2)
    lo, hi = default_space("adam").lr
    assert lo < 0.001 < hi


def test_diverging_trials_are_kept_but_never_best_and_the_search_stops_when_asked(mnist):
    setup = SearchSetup(trials=3, epochs=1, train_size=200, validation=200, optimizer="sgd", spec=TINY)
    wild = random_search(mnist, SearchSpace(lr=(1e30, 1e31)), setup)
    assert [t.status for t in wild] == ["diverged"] * 3 and all(math.isnan(t.validation_accuracy) for t in wild)
    assert best_trial(wild) is None
    done = []
    some = random_search(mnist, SearchSpace(lr=(0.01, 0.1)), SearchSetup(trials=10, epochs=1, train_size=200,
                                                                         validation=200, spec=TINY),
                         on_trial=done.append, cancelled=lambda: len(done) >= 2)
    assert len(some) == 2 and some == done


def test_bad_ranges_are_refused_with_a_message():
    with pytest.raises(ValueError, match="learning rate range"):
        SearchSpace(lr=(0.1, 0.01))
    with pytest.raises(ValueError, match="weight decay range"):
        SearchSpace(lr=(0.01, 0.1), weight_decay=(0.0, 0.1))
