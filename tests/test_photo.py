"""Pictures of digits: a clean drawing's ink is left as it was; a photo of paper (uneven light, grey
ink, noise, specks) gives nearly the clean digit; specks and a second digit are told apart."""
import numpy as np
import pytest

from engine.data import ink_groups
from engine.data.photo import find_digit, otsu, pixel_block
from engine.data.preprocess import mnist_field, to_mnist
from tests.test_preprocess import close, place


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.test_images[:20].reshape(-1, 28, 28).astype(np.float64) / 255.0


def plain_recipe(gray):
    """What the preprocessing gave before pictures were read: ink against the border's median,
    scaled to its peak, cut at the 8% floor, then the MNIST recipe."""
    strength = 1.0 - gray
    strength = strength / strength.max()
    strength[strength < 0.08] = 0.0
    return mnist_field(strength)


def photographed(image, rng, noise=0.03):
    """A dark-on-light picture as a phone photo of paper: grey, lit unevenly, grey ink, noise."""
    h, w = image.shape
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    paper = 0.62 + 0.25 * xx - 0.12 * yy          # light falling off across the sheet
    ink_depth = 0.55                                # grey ink: it darkens the paper by this share
    out = paper * (1 - ink_depth * (1 - image)) + rng.normal(0, noise, image.shape)
    return np.clip(out, 0, 1)


def test_a_clean_drawing_gives_what_the_plain_recipe_gives(digits):
    for digit in digits:
        image = place(digit, 10, 60, 60)
        np.testing.assert_allclose(to_mnist(image).vector, plain_recipe(image), atol=1e-6)


def test_a_photo_of_paper_gives_nearly_the_clean_digit_and_the_same_reading(digits):
    from engine.storage.model_file import load_model
    from engine.storage.paths import bundled_model
    network = load_model(bundled_model()).network
    rng = np.random.default_rng(0)
    clean = [to_mnist(place(digit, 10, 60, 60)).vector for digit in digits]
    photos = [to_mnist(photographed(place(digit, 10, 60, 60), rng)).vector for digit in digits]
    for a, b in zip(photos, clean):
        assert np.abs(a - b).mean() < 0.03 and np.corrcoef(a, b)[0, 1] > 0.97
    np.testing.assert_array_equal(network.predict(np.stack(photos)), network.predict(np.stack(clean)))


def test_specks_and_dirt_away_from_the_digit_are_left_out(digits):
    rng = np.random.default_rng(1)
    for digit in digits[:10]:
        clean = place(digit, 8, 120, 120)
        dirty = clean.copy()
        for y, x in rng.integers(5, 395, (12, 2)):
            if not (100 < y < 370 and 100 < x < 370):
                dirty[y:y + 4, x:x + 4] = 0.0       # specks of ink far from the digit
        assert close(to_mnist(dirty).vector, to_mnist(clean).vector)


def test_two_digits_side_by_side_are_counted(digits):
    pair = np.ones((300, 600))
    pair[:] = np.minimum(place(digits[0], 9, 20, 20, canvas=(300, 600)), place(digits[1], 9, 20, 330, canvas=(300, 600)))
    found = find_digit(pair)
    assert found is not None and found.digits == 2
    assert to_mnist(place(digits[0], 9, 20, 20)).digits == 1


def test_a_five_with_a_separate_top_bar_is_one_digit():
    image = np.ones((200, 200))
    image[60:66, 80:130] = 0.0                       # the bar, not touching the body
    image[72:130, 80:86] = 0.0                       # the body: down, then round
    image[100:106, 80:125] = 0.0
    image[100:150, 120:126] = 0.0
    image[145:151, 80:125] = 0.0
    processed = to_mnist(image)
    assert processed.digits == 1
    assert processed.vector[:28 * 6].sum() > 0       # the bar is kept with the body


def test_otsu_splits_two_levels():
    values = np.concatenate([np.full(500, 0.2), np.full(300, 0.7)])
    assert 0.2 < otsu(values) <= 0.7


def test_an_enlarged_small_picture_is_read_at_its_own_pixels():
    small = np.random.default_rng(2).random((8, 8))
    assert pixel_block(np.kron(small, np.ones((8, 8)))) == 8
    assert pixel_block(small) == 1


def test_pieces_are_found_eight_connected():
    mask = np.zeros((6, 6), bool)
    mask[0, 0] = mask[1, 1] = True                   # touching diagonally: one piece
    mask[4, 4:6] = True
    found = ink_groups.pieces(mask, mask.astype(float))
    assert sorted(found.area.tolist()) == [2, 2]
    assert ink_groups.pieces(np.zeros((4, 4), bool), np.zeros((4, 4))).area.size == 0


def test_a_drawing_keeps_a_stroke_drawn_apart_but_not_a_second_digit(digits):
    six = np.ones((300, 300))
    six[20:90, 140:150] = 0.0                        # a stem, drawn apart above the loop
    yy, xx = np.mgrid[0:300, 0:300]
    ring = np.abs(np.hypot(yy - 200, xx - 150) - 60) < 6
    six[ring] = 0.0

    def height_by_width(processed):
        rows, cols = np.nonzero(processed.image() > 0.3)
        return (np.ptp(rows) + 1) / (np.ptp(cols) + 1)
    assert height_by_width(to_mnist(six)) < 1.1                 # a picture: the stem is taken for dirt
    assert height_by_width(to_mnist(six, drawing=True)) > 1.5   # a drawing: every stroke was meant
    pair = np.minimum(place(digits[0], 9, 20, 20, canvas=(300, 600)), place(digits[1], 9, 20, 330, canvas=(300, 600)))
    np.testing.assert_array_equal(to_mnist(pair, drawing=True).vector, to_mnist(pair).vector)
    assert to_mnist(pair, drawing=True).digits == 2
