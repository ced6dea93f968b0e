"""Backprop checked against numerical gradients (book 5.7), for one layer or a whole network."""
from __future__ import annotations

import numpy as np

from .layers import Layer
from .network import Network
from .numerical import numerical_gradient


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """|a-b| / (|a|+|b|) in the Euclidean norm: scale-free, and 0 when both are zero."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def check_layer(layer: Layer, x: np.ndarray, seed: int = 0, h: float = 1e-5) -> dict[str, float]:
    """Backprop against numerical gradients for a layer, through the loss sum(out * r) with a
    fixed random r. Returns the relative error for the input ("x") and each parameter ("param0"...)."""
    # Its own stream: r must not happen to equal x (for BatchNorm, r = x makes the gradient vanish).
    r = np.random.default_rng([seed, 0x6AD]).standard_normal(layer.forward(x, train=True).shape)

    def loss(_) -> float:     # reads the nudged x or parameter where it lies
        return float(np.sum(layer.forward(x, train=True) * r))

    layer.forward(x, train=True)
    dx = layer.backward(r.astype(x.dtype))
    errors = {}
    if dx is not None:
        errors["x"] = relative_error(dx, numerical_gradient(loss, x, h))
    for i, p in enumerate(layer.parameters()):
        layer.forward(x, train=True)
        layer.backward(r.astype(x.dtype))
        analytic = p.grad.copy()
        errors[f"param{i}"] = relative_error(analytic, numerical_gradient(loss, p.value, h))
    return errors


def check_network(net: Network, x: np.ndarray, labels: np.ndarray, h: float = 1e-5,
                  max_entries: int | None = None, seed: int = 0) -> list[tuple[str, float]]:
    """(name, relative error) for every parameter of a network, on one batch, in training mode.

    With max_entries, only that many randomly chosen entries of each parameter are compared,
    which keeps the check quick on large layers. Dropout draws the same mask at every evaluation."""
    def loss(_) -> float:
        net.set_rng(np.random.default_rng(seed))
        return net.loss(x, labels, train=True)

    net.set_rng(np.random.default_rng(seed))
    net.gradient(x, labels)
    pick_rng = np.random.default_rng(seed)
    results = []
    for li, layer in enumerate(net.layers):
        for p in layer.parameters():
            analytic = p.grad.reshape(-1).copy()
            flat = p.value.reshape(-1)
            picks = np.arange(flat.size)
            if max_entries is not None and flat.size > max_entries:
                picks = pick_rng.choice(flat.size, max_entries, replace=False)
            # Each picked entry as a one-element view, which numerical_gradient nudges in place.
            numeric = np.array([numerical_gradient(loss, flat[j:j + 1], h)[0] for j in picks])
            results.append((f"{li}:{type(layer).__name__}.{p.name}", relative_error(analytic[picks], numeric)))
    return results
