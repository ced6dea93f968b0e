"""Softmax and its overflow (book 3.5.2): exp(1010) is inf in float64, and inf / inf is nan;
subtracting the largest score first changes nothing mathematically and keeps exp() in range."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.losses import softmax

NOTES_SCORES = (1010.0, 1000.0, 990.0)


def naive_softmax(a: np.ndarray) -> np.ndarray:
    """The book's first softmax, exp(a) / sum(exp(a)), which overflows for large scores."""
    with np.errstate(over="ignore", invalid="ignore"):
        exp_a = np.exp(a)
        return exp_a / np.sum(exp_a)


@dataclass
class SoftmaxComparison:
    scores: np.ndarray
    exp: np.ndarray          # exp(a): inf once a score passes about 709.78
    naive: np.ndarray
    shifted: np.ndarray      # a - max(a)
    stable: np.ndarray       # the engine's softmax

    @property
    def exp_shifted(self) -> np.ndarray:
        """exp(a - max(a)): at most 1, so never inf."""
        return np.exp(self.shifted)


def compare_softmax(scores) -> SoftmaxComparison:
    a = np.asarray(scores, dtype=np.float64)
    with np.errstate(over="ignore"):
        exp = np.exp(a)
    return SoftmaxComparison(a, exp, naive_softmax(a), a - a.max(), softmax(a))
