import numpy as np

from engine.augment import Augmentation, augment


def test_no_change_when_every_range_is_zero(mnist):
    x = mnist.train_images[:50].astype(np.float32) / 255
    np.testing.assert_allclose(augment(x, np.random.default_rng(0), Augmentation(0, 0, 0)), x, atol=1e-6)


def test_shift_moves_the_digit(mnist):
    x = mnist.train_images[:200].astype(np.float32) / 255
    y = augment(x, np.random.default_rng(0))
    assert y.shape == x.shape and y.dtype == np.float32
    assert 0 <= y.min() and y.max() <= 1
    changed = np.abs(y - x).mean(axis=1)
    assert np.all(changed > 0.005)                              # every image moved
    mass_ratio = y.sum(axis=1) / x.sum(axis=1)
    assert np.all((mass_ratio > 0.6) & (mass_ratio < 1.5))      # but no digit vanished or smeared


def test_each_image_gets_its_own_transform(mnist):
    x = np.repeat(mnist.train_images[:1].astype(np.float32) / 255, 10, axis=0)
    y = augment(x, np.random.default_rng(1))
    assert len({row.tobytes() for row in y}) == 10


def test_a_pure_shift_of_whole_pixels_is_exact():
    x = np.zeros((1, 784), np.float32)
    x[0, 14 * 28 + 14] = 1.0

    class Fixed:   # a generator that always returns the upper end of each range
        def uniform(self, low, high, size):
            return np.full(size, high, dtype=float)
    y = augment(x, Fixed(), Augmentation(max_shift=2.0, max_rotation=0.0, max_scale=0.0))
    assert y.reshape(28, 28)[16, 16] == 1.0 and y.sum() == 1.0
