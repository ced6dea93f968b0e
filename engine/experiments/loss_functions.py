"""The book's two loss functions on a prediction (4.2), and why a network learns from a loss and not
from its accuracy (4.2.5): nudge one weight and the accuracy stays put, so its derivative is 0
almost everywhere, while the loss moves smoothly and says which way to go."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.layers import Affine
from ..nn.losses import cross_entropy_error, mean_squared_error, softmax
from ..nn.network import Network
from ..nn.numerical import numerical_diff

# The notes' prediction (4.2.1): the network thinks "2" most likely; the label is 2.
NOTES_PREDICTION = (0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0)
NOTES_LABEL = 2


def scored_highest(y, digit: int) -> np.ndarray:
    """y with its largest entry swapped onto `digit` (the notes' second example: the 7 scored 0.6)."""
    y = np.array(y, dtype=np.float64)
    top = int(np.argmax(y))
    y[[top, digit]] = y[[digit, top]]
    return y


def one_hot(label: int, classes: int = 10) -> np.ndarray:
    t = np.zeros(classes)
    t[label] = 1.0
    return t


def both_losses(y, label: int) -> tuple[float, float]:
    """(sum of squares error, cross-entropy error) of the prediction y for the label."""
    return mean_squared_error(y, one_hot(label, len(y))), cross_entropy_error(y, one_hot(label, len(y)))


@dataclass
class AlongOneWeight:
    name: str                  # which weight
    offsets: np.ndarray        # how far it was moved from its trained value
    losses: np.ndarray         # the cross-entropy on the images at each offset
    accuracies: np.ndarray
    loss_slope: float          # d loss / d weight at the trained value (central difference)
    accuracy_slope: float      # d accuracy / d weight there: 0 unless a prediction flips within ±h


def along_one_weight(network: Network, x: np.ndarray, labels: np.ndarray, layer: int = -1, row: int | None = None,
                     column: int = 3, span: float = 3.0, points: int = 301) -> AlongOneWeight:
    """Move one weight W[row, column] of the network's `layer`-th Affine layer from -span to +span
    around its value, with everything else fixed, and measure loss and accuracy on (x, labels).
    Without a row, the weight from the input unit most active on x is moved (a silent unit's weights
    change nothing). The weight is put back afterwards."""
    x = np.asarray(x, dtype=network.dtype)
    positions = [i for i, lay in enumerate(network.layers) if isinstance(lay, Affine)]
    position = positions[layer]
    weights = network.layers[position].W.value
    if row is None:
        inputs = network.activations(x)[position - 1] if position > 0 else x
        row = int(np.argmax(inputs.reshape(len(x), -1).mean(axis=0)))
    original = float(weights[row, column])

    def at(offset: float) -> tuple[float, float]:
        weights[row, column] = original + offset
        scores = network.forward(x)
        return (cross_entropy_error(softmax(scores.astype(np.float64)), labels),
                float(np.mean(np.argmax(scores, axis=1) == labels)))

    try:
        offsets = np.linspace(-span, span, points)
        losses, accuracies = np.array([at(o) for o in offsets]).T
        loss_slope = numerical_diff(lambda o: at(o)[0], 0.0, 1e-2)
        accuracy_slope = numerical_diff(lambda o: at(o)[1], 0.0, 1e-2)
    finally:
        weights[row, column] = original
    name = f"W{positions.index(position) + 1}[{row}, {column}]"
    return AlongOneWeight(name, offsets, losses, accuracies, loss_slope, accuracy_slope)
