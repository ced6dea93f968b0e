"""Probabilities that mean what they say: temperature scaling (Guo et al., 2017, "On Calibration of
Modern Neural Networks"), and the expected calibration error that measures how far they are off.

A network trained to low cross-entropy tends to be surer than it is right: of the digits it reads
with 99% it may get only 97% right. Dividing its scores by one number T > 1 before the softmax
softens every probability alike and changes no answer (the largest score stays the largest). T is
the one that gives the held-out validation images the lowest cross-entropy; the network keeps it
(Network.temperature) and predict_proba() applies it."""
from __future__ import annotations

import math

import numpy as np

from .losses import softmax

BINS = 15                   # confidence bins of the calibration error, as in Guo et al.
# A reading whose top probability is below this is shown as unsure (the Draw tab says "not sure").
UNSURE_BELOW = 0.6
LOWEST, HIGHEST = 0.05, 20.0  # the temperatures searched


def logits(network, x: np.ndarray) -> np.ndarray:
    """The network's scores (before the softmax) for (N, ...) inputs, in inference batches."""
    step = network.inference_batch()
    return np.concatenate([network.forward(x[i:i + step]) for i in range(0, max(len(x), 1), step)]).astype(np.float64)


def cross_entropy_at(scores: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean cross-entropy of softmax(scores / temperature) against integer labels."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(labels)), labels]))


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the cross-entropy of the scores (N, classes) against the labels.

    The cross-entropy is convex in 1/T, so a golden-section search over log T finds its minimum."""
    if len(labels) == 0:
        raise ValueError("fitting a temperature needs at least one labelled example")
    labels = np.asarray(labels, dtype=np.intp)
    lo, hi = math.log(LOWEST), math.log(HIGHEST)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = cross_entropy_at(scores, labels, math.exp(a)), cross_entropy_at(scores, labels, math.exp(b))
    while hi - lo > 1e-4:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = cross_entropy_at(scores, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = cross_entropy_at(scores, labels, math.exp(b))
    return math.exp((lo + hi) / 2)


def calibrate(network, x: np.ndarray, labels: np.ndarray) -> float:
    """Fit the network's temperature on held-out images, set it, and return it."""
    network.temperature = fit_temperature(logits(network, x), labels)
    return network.temperature


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> float:
    """How far the top probability is from the share right, on average: the images are put into
    `bins` equal ranges of top probability, and each range's |accuracy - mean confidence| is
    weighted by its share of the images."""
    if len(labels) == 0:
        return float("nan")
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == np.asarray(labels)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, right, bins) - np.bincount(which, confidence, bins))
    return float(gap.sum() / count.sum())


def probabilities_at(scores: np.ndarray, temperature: float | None) -> np.ndarray:
    return softmax(scores / (temperature or 1.0))
