"""Augmentation for other hands: slant, aspect and elastic maps read only inside their border, and
each image's own retouching (stroke thickness, photo-like) is drawn reproducibly."""
import numpy as np
import pytest

from engine.data.augment import AUGMENTATIONS, Augmentation, border_for, warp
from engine.data.retouch import photo_like, retouch, thicken


@pytest.fixture(scope="module")
def images(mnist):
    return mnist.train_images[:200].astype(np.float32) / 255


def test_hands_maps_stay_within_their_border(images):
    hands = AUGMENTATIONS["hands"]
    maps = hands.draw(np.random.default_rng(0), 500)
    assert maps.displacement is not None and np.abs(maps.displacement).max() <= hands.max_elastic + 1e-6
    assert border_for(maps) <= hands.border()
    np.testing.assert_allclose(warp(images[:50], maps[:50], hands.border()), warp(images[:50], maps[:50]), atol=1e-5)


def test_a_slant_leans_the_top_of_a_digit_to_the_right():
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 4:24, 13:15] = 1.0                                  # an upright bar
    from engine.data.augment import inverse_maps
    maps = inverse_maps(np.zeros(1), np.ones(1), np.zeros((1, 2)), np.radians([20.0]), np.ones(1))
    y = warp(x.reshape(1, -1), maps).reshape(28, 28)
    cols = np.arange(28)
    top, bottom = (y[5] * cols).sum() / y[5].sum(), (y[22] * cols).sum() / y[22].sum()
    assert top - bottom > 4                                   # tan(20 degrees) * 17 rows is about 6 pixels


def test_thicker_and_thinner_strokes_keep_the_digit(images):
    x = images[:50].reshape(-1, 28, 28)
    thick, thin = thicken(x, np.full(50, 1.0, np.float32)), thicken(x, np.full(50, -0.5, np.float32))
    assert np.all(thick.sum(axis=(1, 2)) > 1.2 * x.sum(axis=(1, 2)))
    assert np.all(thin.sum(axis=(1, 2)) < x.sum(axis=(1, 2)))
    assert np.all(thin.sum(axis=(1, 2)) > 0.3 * x.sum(axis=(1, 2)))


def test_photo_like_images_are_in_range_at_full_strength_and_keep_the_digit(images):
    x = images[:50].reshape(-1, 28, 28)
    y = photo_like(x, np.random.default_rng(1))
    assert y.dtype == x.dtype and 0 <= y.min() and np.allclose(y.max(axis=(1, 2)), 1.0)
    for a, b in zip(y, x):
        assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.8


def test_retouching_is_the_same_for_the_same_generator_and_nothing_when_off(images):
    a, b, c = images[:40].copy(), images[:40].copy(), images[:40].copy()
    retouch(a, np.random.default_rng(3), 1.0, 0.5)
    retouch(b, np.random.default_rng(3), 1.0, 0.5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, images[:40])
    Augmentation().retouch(c, np.random.default_rng(3))
    np.testing.assert_array_equal(c, images[:40])


def test_out_of_range_retouching_is_refused():
    with pytest.raises(ValueError, match="thickness"):
        Augmentation(thickness=2.0)
