"""Chapter 4's two networks (4.4.2-4.5): simpleNet, whose gradient the notes compute by hand, and
TwoLayerNet (784-50-10, sigmoid), timed with numerical gradients against backprop and trained as
the book trains it (figure 4-12), with train and test accuracy after every epoch."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..data.batches import Batch, Batches
from ..data.datasets import Dataset, Split, to_float
from ..nn.builders import ModelSpec
from ..nn.gradcheck import relative_error
from ..nn.losses import cross_entropy_error, softmax
from ..nn.network import Network
from ..nn.numerical import numerical_gradient
from ..training.records import EpochReport, History, TrainConfig
from ..training.trainer import Trainer
from .training_runs import run_trainer

SIMPLE_NET_X = (0.6, 0.9)
SIMPLE_NET_T = (0, 0, 1)
# simpleNet's weights are random; these are the ones printed in the notes and in the book, so that
# their losses and gradients can be reproduced.
SIMPLE_NET_WEIGHTS = {
    "the notes, first": ((-0.16465003, 1.37271586, 0.81078875), (-0.59474692, -0.74124992, 2.08852494)),
    "the notes, second": ((0.06735717, -0.57395549, 0.13676847), (-0.95126186, 0.78728875, -0.07069874)),
    "the book": ((0.47355232, 0.9977393, 0.84668094), (0.85557411, 0.03563661, 0.69422093)),
}
WITH_REPLACEMENT = 0x5E1EC7      # mixed into the seed of each step's draw


class SimpleNet:
    """One 2x3 weight matrix, no bias, softmax and cross-entropy (book 4.4.2)."""

    def __init__(self, W=None, seed: int = 0):
        self.W = np.array(W, dtype=np.float64) if W is not None else np.random.default_rng(seed).standard_normal((2, 3))

    def predict(self, x):
        return np.dot(x, self.W)

    def loss(self, x, t) -> float:
        return cross_entropy_error(softmax(self.predict(x)), t)


@dataclass
class SimpleNetGradient:
    W: np.ndarray
    scores: np.ndarray
    loss: float
    dW: np.ndarray


def simple_net_gradient(W=None, x=SIMPLE_NET_X, t=SIMPLE_NET_T, seed: int = 0) -> SimpleNetGradient:
    """The scores, loss and numerical dL/dW of simpleNet for x and t, as the notes compute them."""
    net, x, t = SimpleNet(W, seed), np.array(x, dtype=np.float64), np.array(t)
    dW = numerical_gradient(lambda w: net.loss(x, t), net.W)
    return SimpleNetGradient(net.W.copy(), net.predict(x), net.loss(x, t), dW)


# TwoLayerNet as the notes build it: 784-50-10, sigmoid, weights N(0, 0.01²), biases 0.
TWO_LAYER_NET = ModelSpec(hidden=(50,), activation="sigmoid", init="std", init_std=0.01)


class Cancelled(Exception):
    pass


@dataclass
class GradientTiming:
    images: int
    parameters: int
    numerical_seconds: float          # CPU time of one numerical gradient of every weight
    backprop_seconds: float           # and of one backward pass (forward included)
    errors: dict[str, float]          # relative error between the two, per parameter array


def time_gradients(dataset: Dataset, images: int = 3, seed: int = 0, on_progress: Callable[[int, int], None] | None
                   = None, cancelled: Callable[[], bool] = lambda: False) -> GradientTiming | None:
    """One numerical gradient and one backprop of TwoLayerNet (float64) on the first `images`
    training images, each timed; None if cancelled. `on_progress(weights done, of)` follows the
    numerical one, which takes two forward passes per weight."""
    net = TWO_LAYER_NET.build(seed)
    net = Network(net.layers, net.input_shape, np.float64)
    x, t = to_float(dataset.train_images[:images], np.float64), dataset.train_labels[:images]
    total, calls = net.parameter_count(), [0]

    def loss(_) -> float:
        calls[0] += 1
        if calls[0] % 2000 == 0:
            if cancelled():
                raise Cancelled
            if on_progress:
                on_progress(calls[0] // 2, total)
        return net.loss(x, t)

    started = time.process_time()
    try:
        numerical = [numerical_gradient(loss, p.value) for p in net.parameters()]
    except Cancelled:
        return None
    numerical_seconds = time.process_time() - started
    started = time.process_time()
    net.gradient(x, t)
    backprop_seconds = time.process_time() - started
    names = [f"{p.name}{i // 2 + 1}" for i, p in enumerate(net.parameters())]
    errors = {name: relative_error(p.grad, n) for name, p, n in zip(names, net.parameters(), numerical)}
    return GradientTiming(images, total, numerical_seconds, backprop_seconds, errors)


def with_replacement(batches: Batches, start: int, stop: int) -> Iterator[Batch]:
    """The notes' batches (np.random.choice(train_size, batch_size)): every step draws its images at
    random from the whole training set, so an image may come twice in a step or not at all in an epoch."""
    for step in range(start, stop):
        rows = np.random.default_rng([batches.seed, WITH_REPLACEMENT, step]).choice(len(batches.split),
                                                                                    batches.batch_size)
        yield Batch(batches.split.x[rows], batches.split.t[rows], batches.step_rng(step))


@dataclass(frozen=True)
class TrainingLogSetup:
    """The notes' run: 784-50-10 sigmoid, std 0.01, SGD lr 0.1, batch 100, 16 epochs of 600 steps."""
    epochs: int = 16
    lr: float = 0.1
    batch_size: int = 100
    hidden: int = 50
    sampling: str = "epoch"       # "epoch": each image once per epoch (the Trainer); "replacement": the notes'
    seed: int = 0
    train_size: int | None = None   # fewer images than all 60,000 training and 10,000 test images (for quick runs)
    test_size: int | None = None


def training_log(dataset: Dataset, setup: TrainingLogSetup = TrainingLogSetup(),
                 on_epoch: Callable[[EpochReport], None] | None = None,
                 on_step: Callable[[int, float], None] | None = None,
                 cancelled: Callable[[], bool] = lambda: False) -> History:
    """Train TwoLayerNet on the 60,000 training images, measuring accuracy on all of them and on the
    10,000 test images after every epoch, as the book does (4.5.3)."""
    if setup.sampling not in ("epoch", "replacement"):
        raise ValueError(f"sampling is 'epoch' or 'replacement', not {setup.sampling!r}")
    spec = ModelSpec(hidden=(setup.hidden,), activation="sigmoid", init="std", init_std=0.01)
    train = Split(to_float(dataset.train_images[:setup.train_size]), dataset.train_labels[:setup.train_size])
    test = Split(to_float(dataset.test_images[:setup.test_size]), dataset.test_labels[:setup.test_size])
    config = TrainConfig(optimizer="sgd", lr=setup.lr, batch_size=setup.batch_size, epochs=setup.epochs,
                         validation=0, seed=setup.seed, eval_test=True, train_eval_size=len(train))
    trainer = Trainer(spec.build(setup.seed), train, config, test=test)
    if setup.sampling == "replacement":
        trainer.batch_source = with_replacement
    run_trainer(trainer, on_epoch, cancelled, on_step)
    return trainer.history
