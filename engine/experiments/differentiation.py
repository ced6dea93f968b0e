"""Numerical differentiation and gradient descent on the book's two functions (4.3-4.4): the
derivative of 0.01x² + 0.1x and its tangent lines, what too small an h does, the gradient field of
x0² + x1² (figure 4-9), and gradient descent on it from (-3, 4) (figure 4-10)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.numerical import gradient_descent, numerical_diff, numerical_gradient

DESCENT_START = (-3.0, 4.0)


def function_1(x):
    """y = 0.01x² + 0.1x (book 4.3.2)."""
    return 0.01 * x ** 2 + 0.1 * x


def function_1_derivative(x):
    return 0.02 * x + 0.1


def function_2(x: np.ndarray) -> float:
    """f(x0, x1) = x0² + x1² (book 4.3.3); its gradient is (2 x0, 2 x1)."""
    return x[0] ** 2 + x[1] ** 2


def tangent_line(f, x: float) -> tuple[float, float]:
    """(slope, intercept) of the tangent of f at x, the slope by numerical_diff (book 4.3.2)."""
    slope = numerical_diff(f, x)
    return slope, f(x) - slope * x


def forward_difference(f, x, h):
    """(f(x+h) - f(x)) / h: the book's first, "bad" derivative (4.3.1)."""
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    """(f(x+h) - f(x-h)) / 2h, as numerical_diff computes it, for any h and dtype."""
    return (f(x + h) - f(x - h)) / (2 * h)


@dataclass
class DifferenceEstimate:
    h: float                 # the h asked for
    h_used: float            # h as the dtype holds it (float32 rounds 1e-50 to 0)
    forward: float
    central: float
    exact: float

    @property
    def forward_error(self) -> float:
        return abs(self.forward - self.exact)

    @property
    def central_error(self) -> float:
        return abs(self.central - self.exact)


def estimate(x: float, h: float, dtype=np.float64) -> DifferenceEstimate:
    """Both differences of function_1 at x, computed entirely in `dtype`."""
    xd, hd = dtype(x), dtype(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        forward = forward_difference(function_1, xd, hd)
        central = central_difference(function_1, xd, hd)
    return DifferenceEstimate(h, float(hd), float(forward), float(central), float(function_1_derivative(x)))


def estimates_over_h(x: float, exponents=range(0, -51, -1), dtype=np.float64) -> list[DifferenceEstimate]:
    """The estimates at h = 10^k for each exponent k: the error falls with h, then rounding takes over."""
    return [estimate(x, 10.0 ** k, dtype) for k in exponents]


def gradient_field(xs: np.ndarray, ys: np.ndarray, f=function_2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (x0, x1) of the grid and the numerical gradient of f at each, as arrays (points, 2)."""
    x0, x1 = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    points = np.column_stack([x0.ravel(), x1.ravel()])
    gradients = np.array([numerical_gradient(f, point.copy()) for point in points])
    return points, gradients, f(points.T)


def descent_path(init_x=DESCENT_START, lr: float = 0.1, step_num: int = 20, f=function_2) -> np.ndarray:
    """Every point of gradient_descent(f, init_x, lr, step_num), the start first and the end last."""
    history: list[np.ndarray] = []
    last = gradient_descent(f, init_x, lr, step_num, history)
    return np.array(history + [last]).reshape(step_num + 1, -1)
