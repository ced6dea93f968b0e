"""Functions of two variables to watch optimizers on (book 6.1): the elongated bowl of figures 6-1 to
6-8, Rosenbrock's curved valley, and Himmelblau's four minima."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Surface:
    key: str
    title: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]               # works element-wise on arrays
    gradient: Callable[[float, float], tuple[float, float]]
    start: tuple[float, float]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    levels: tuple[float, ...]                                       # contour levels worth drawing
    minima: tuple[tuple[float, float], ...]
    steps: int                                                      # a good number of steps to watch
    learning_rates: dict[str, float]                                # per optimizer, a rate that shows its character
    about: str

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """xs (n,), ys (n,), and z[i, j] = f(xs[j], ys[i])."""
        xs = np.linspace(*self.x_range, n)
        ys = np.linspace(*self.y_range, n)
        return xs, ys, self.f(xs[None, :], ys[:, None])


def _bowl(x, y):
    return x ** 2 / 20.0 + y ** 2


def _bowl_gradient(x, y):
    return x / 10.0, 2.0 * y


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100.0 * (y - x ** 2) ** 2


def _rosenbrock_gradient(x, y):
    return -2.0 * (1 - x) - 400.0 * x * (y - x ** 2), 200.0 * (y - x ** 2)


def _himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def _himmelblau_gradient(x, y):
    a, b = x ** 2 + y - 11, x + y ** 2 - 7
    return 4 * a * x + 2 * b, 2 * a + 4 * b * y


SURFACES: dict[str, Surface] = {s.key: s for s in (
    Surface("bowl", "Elongated bowl  f(x, y) = x²/20 + y²", _bowl, _bowl_gradient,
            start=(-7.0, 2.0), x_range=(-10.0, 10.0), y_range=(-5.0, 5.0),
            levels=(0.05, 0.25, 0.6, 1.2, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0, 16.0), minima=((0.0, 0.0),), steps=30,
            # The book's rates (figure 6-8), and theirs for Nesterov and RMSProp in optimizer_compare_naive.py.
            learning_rates={"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5, "rmsprop": 0.1,
                            "adam": 0.3},
            about="Steep across (y), nearly flat along (x): the gradient points mostly across the valley, "
                  "so plain SGD zigzags while it crawls towards the minimum at (0, 0)."),
    Surface("rosenbrock", "Rosenbrock  f(x, y) = (1 − x)² + 100 (y − x²)²", _rosenbrock, _rosenbrock_gradient,
            start=(-1.5, 2.0), x_range=(-2.0, 2.0), y_range=(-1.0, 3.0),
            levels=tuple(float(v) for v in np.geomspace(0.03, 2000, 13)), minima=((1.0, 1.0),), steps=400,
            learning_rates={"sgd": 0.001, "momentum": 0.0005, "nesterov": 0.0005, "adagrad": 0.5,
                            "rmsprop": 0.05, "adam": 0.1},
            about="A narrow curved valley: easy to fall into, slow to follow to the minimum at (1, 1). "
                  "A classic test of optimizers."),
    Surface("himmelblau", "Himmelblau  f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
            _himmelblau, _himmelblau_gradient,
            start=(-0.3, -0.9), x_range=(-5.0, 5.0), y_range=(-5.0, 5.0),
            levels=tuple(float(v) for v in np.geomspace(0.5, 800, 12)),
            minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
            steps=150,
            learning_rates={"sgd": 0.01, "momentum": 0.002, "nesterov": 0.002, "adagrad": 0.5,
                            "rmsprop": 0.05, "adam": 0.1},
            about="Four valleys of equal depth. From the same start, different optimizers may end in "
                  "different minima: where you land depends on how you walk."),
)}
