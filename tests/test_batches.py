"""Which images each training step gets (engine/data/batches.py)."""
import numpy as np
import pytest

from engine.data.augment import Augmentation
from engine.data.batches import Batches, in_order
from engine.data.datasets import Split


@pytest.fixture
def split(mnist):
    """250 images: with batches of 40, an epoch has 7 steps and its last batch holds 10."""
    return Split(mnist.train_images[:250].astype(np.float32) / 255, mnist.train_labels[:250])


def test_an_epoch_goes_through_every_image_once_in_a_new_order(split):
    batches = Batches(split, 40, seed=0)
    assert batches.steps_per_epoch == 7
    assert [len(batches.make(step).t) for step in range(7)] == [40] * 6 + [10]
    first = np.concatenate([batches.make(step).t for step in range(7)])
    second = np.concatenate([batches.make(step).t for step in range(7, 14)])
    assert len(first) == 250 and sorted(first) == sorted(split.t) == sorted(second)
    assert not np.array_equal(first, second)


def test_steps_draw_no_generator_unless_they_need_one(split):
    assert Batches(split, 40, seed=0).make(0).rng is None
    assert Batches(split, 40, seed=0, random_steps=True).make(0).rng is not None


@pytest.mark.parametrize("augmentation", [None, Augmentation()], ids=["plain", "augmented"])
def test_a_step_gets_the_same_batch_whenever_and_wherever_it_is_made(split, augmentation):
    """What resuming a run and making batches in another process rely on."""
    one = Batches(split, 40, seed=5, augmentation=augmentation, random_steps=True)
    other = Batches(split, 40, seed=5, augmentation=augmentation, random_steps=True)
    late = [other.make(step) for step in (12, 3, 9)]                   # out of order, in another object
    for step, batch in zip((12, 3, 9), late):
        expected = one.make(step)
        np.testing.assert_array_equal(batch.x, expected.x)
        np.testing.assert_array_equal(batch.t, expected.t)
        assert batch.rng.random() == expected.rng.random()


def test_augmented_batches_hold_the_plain_batches_images_moved(split):
    plain, augmented = Batches(split, 40, seed=1), Batches(split, 40, seed=1, augmentation=Augmentation())
    a, b = plain.make(2), augmented.make(2)
    np.testing.assert_array_equal(a.t, b.t)
    assert not np.array_equal(a.x, b.x)
    assert np.all(np.abs(a.x.sum(axis=1) - b.x.sum(axis=1)) < 0.5 * a.x.sum(axis=1))


def test_the_plain_source_makes_each_steps_batch_in_turn(split):
    batches = Batches(split, 40, seed=2)
    got = list(in_order(batches, 5, 9))
    assert len(got) == 4
    for step, batch in zip(range(5, 9), got):
        np.testing.assert_array_equal(batch.x, batches.make(step).x)
