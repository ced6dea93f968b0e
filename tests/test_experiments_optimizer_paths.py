"""The optimizer playground's paths: the engine's own update rules, step by step, on exact gradients."""
import numpy as np
import pytest

from engine.experiments.optimizer_paths import optimizer_path, optimizer_paths
from engine.experiments.surfaces import SURFACES
from engine.nn.numerical import numerical_gradient
from engine.nn.layers import Parameter
from engine.nn.optimizers import OPTIMIZERS


def by_hand(surface, name, lr, steps, start):
    p = Parameter(np.array(start, dtype=np.float64))
    opt = OPTIMIZERS[name]([p], lr=lr)
    points = [p.value.copy()]
    for _ in range(steps):
        p.grad[:] = surface.gradient(*p.value)
        opt.step()
        points.append(p.value.copy())
    return np.array(points)


@pytest.mark.parametrize("surface", SURFACES.values(), ids=list(SURFACES))
def test_every_path_is_the_engine_optimizer_stepped_by_hand(surface):
    paths = optimizer_paths(surface, surface.learning_rates, surface.steps)
    assert set(paths) == set(OPTIMIZERS)
    for name, path in paths.items():
        assert not path.diverged and path.steps == surface.steps
        np.testing.assert_array_equal(path.points, by_hand(surface, name, surface.learning_rates[name],
                                                           surface.steps, surface.start))
        np.testing.assert_allclose(path.values, surface.f(path.points[:, 0], path.points[:, 1]))


def test_sgd_on_the_bowl_follows_the_closed_form():
    """On x²/20 + y², SGD multiplies x by (1 - lr/10) and y by (1 - 2 lr) at every step."""
    lr, steps = 0.95, 30
    path = optimizer_path(SURFACES["bowl"], "sgd", lr, steps)
    k = np.arange(steps + 1)
    np.testing.assert_allclose(path.points[:, 0], -7.0 * (1 - lr / 10) ** k)
    np.testing.assert_allclose(path.points[:, 1], 2.0 * (1 - 2 * lr) ** k, atol=1e-12)


@pytest.mark.parametrize("surface", SURFACES.values(), ids=list(SURFACES))
def test_surface_gradients_are_right(surface, rng):
    for _ in range(5):
        xy = np.array([rng.uniform(*surface.x_range), rng.uniform(*surface.y_range)])
        numeric = numerical_gradient(lambda xy: float(surface.f(xy[0], xy[1])), xy, h=1e-6)
        np.testing.assert_allclose(surface.gradient(*xy), numeric, rtol=1e-5, atol=1e-5)
    for minimum in surface.minima:
        assert surface.f(*minimum) == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(surface.gradient(*minimum), 0.0, atol=1e-4)


def test_the_paths_start_where_asked_and_show_the_books_picture():
    paths = optimizer_paths(SURFACES["bowl"], SURFACES["bowl"].learning_rates, 30, start=(3.0, -1.0))
    for path in paths.values():
        np.testing.assert_array_equal(path.points[0], [3.0, -1.0])
    book = optimizer_paths(SURFACES["bowl"], SURFACES["bowl"].learning_rates, 30)
    sgd_y = book["sgd"].points[:, 1]
    assert np.all(np.sign(sgd_y[1:6]) == -np.sign(sgd_y[:5]))          # SGD zigzags across the valley
    assert all(p.values[-1] < 0.05 * p.values[0] for p in book.values())  # and everyone gets near the minimum


def test_a_diverging_path_stops_with_finite_points():
    path = optimizer_path(SURFACES["bowl"], "sgd", 2.0, 500)   # y is multiplied by -3 at every step
    assert path.diverged and path.steps < 500
    assert np.all(np.isfinite(path.points)) and np.abs(path.points).max() <= 1e6
