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


def exponential_smoothing(values: np.ndarray, alpha: float, start: float | None = None) -> np.ndarray:
    """Exponential moving average, the usual way loss curves are smoothed; `start` continues an earlier one."""
    out = np.empty(len(values))
    level = values[0] if start is None and len(values) else start
    for i, v in enumerate(values):
        level = alpha * v + (1 - alpha) * level
        out[i] = level
    return out
