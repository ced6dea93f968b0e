"""Digits redrawn with another pen: the skeleton is one pixel wide and in the middle of the stroke,
the pen's width sets the strokes' width, and the digit stays where and what it was."""
import numpy as np
import pytest

from engine.data.augment import Augmentation
from engine.data.restroke import draw_with_pen, restroke, thin


@pytest.fixture(scope="module")
def images(mnist):
    return mnist.train_images[:100].astype(np.float32) / 255


def test_a_thick_bar_thins_to_a_line_along_its_middle():
    bar = np.zeros((1, 30, 30), bool)
    bar[0, 5:25, 12:19] = True                       # 7 pixels wide, 20 tall
    skeleton = thin(bar)[0]
    rows = np.nonzero(skeleton.any(axis=1))[0]
    assert len(rows) >= 12                            # its length, less about half its width at each end
    assert skeleton.sum(axis=1).max() <= 2            # about one pixel wide
    assert set(np.nonzero(skeleton)[1]) <= {14, 15, 16}   # in the middle


def test_a_pen_covers_a_disc_of_its_width():
    dot = np.zeros((1, 21, 21), np.float32)
    dot[0, 10, 10] = 1
    drawn = draw_with_pen(dot, np.array([6.0]))[0]
    assert drawn[10, 10] == 1 and drawn[10, 12] == 1 and drawn[10, 14] == 0
    assert abs(drawn.sum() - np.pi * 3 ** 2) < 4      # the disc's area, to its soft edge


def test_redrawn_digits_keep_their_place_and_follow_the_pen(images):
    thin_pen, thick_pen = restroke(images, np.full(100, 1.2)), restroke(images, np.full(100, 3.2))
    for out in (thin_pen, thick_pen):
        assert out.dtype == np.float32 and np.allclose(out.max(axis=1), 1.0) and out.min() >= 0
    assert np.all(thick_pen.sum(axis=1) > 1.8 * thin_pen.sum(axis=1))
    def box(image):
        """Where the ink's mass passes 5% and 95% down the rows and across the columns (a lone
        faint speck, which the skeleton leaves out, hardly moves it)."""
        image = image.reshape(28, 28)
        return np.concatenate([np.searchsorted(np.cumsum(image.sum(axis)) / image.sum(), [0.05, 0.95]) for axis in (1, 0)])
    for a, b in zip(images, thick_pen):
        assert np.abs(box(a) - box(b)).max() <= 3        # the same place (its mass moves with the pen)
        assert np.corrcoef(a, b)[0, 1] > 0.6


def test_a_blank_image_stays_blank():
    assert not restroke(np.zeros((2, 784), np.float32), np.array([2.0, 2.0])).any()


def test_augmentation_redraws_the_share_asked_and_refuses_a_bad_share(images):
    x = images[:60].copy()
    Augmentation(max_shift=0, max_rotation=0, max_scale=0, restroke=1.0).retouch(x, np.random.default_rng(0))
    assert all(not np.allclose(a, b) for a, b in zip(x, images[:60]))
    with pytest.raises(ValueError, match="restroke"):
        Augmentation(restroke=1.5)


def test_pens_is_hands_with_half_the_digits_redrawn():
    import dataclasses
    from engine.data.augment import AUGMENTATIONS
    assert AUGMENTATIONS["pens"].restroke == 0.5 and AUGMENTATIONS["hands"].restroke == 0
    assert dataclasses.replace(AUGMENTATIONS["pens"], restroke=0.0) == AUGMENTATIONS["hands"]
