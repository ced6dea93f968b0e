"""Update rules written with their scratch arrays kept and every operation in place: the same
arithmetic as engine/nn/optimizers.py, without allocating a temporary per operation."""
from __future__ import annotations

import math

import numpy as np

from ..nn.optimizers import Adam, Optimizer


class FusedAdam(Adam):
    """Adam's update in place. With s = sqrt(1 - beta2^t), Algorithm 1's
    m_hat / (sqrt(v_hat) + eps) is s / (1 - beta1^t) * m / (sqrt(v) + eps * s), the same number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scratch: dict[int, np.ndarray] = {}

    def update(self, w, g, m, v):
        tmp = self._scratch.get(id(w))
        if tmp is None or tmp.shape != w.shape:
            tmp = self._scratch[id(w)] = np.empty_like(w)
        b1, b2, t = self.beta1, self.beta2, self.t
        s = math.sqrt(1 - b2 ** t)
        np.subtract(g, m, out=tmp)      # m += (1 - b1) * (g - m)
        tmp *= 1 - b1
        m += tmp
        np.multiply(g, g, out=tmp)      # v += (1 - b2) * (g * g - v)
        tmp -= v
        tmp *= 1 - b2
        v += tmp
        np.sqrt(v, out=tmp)             # w -= lr * s / (1 - b1^t) * m / (sqrt(v) + eps * s)
        tmp += self.eps * s
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr * s / (1 - b1 ** t)
        w -= tmp


FUSED: dict[type[Optimizer], type[Optimizer]] = {Adam: FusedAdam}


def fused(optimizer: Optimizer) -> Optimizer:
    """The fused twin of an optimizer, on the same parameters and the same state (the very arrays),
    or the optimizer itself if its rule has none."""
    cls = FUSED.get(type(optimizer))
    if cls is None:
        return optimizer
    twin = cls.__new__(cls)
    twin.__dict__.update(vars(optimizer))
    twin._scratch = {}
    return twin
