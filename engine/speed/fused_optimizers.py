"""Adam's update in place over one flat buffer: the arithmetic of engine/nn/optimizers.py's Adam,
without a temporary array per operation and without a round of NumPy calls per parameter.

fused() moves the parameters' values and gradients, and Adam's m and v, into flat buffers, and makes
each Parameter's arrays and each state array a view into them; the network, the optimizer's
state_arrays() and the model file see the same numbers as before."""
from __future__ import annotations

import math

import numpy as np

from ..nn.layers import Parameter
from ..nn.optimizers import FLUSH_EVERY, Adam, Optimizer


def flatten(arrays: list[np.ndarray], dtype) -> tuple[np.ndarray, list[np.ndarray]]:
    """One flat buffer holding `arrays` one after the other, and a view of it shaped like each."""
    flat = np.empty(sum(a.size for a in arrays), dtype=dtype)
    views, start = [], 0
    for a in arrays:
        view = flat[start:start + a.size].reshape(a.shape)
        view[...] = a
        views.append(view)
        start += a.size
    return flat, views


class FusedAdam(Adam):
    """With s = sqrt(1 - beta2^t), Algorithm 1's m_hat / (sqrt(v_hat) + eps) is
    s / (1 - beta1^t) * m / (sqrt(v) + eps * s): the same number in fewer passes."""

    def __init__(self, params: list[Parameter], lr: float, **hyperparameters):
        super().__init__(params, lr, **hyperparameters)
        self._gather()

    def _gather(self) -> None:
        dtype = np.result_type(*(p.value.dtype for p in self.params)) if self.params else np.float32
        self.values, views = flatten([p.value for p in self.params], dtype)
        self.grads, grads = flatten([p.grad for p in self.params], dtype)
        for p, value, grad in zip(self.params, views, grads):
            p.value, p.grad = value, grad
        self.m, self.state["m"] = flatten(self.state["m"], dtype)
        self.v, self.state["v"] = flatten(self.state["v"], dtype)
        self.decayed = np.concatenate([np.full(p.value.size, p.decay) for p in self.params]) if self.params else None
        self.tmp = np.empty_like(self.values)

    def step(self) -> None:
        self.t += 1
        g = self.grads
        if self.weight_decay:
            g = g + self.weight_decay * self.values * self.decayed
        b1, b2, t, tmp, m, v = self.beta1, self.beta2, self.t, self.tmp, self.m, self.v
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
        self.values -= tmp
        if self.t % FLUSH_EVERY == 0:
            for array in (m, v):
                array[np.abs(array) < np.finfo(array.dtype).tiny] = 0


def fused(optimizer: Optimizer) -> Optimizer:
    """The fused twin of an optimizer, on the same parameters, state and step count, or the
    optimizer itself if its rule has none."""
    if type(optimizer) is not Adam:
        return optimizer
    twin = FusedAdam.__new__(FusedAdam)
    twin.__dict__.update(vars(optimizer))
    twin._gather()
    return twin
