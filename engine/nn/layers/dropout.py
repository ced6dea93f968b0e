from __future__ import annotations

import numpy as np

from .base import Layer


class Dropout(Layer):
    """Randomly silences a fraction p of the units while training (book 6.4.3; Srivastava et al. 2014).

    Inverted dropout: survivors are scaled by 1/(1-p) while training, so inference is the identity."""

    def __init__(self, p: float = 0.5):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {p}")
        self.p = p
        self.rng = np.random.default_rng()  # the trainer hands each step its own generator
        self._mask = None

    def forward(self, x, train=False):
        if not train or self.p == 0.0:
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        self._mask = keep.astype(x.dtype)
        self._mask *= 1.0 / (1.0 - self.p)
        return x * self._mask

    def backward(self, dout):
        return dout * self._mask if self.p else dout

    def config(self):
        return {"p": self.p}
