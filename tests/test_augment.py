import numpy as np

from engine.data.augment import Augmentation, inverse_maps, warp


def test_no_change_when_every_range_is_zero(mnist):
    x = mnist.train_images[:50].astype(np.float32) / 255
    np.testing.assert_allclose(Augmentation(0, 0, 0)(x, np.random.default_rng(0)), x, atol=1e-6)


def test_shift_moves_the_digit(mnist):
    x = mnist.train_images[:200].astype(np.float32) / 255
    y = Augmentation()(x, np.random.default_rng(0))
    assert y.shape == x.shape and y.dtype == np.float32
    assert 0 <= y.min() and y.max() <= 1
    changed = np.abs(y - x).mean(axis=1)
    assert np.all(changed > 0.005)                              # every image moved
    mass_ratio = y.sum(axis=1) / x.sum(axis=1)
    assert np.all((mass_ratio > 0.6) & (mass_ratio < 1.5))      # but no digit vanished or smeared


def test_each_image_gets_its_own_transform(mnist):
    x = np.repeat(mnist.train_images[:1].astype(np.float32) / 255, 10, axis=0)
    y = Augmentation()(x, np.random.default_rng(1))
    assert len({row.tobytes() for row in y}) == 10


def test_a_pure_shift_of_whole_pixels_is_exact():
    x = np.zeros((1, 784), np.float32)
    x[0, 14 * 28 + 14] = 1.0

    class Fixed:   # a generator that always returns the upper end of each range
        def uniform(self, low, high, size):
            return np.full(size, high, dtype=float)
    y = Augmentation(max_shift=2.0, max_rotation=0.0, max_scale=0.0)(x, Fixed())
    assert y.reshape(28, 28)[16, 16] == 1.0 and y.sum() == 1.0


def reference_resample(image: np.ndarray, angle: float, scale: float, shift: np.ndarray) -> np.ndarray:
    """Bilinear sampling of one 28x28 image through the inverse map, pixel by pixel, zero outside."""
    out, c = np.zeros((28, 28)), 13.5
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale

    def pixel(r, q):
        return image[r, q] if 0 <= r < 28 and 0 <= q < 28 else 0.0
    for v in range(28):
        for u in range(28):
            x = cos * (u - c - shift[0]) + sin * (v - c - shift[1]) + c
            y = -sin * (u - c - shift[0]) + cos * (v - c - shift[1]) + c
            x0, y0 = int(np.floor(x)), int(np.floor(y))
            fx, fy = x - x0, y - y0
            top = pixel(y0, x0) * (1 - fx) + pixel(y0, x0 + 1) * fx
            bottom = pixel(y0 + 1, x0) * (1 - fx) + pixel(y0 + 1, x0 + 1) * fx
            out[v, u] = top * (1 - fy) + bottom * fy
    return out.reshape(-1)


def test_the_farthest_maps_match_plain_bilinear_sampling():
    """Every corner of the parameter ranges (the smallest scale reaches farthest), on images with
    ink up to the edges: the vectorised resampling agrees with a pixel-by-pixel one."""
    params = Augmentation()
    rng = np.random.default_rng(0)
    corners = [(a, s, (dx, dy)) for a in (-1, 1) for s in (-1, 1) for dx in (-1, 1) for dy in (-1, 1)]
    images = rng.random((len(corners), 784)).astype(np.float32)
    angle = np.radians([a * params.max_rotation for a, _, _ in corners])
    scale = np.array([1 + s * params.max_scale for _, s, _ in corners])
    shift = np.array([[dx * params.max_shift, dy * params.max_shift] for _, _, (dx, dy) in corners])
    got = warp(images, inverse_maps(angle, scale, shift))
    for i in range(len(corners)):
        expected = reference_resample(images[i].reshape(28, 28), angle[i], scale[i], shift[i])
        np.testing.assert_allclose(got[i], expected, atol=2e-5)
