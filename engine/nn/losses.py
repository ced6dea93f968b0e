"""Softmax and cross-entropy (book 3.5, 4.2, 5.6.3), numerically stable; and the book's two loss
functions of probabilities, as it writes them (4.2)."""
from __future__ import annotations

import numpy as np

# The book adds this inside the logarithm so that a probability of exactly 0 gives a large loss, not inf.
DELTA = 1e-7


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


def mean_squared_error(y, t) -> float:
    """The book's sum of squares error (4.2.1): half the sum of (y - t)² over every element."""
    y, t = np.asarray(y, dtype=np.float64), np.asarray(t, dtype=np.float64)
    if y.shape != t.shape:
        raise ValueError(f"y and t must have the same shape, got {y.shape} and {t.shape}")
    return float(0.5 * np.sum((y - t) ** 2))


def cross_entropy_error(y, t) -> float:
    """The book's cross-entropy error (4.2.2-4.2.4): -sum(t log(y + 1e-7)), averaged over a batch.

    y holds probabilities (a softmax's output), one row per sample or a single row. t holds either
    one-hot rows of y's shape or integer labels, one per row."""
    y, t = np.asarray(y, dtype=np.float64), np.asarray(t)
    if y.ndim == 1:       # one sample: a batch of one
        t = t.reshape(1, -1) if t.size == y.size > 1 else t.reshape(1)
        y = y.reshape(1, -1)
    batch = y.shape[0]
    if t.shape == y.shape:
        return float(-np.sum(t * np.log(y + DELTA)) / batch)
    if t.shape != (batch,) or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"t must be one-hot rows of shape {y.shape} or {batch} integer labels, got shape {t.shape}")
    if t.min() < 0 or t.max() >= y.shape[1]:
        raise ValueError(f"labels must lie in 0..{y.shape[1] - 1}, got {t.min()}..{t.max()}")
    return float(-np.sum(np.log(y[np.arange(batch), t] + DELTA)) / batch)
