import threading

import numpy as np
import pytest

from engine.augment import Augmentation, augment
from engine.batches import STEP, Batches
from engine.datasets import Split


@pytest.fixture
def split(mnist):
    """250 images: with batches of 40, an epoch has 7 steps and its last batch holds 10."""
    return Split(mnist.train_images[:250].astype(np.float32) / 255, mnist.train_labels[:250])


def batches_in_line(batches, start, stop):
    return [batches.make(step) for step in range(start, stop)]


def assert_same(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.t, b.t)
        # The generator handed on to dropout is in the same state.
        assert (a.rng is None) == (b.rng is None)
        if a.rng is not None:
            assert a.rng.random() == b.rng.random()


@pytest.mark.parametrize("augmentation", [None, Augmentation()])
def test_batches_made_ahead_in_blocks_equal_batches_made_in_line(split, augmentation, monkeypatch):
    monkeypatch.setattr("engine.batches.BLOCK_IMAGES", 120)   # blocks of 3 steps, across epoch ends
    batches = Batches(split, 40, seed=5, augmentation=augmentation)
    assert batches.steps_per_epoch == 7
    for start in (0, 5):                                      # a fresh run and one resumed mid-epoch
        assert_same(list(batches.ahead(start, 17)), batches_in_line(Batches(split, 40, 5, augmentation), start, 17))


def test_an_epoch_goes_through_every_image_once_in_a_new_order(split):
    batches = Batches(split, 40, seed=0)
    first = np.concatenate([batches.make(step).t for step in range(7)])
    second = np.concatenate([batches.make(step).t for step in range(7, 14)])
    assert len(first) == 250 and sorted(first) == sorted(split.t) == sorted(second)
    assert not np.array_equal(first, second)


def test_an_augmented_batch_is_the_step_generators_augmentation_of_its_images(split):
    batches = Batches(split, 40, seed=3, augmentation=Augmentation())
    plain = Batches(split, 40, seed=3).make(9)
    made = batches.make(9)
    expected = augment(plain.x, np.random.default_rng([3, STEP, 9]))
    np.testing.assert_array_equal(made.x, expected)
    assert not np.array_equal(made.x, plain.x)


def test_steps_draw_no_generator_unless_they_need_one(split):
    assert Batches(split, 40, seed=0).make(0).rng is None
    assert Batches(split, 40, seed=0, random_steps=True).make(0).rng is not None


def test_an_error_while_making_a_batch_reaches_the_consumer(split, monkeypatch):
    batches = Batches(split, 40, seed=0)

    def broken(start, stop):
        raise OSError("the training set could not be read")
    monkeypatch.setattr(batches, "make_many", broken)
    with pytest.raises(OSError, match="could not be read"):
        next(batches.ahead(0, 5))


def test_closing_the_iterator_early_ends_its_thread(split):
    batches = Batches(split, 40, seed=0)
    made = batches.ahead(0, 70)
    next(made)
    assert any(t.name.startswith("batches") for t in threading.enumerate())
    made.close()
    assert not any(t.name.startswith("batches") for t in threading.enumerate())
