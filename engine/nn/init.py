"""Weight initialisation (book 6.2): the standard deviation of the initial weights."""
from __future__ import annotations

import math

SCHEMES = ("he", "xavier", "std")


def weight_std(scheme: str, fan_in: int, std: float = 0.01) -> float:
    """He (sqrt(2/n), for ReLU), Xavier (sqrt(1/n), for sigmoid and tanh) or a fixed std."""
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    if scheme == "xavier":
        return math.sqrt(1.0 / fan_in)
    if scheme == "std":
        return std
    raise ValueError(f"unknown initialisation {scheme!r}; choose one of {', '.join(SCHEMES)}")
