"""Activation functions and their derivatives (book 3.2, 5.5), and why they must be non-linear: a
stack of linear layers is one linear layer (book 3.2.6)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.layers import ACTIVATIONS, Affine


def step_function(x: np.ndarray) -> np.ndarray:
    """The perceptron's activation (book 3.2.2): 1 where x > 0, else 0."""
    return np.array(x > 0, dtype=int)


def identity_function(x: np.ndarray) -> np.ndarray:
    """The output activation for regression (book 3.5.1): the input itself."""
    return x


@dataclass
class ActivationCurve:
    name: str
    y: np.ndarray           # h(x)
    dy: np.ndarray          # h'(x)


def activation_curves(x: np.ndarray) -> list[ActivationCurve]:
    """Step, sigmoid, ReLU, tanh and identity at x, each with its derivative. The three the networks
    use come from the engine's layers: the derivative is what their backward() gives for dout = 1."""
    x = np.asarray(x, dtype=np.float64)
    curves = [ActivationCurve("step", step_function(x).astype(np.float64), np.zeros_like(x))]  # 0 except at 0
    for key, name in (("sigmoid", "sigmoid"), ("relu", "ReLU"), ("tanh", "tanh")):
        layer = ACTIVATIONS[key]()
        y = layer.forward(x, train=True)
        curves.append(ActivationCurve(name, y, layer.backward(np.ones_like(x))))
    curves.append(ActivationCurve("identity", identity_function(x), np.ones_like(x)))
    return curves


@dataclass
class StackedLayers:
    x: np.ndarray           # the inputs, one number each
    y: np.ndarray           # the stack's outputs
    slope: float            # the one linear layer y = slope * x + intercept closest to the stack
    intercept: float
    deviation: float        # the largest distance of the stack's outputs from that line


def stacked_layers(activation: str, layers: int = 3, width: int = 8, seed: int = 0,
                   x: np.ndarray | None = None) -> StackedLayers:
    """A small network 1 -> width -> ... -> 1 with random weights and biases, `activation` between its
    layers ("identity" for none), run on numbers from -3 to 3.

    With the identity, y = ((x W1 + b1) W2 + b2) W3 + b3 = x (W1 W2 W3) + (b1 W2 W3 + b2 W3 + b3): one
    layer, a straight line, whatever the depth. The slope and intercept come from multiplying the
    weights out, so the deviation is 0 up to rounding; with a non-linear activation it is not."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-3, 3, 121) if x is None else np.asarray(x, dtype=np.float64)
    sizes = [1] + [width] * (layers - 1) + [1]
    stack = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        affine = Affine(n_in, n_out, "std", 2.0, rng, dtype=np.float64)
        affine.b.value[:] = rng.standard_normal(n_out)
        stack.append(affine)
    out = x.reshape(-1, 1)
    for i, affine in enumerate(stack):
        out = affine.forward(out)
        if i < len(stack) - 1 and activation != "identity":
            out = ACTIVATIONS[activation]().forward(out)
    y = out[:, 0]
    if activation == "identity":
        weight, bias = np.eye(1), np.zeros(1)
        for affine in stack:                      # (x W + b) W' + b' = x (W W') + (b W' + b')
            weight, bias = weight @ affine.W.value, bias @ affine.W.value + affine.b.value
        slope, intercept = float(weight[0, 0]), float(bias[0])
    else:
        slope, intercept = (float(v) for v in np.polyfit(x, y, 1))
    return StackedLayers(x, y, slope, intercept, float(np.max(np.abs(y - (slope * x + intercept)))))
