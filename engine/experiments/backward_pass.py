"""One backward pass through a network for one image, layer by layer, with what each kind of layer
does to the gradient (book 5.5-5.6): ReLU lets it through where its input was positive (its mask),
Sigmoid multiplies it by y(1 - y), Affine turns it into dW = x^T dout and passes on dout W^T, and
Softmax-with-Loss starts it off as (y - t) / N."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..nn.layers import Affine, ReLU, Sigmoid
from ..nn.losses import softmax
from ..nn.network import Network


@dataclass
class LayerBackward:
    index: int                       # the layer's place in the network
    name: str                        # e.g. "Affine 2", "ReLU"
    inputs: np.ndarray               # what went into the layer going forward (one image)
    dout: np.ndarray                 # the gradient arriving from above
    dx: np.ndarray | None            # the gradient it sends down (None for the first layer: no one needs it)
    local: dict[str, np.ndarray] = field(default_factory=dict)   # mask, y(1-y), dW, db


@dataclass
class BackwardTrace:
    probabilities: np.ndarray        # y, the softmax of the scores
    label: int                       # t
    loss: float
    dscores: np.ndarray              # (y - t) / N, where backward starts
    layers: list[LayerBackward]      # from the top (the last layer) down


def backward_trace(network: Network, image: np.ndarray, label: int) -> BackwardTrace:
    """Forward in training mode (every layer keeps what its backward needs), then backward from the
    loss, keeping each layer's incoming and outgoing gradient and its local factor. It overwrites the
    network's gradients (.grad), not its weights."""
    x = np.asarray(image, dtype=network.dtype).reshape(1, -1)
    labels = np.array([label])
    inputs = []
    for layer in network.layers:
        inputs.append(x)
        x = layer.forward(x, train=True)
    loss = network.loss_layer.forward(x, labels)
    probabilities = softmax(x)[0]
    dout = network.loss_layer.backward()
    dscores = dout[0].copy()
    affines = sum(isinstance(layer, Affine) for layer in network.layers)
    trace = []
    for index in reversed(range(len(network.layers))):
        layer = network.layers[index]
        local: dict[str, np.ndarray] = {}
        name = type(layer).__name__
        if isinstance(layer, ReLU):
            local["mask"] = layer.mask[0].astype(np.float64)
        elif isinstance(layer, Sigmoid):
            local["y(1 - y)"] = (layer.out * (1 - layer.out))[0]
        dx = layer.backward(dout)
        if isinstance(layer, Affine):
            name = f"Affine {affines}"
            affines -= 1
            local["dW"] = layer.W.grad.copy()
            local["db"] = layer.b.grad.copy()
        trace.append(LayerBackward(index, name, inputs[index][0].copy(), dout[0].copy(),
                                   None if dx is None else dx[0].copy(), local))
        if dx is None:
            break
        dout = dx
    return BackwardTrace(probabilities, int(label), float(loss), dscores, trace)
