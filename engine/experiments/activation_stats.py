"""How the initial weights shape the activations of a deep network (book 6.2, figures 6-10 to 6-14):
1000 random inputs through five layers of 100 units, before any training."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.layers import ACTIVATIONS, Affine
from ..nn.network import Network

# The four starting points the book compares: (label, engine init scheme, std for "std").
INITIALISATIONS = (("std 1", "std", 1.0), ("std 0.01", "std", 0.01), ("Xavier", "xavier", 0.0), ("He", "he", 0.0))
# Where each activation's outputs live, for the histograms' x axis; ReLU's long tail is cut at 2.
VALUE_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 2.0)}


def activation_network(activation: str, init: str, std: float = 0.01, layers: int = 5, width: int = 100,
                       seed: int = 0) -> Network:
    """Affine-activation, `layers` times, `width` units each, no biases: the book's network of 6.2.2."""
    rng = np.random.default_rng(seed)
    stack = []
    for _ in range(layers):
        stack += [Affine(width, width, init, std, rng, bias=False), ACTIVATIONS[activation]()]
    return Network(stack, input_shape=(width,))


@dataclass
class LayerStats:
    layer: int                 # 1-based hidden layer
    values: np.ndarray         # every activation of this layer, (samples, width)
    counts: np.ndarray         # histogram counts over `edges` (for ReLU, of the non-zero values)
    edges: np.ndarray
    mean: float
    std: float
    zeros: float               # fraction of values exactly 0 (ReLU's switched-off units)
    outside: float             # fraction of values beyond the histogram's range


def activation_stats(activation: str, init: str, std: float = 0.01, samples: int = 1000, layers: int = 5,
                     width: int = 100, bins: int = 30, seed: int = 0) -> list[LayerStats]:
    """Each hidden layer's activations for `samples` standard-normal inputs, with their histograms.

    ReLU puts about half of its outputs at exactly 0; they are counted in `zeros`, not in the
    histogram, where their spike would flatten everything else."""
    net = activation_network(activation, init, std, layers, width, seed)
    x = np.random.default_rng([seed, 1]).standard_normal((samples, width)).astype(np.float32)
    outputs = net.activations(x)[1::2]       # the outputs of the activation layers, not of the Affines
    low, high = VALUE_RANGES[activation]
    stats = []
    for i, a in enumerate(outputs):
        zeros = float(np.mean(a == 0)) if activation == "relu" else 0.0
        counts, edges = np.histogram(a[a != 0] if activation == "relu" else a, bins=bins, range=(low, high))
        outside = 1.0 - zeros - counts.sum() / a.size
        stats.append(LayerStats(i + 1, a, counts, edges.astype(np.float64), float(a.mean()), float(a.std()), zeros,
                                max(outside, 0.0)))
    return stats
