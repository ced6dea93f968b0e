"""Softmax and cross-entropy (book 3.5, 4.2, 5.6.3), numerically stable."""
from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    # Subtracting the row maximum keeps exp() from overflowing; working in logs means a
    # probability that underflows to 0 never reaches log(0).
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of integer labels under softmax(logits)."""
    logp = log_softmax(logits)
    return float(-logp[np.arange(len(labels)), labels].mean())


class SoftmaxCrossEntropy:
    """Softmax-with-loss (book 5.6.3): forward gives the mean loss, backward the logits' gradient.

    With label smoothing e (Szegedy et al. 2016, arXiv:1512.00567) the target is 1 - e on the label
    and e / classes spread over every class, so the network is never pushed to infinite confidence."""

    def __init__(self, smoothing: float = 0.0):
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"label smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = smoothing
        self._probs = self._labels = None

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        logp = log_softmax(logits)
        self._probs = np.exp(logp)
        self._labels = labels
        picked = -logp[np.arange(len(labels)), labels].mean(dtype=np.float64)
        if not self.smoothing:
            return float(picked)
        spread = -logp.mean(axis=1, dtype=np.float64).mean()
        return float((1 - self.smoothing) * picked + self.smoothing * spread)

    def backward(self) -> np.ndarray:
        """The gradient of the mean loss with respect to the logits: (softmax(x) - target) / N."""
        n, e = len(self._labels), self.smoothing
        grad = self._probs - e / self._probs.shape[1] if e else self._probs.copy()
        grad[np.arange(n), self._labels] -= 1 - e
        grad /= n
        return grad
