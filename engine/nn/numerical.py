"""Numerical differentiation (book 4.3-4.4): the derivative, the gradient and gradient descent, the
slow simple way that backprop is checked against (book 5.7)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_diff(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """df/dx at x by the central difference (f(x+h) - f(x-h)) / 2h (book 4.3.1). h = 1e-4: much
    smaller and the rounding of f's values swamps the difference."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The gradient of f at x, for an x of any shape, by central differences (book 4.4).

    As in the book, each element of x is nudged in place by ±h, f(x) is called, and the element is
    put back; f may also ignore its argument and read x (a network's weights) itself."""
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient needs an array of floats to nudge, got {x.dtype} "
                        f"(write 3.0 rather than 3)")
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = float(original) + h
        f_plus = f(x)
        x[idx] = float(original) - h
        f_minus = f(x)
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_descent(f: Callable[[np.ndarray], float], init_x, lr: float = 0.01, step_num: int = 100,
                     history: list[np.ndarray] | None = None) -> np.ndarray:
    """step_num steps of x <- x - lr * grad f(x) from init_x; returns the last x (book 4.4.1).

    Unlike the book's, it leaves init_x as it was. With a `history` list, each x before its step is
    appended to it (the book's x_history)."""
    x = np.array(init_x, dtype=np.float64)
    for _ in range(step_num):
        if history is not None:
            history.append(x.copy())
        x -= lr * numerical_gradient(f, x)
    return x
