"""A growing NumPy buffer for plot data: appends are amortised O(1), reads are views."""
from __future__ import annotations

import numpy as np


class SeriesBuffer:
    def __init__(self, columns: int = 2, capacity: int = 1024):
        self._data = np.empty((capacity, columns), dtype=np.float64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self._data.shape[1])
        needed = self._size + len(rows)
        if needed > len(self._data):
            grown = np.empty((max(needed, 2 * len(self._data)), self._data.shape[1]))
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:needed] = rows
        self._size = needed

    def column(self, i: int) -> np.ndarray:
        return self._data[:self._size, i]

    def clear(self) -> None:
        self._size = 0


class Smoother:
    """Exponential moving average with bias correction (as in Adam, or TensorBoard's smoothing):
    the average starts at 0 and is divided by 1 - (1 - alpha)^n, so the first points are not
    dragged towards wherever the curve began."""

    def __init__(self, alpha: float):
        self.alpha = alpha
        self._level = 0.0
        self._count = 0

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values))
        keep = 1.0 - self.alpha
        for i, v in enumerate(values):
            self._level = keep * self._level + self.alpha * v
            self._count += 1
            out[i] = self._level / (1.0 - keep ** self._count)
        return out
