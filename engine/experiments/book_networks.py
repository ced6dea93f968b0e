"""Small networks of the book's shapes, trained briefly, for the pages that run one on a drawing:
the 3-layer sigmoid network of chapter 3 (784-50-100-10) and a network with one of each layer whose
backward pass chapter 5 explains (Affine, ReLU, Sigmoid, Softmax-with-Loss)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..data.datasets import Dataset, Split, to_float, train_validation_split
from ..nn.builders import ModelSpec
from ..nn.layers import Affine, ReLU, Sigmoid
from ..nn.network import Network
from ..training.records import TrainConfig
from ..training.trainer import Trainer
from .training_runs import run_trainer

# The book's sample_weight.pkl network (3.6.2): two sigmoid hidden layers of 50 and 100 units.
THREE_LAYER = ModelSpec(hidden=(50, 100), activation="sigmoid", init="xavier")
TRAIN_IMAGES = 60000
EPOCHS = 2                  # about 93% on the test set, like the book's sample weights (93.52%), in seconds


def three_layer_network(seed: int = 0) -> Network:
    return THREE_LAYER.build(seed)


def one_of_each_network(seed: int = 0) -> Network:
    """784 -> Affine -> ReLU (50) -> Affine -> Sigmoid (50) -> Affine -> 10 scores."""
    rng = np.random.default_rng(seed)
    return Network([Affine(784, 50, "he", rng=rng), ReLU(), Affine(50, 50, "xavier", rng=rng), Sigmoid(),
                    Affine(50, 10, "xavier", rng=rng)])


def train_briefly(network: Network, dataset: Dataset, epochs: int = EPOCHS, train_images: int = TRAIN_IMAGES,
                  seed: int = 0, cancelled: Callable[[], bool] = lambda: False) -> float:
    """Train with Adam for `epochs` on `train_images` training images; returns the test accuracy."""
    train, _ = train_validation_split(dataset.train_images, dataset.train_labels, 0, seed, train_size=train_images)
    config = TrainConfig(optimizer="adam", epochs=epochs, validation=0, train_size=train_images, seed=seed,
                         train_eval_size=1000)
    run_trainer(Trainer(network, train, config), cancelled=cancelled)
    test = Split(to_float(dataset.test_images), dataset.test_labels)
    return network.accuracy(test.x, test.t)
