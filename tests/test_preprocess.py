"""Preprocessing: the MNIST recipe, invariance to where and how large a digit is drawn, polarity."""
import numpy as np
import pytest

from engine.data.preprocess import mnist_image, to_gray, to_mnist


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.test_images[:30].reshape(-1, 28, 28).astype(np.float64) / 255.0


def place(digit28, scale, top, left, canvas=(400, 400), paper=1.0):
    """Draw an MNIST digit scaled `scale` times into a large canvas, dark on light paper by default."""
    big = np.kron(digit28, np.ones((scale, scale)))
    image = np.zeros(canvas) if paper == 0.0 else np.full(canvas, paper)
    region = image[top:top + big.shape[0], left:left + big.shape[1]]
    region[...] = big if paper == 0.0 else paper - big * paper
    return image


def close(a, b):
    return np.abs(a - b).mean() < 0.02 and np.corrcoef(a, b)[0, 1] > 0.97


def test_small_large_and_off_centre_digits_give_nearly_the_same_vector(digits):
    for digit in digits:
        reference = to_mnist(place(digit, 10, 60, 60)).vector
        for variant in (place(digit, 3, 5, 300), place(digit, 13, 30, 20), place(digit, 6, 230, 10)):
            assert close(to_mnist(variant).vector, reference)


def test_polarity_is_detected_from_the_border(digits):
    for digit in digits[:10]:
        dark_on_light = to_mnist(place(digit, 8, 50, 80, paper=1.0)).vector
        light_on_dark = to_mnist(place(digit, 8, 50, 80, paper=0.0)).vector
        grey_paper = to_mnist(place(digit, 8, 50, 80, paper=0.8)).vector
        np.testing.assert_allclose(dark_on_light, light_on_dark, atol=1e-6)
        assert close(grey_paper, dark_on_light)


def test_result_follows_the_mnist_recipe(digits):
    for digit in digits:
        field = to_mnist(place(digit, 7, 100, 40)).image()
        assert field.dtype == np.float32 and field.min() >= 0 and field.max() == pytest.approx(1.0)
        rows, cols = np.nonzero(field > 0.02)
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert max(height, width) in (20, 21, 22)      # the longer side fills the 20-pixel box
        ys, xs = np.mgrid[0:28, 0:28] + 0.5
        cy, cx = (field * ys).sum() / field.sum(), (field * xs).sum() / field.sum()
        assert abs(cy - 14) < 0.3 and abs(cx - 14) < 0.3   # centre of mass in the middle


def test_aspect_ratio_is_kept():
    bar = np.zeros((300, 300))
    bar[50:250, 140:160] = 1.0                          # a 200 x 20 stroke, like a "1"
    field = to_mnist(bar).image()
    rows, cols = np.nonzero(field > 0.5)
    assert rows.max() - rows.min() + 1 == 20
    assert cols.max() - cols.min() + 1 <= 3


def test_blank_images_are_blank():
    assert to_mnist(np.ones((100, 100))).blank
    assert to_mnist(np.zeros((28, 28), np.uint8)).blank
    noisy = 0.9 + 0.03 * np.random.default_rng(0).random((200, 200))   # paper texture, no ink
    assert to_mnist(noisy).blank
    assert not to_mnist(place(np.eye(28), 4, 10, 10)).blank


def test_colour_and_alpha_images():
    rgb = np.full((120, 120, 3), 255, np.uint8)
    rgb[30:90, 55:65] = (20, 20, 200)                   # blue ink on white
    rgba = np.zeros((120, 120, 4), np.uint8)            # black ink on a transparent background
    rgba[30:90, 55:65] = (0, 0, 0, 255)
    assert not to_mnist(rgb).blank
    np.testing.assert_allclose(to_gray(rgba)[0, 0], 1.0)  # transparent counts as white paper
    assert close(to_mnist(rgb).vector, to_mnist(rgba).vector)


def test_mnist_images_survive_preprocessing(mnist, digits):
    """Re-preprocessing a real MNIST digit changes it only a little."""
    for digit in digits:
        again = to_mnist(digit).vector
        assert np.abs(again - digit.reshape(-1)).mean() < 0.1


def test_mnist_image_round_trip():
    v = np.linspace(0, 1, 784, dtype=np.float32)
    img = mnist_image(v)
    assert img.shape == (28, 28) and img.dtype == np.uint8 and img.max() == 255


def test_bad_arrays_raise_value_error():
    with pytest.raises(ValueError):
        to_mnist(np.zeros(10))
