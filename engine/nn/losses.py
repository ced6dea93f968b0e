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
    """Softmax-with-loss (book 5.6.3): forward gives the mean loss, backward the logits' gradient."""

    def __init__(self):
        self._probs = self._labels = None

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        logp = log_softmax(logits)
        self._probs = np.exp(logp)
        self._labels = labels
        return float(-logp[np.arange(len(labels)), labels].mean(dtype=np.float64))

    def backward(self) -> np.ndarray:
        """The gradient of the mean loss with respect to the logits: (softmax(x) - onehot(t)) / N."""
        n = len(self._labels)
        grad = self._probs.copy()
        grad[np.arange(n), self._labels] -= 1
        grad /= n
        return grad
