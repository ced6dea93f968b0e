from __future__ import annotations

import numpy as np

from ..init import weight_std
from .base import Layer, Parameter, check_weight_count


class Affine(Layer):
    """y = x W + b (book 5.6.2)."""

    def __init__(self, n_in: int, n_out: int, init: str = "he", std: float = 0.01,
                 rng: np.random.Generator | None = None, bias: bool = True, dtype=np.float32):
        if n_in < 1 or n_out < 1:
            raise ValueError(f"an affine layer needs at least one input and one output, got {n_in} and {n_out}")
        check_weight_count(f"an affine layer {n_in}x{n_out}", n_in * n_out)
        rng = rng if rng is not None else np.random.default_rng()
        self.n_in, self.n_out = n_in, n_out
        w = rng.standard_normal((n_in, n_out)) * weight_std(init, n_in, std)
        self.W = Parameter(w.astype(dtype))
        # A layer followed by BatchNorm needs no bias: BatchNorm subtracts it again.
        self.b = Parameter(np.zeros(n_out, dtype=dtype), "b", decay=False) if bias else None
        self.x = None

    def forward(self, x, train=False):
        if train:
            self.x = x
        out = x @ self.W.value
        if self.b is not None:
            out += self.b.value
        return out

    def backward(self, dout):
        np.matmul(self.x.T, dout, out=self.W.grad)
        if self.b is not None:
            np.sum(dout, axis=0, out=self.b.grad)
        return dout @ self.W.value.T if self.input_grad else None

    def parameters(self):
        return [self.W] if self.b is None else [self.W, self.b]

    def config(self):
        return {"n_in": self.n_in, "n_out": self.n_out, "bias": self.b is not None}

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.n_in,):
            raise ValueError(f"Affine expects {self.n_in} inputs, gets {input_shape}")
        return (self.n_out,)
