"""Which faster twin each layer of a network trains through, and the network that runs through them."""
from __future__ import annotations

import copy

from ..nn.layers import Conv2D, Layer, MaxPool2D, ReLU
from ..nn.network import Network
from .conv_relu_pool import ConvReluPool
from .fast_layers import FastConv2D, FastMaxPool2D


def fast_twin(layer: Layer) -> Layer:
    if type(layer) is Conv2D:
        return FastConv2D.twin_of(layer)
    if type(layer) is MaxPool2D:
        return FastMaxPool2D.twin_of(layer)
    return layer


def training_layers(layers: list[Layer], input_shape: tuple[int, ...]) -> list[Layer]:
    """The layers to train through, for inputs of `input_shape` (one sample's): a convolution, ReLU
    and 2x2 max-pool in a row as one ConvReluPool where the convolution's output has an even size,
    fast twins of the other convolutions and pools, and a ReLU followed by a max-pool run after it.
    The two commute exactly, outputs and gradients alike (ReLU keeps the order of positive numbers
    and maps the rest to 0, where a window's gradient dies either way), and the ReLU then works on a
    quarter of the numbers. The first layer keeps its index: backward stops there."""
    order, shape, i = [], tuple(input_shape), 0
    while i < len(layers):
        block = layers[i:i + 3]
        if len(block) == 3 and ConvReluPool.fits(*block, shape):
            order.append(ConvReluPool.twin_of(block[0]))
            step = 3
        else:
            order.append(fast_twin(block[0]))
            step = 1
        for passed in block[:step]:
            shape = passed.output_shape(shape)
        i += step
    for i in range(len(order) - 1):
        if type(order[i]) is ReLU and isinstance(order[i + 1], MaxPool2D):
            order[i], order[i + 1] = order[i + 1], order[i]
    return order


def through_twins(network: Network, twins: list[Layer]) -> Network:
    """The network with its layers swapped for `twins` (training_layers() of its own): the same
    weights, and the plain code's accuracy, predictions and batching, faster."""
    twin = copy.copy(network)
    twin.layers = twins
    return twin
