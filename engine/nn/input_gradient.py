"""The gradient of one class's score with respect to the input and to every layer's output, by the
layers' own backward passes (book 5.7): what saliency maps and the backward view are made of.

Layers cache what backward() needs on themselves, when forward() runs with train=True. Such a pass
on the network's own layers would overwrite what a training step of the same network had cached,
and inference from other threads would read half-written caches. So the pass goes through private
twins instead: a shallow copy of each layer that reads its weights (and never writes them) but
caches on itself and writes its weight gradients into arrays of its own. Dropout and BatchNorm
compute something else in training than in inference; their twins do what inference does."""
from __future__ import annotations

import copy

import numpy as np

from .layers import BatchNorm, Dropout, Layer, Parameter
from .losses import log_softmax

# "logit": the class's own score before softmax. "log_probability": log softmax of it, which also
# counts the other classes (raising a 3's score helps it less if an 8's rises with it).
SCORES = ("logit", "log_probability")


class _InferenceDropout(Layer):
    """Dropout as inference runs it: the identity."""

    def forward(self, x, train=False):
        return x

    def backward(self, dout):
        return dout


class _InferenceBatchNorm(Layer):
    """BatchNorm as inference runs it: each feature scaled and shifted by fixed numbers from the
    running statistics, so its gradient is only the scale."""

    def __init__(self, layer: BatchNorm):
        self.layer = layer

    def forward(self, x, train=False):
        return self.layer.forward(x, train=False)

    def backward(self, dout):
        layer = self.layer
        scale = layer.gamma.value / np.sqrt(layer.running_var + layer.eps)
        return (dout.reshape(-1, layer.features) * scale).reshape(dout.shape)


def backward_twin(layer: Layer) -> Layer:
    """A layer that computes what `layer` computes in inference, whose forward(train=True) caches
    on itself and whose backward() writes weight gradients of its own and returns the input's."""
    if isinstance(layer, Dropout):
        return _InferenceDropout()
    if isinstance(layer, BatchNorm):
        return _InferenceBatchNorm(layer)
    twin = copy.copy(layer)
    for name, value in list(vars(twin).items()):
        if isinstance(value, Parameter):
            setattr(twin, name, Parameter(value.value, value.name, value.decay))
    shared = {id(p) for p in layer.parameters()}
    if any(id(p) in shared for p in twin.parameters()):
        raise TypeError(f"{type(layer).__name__} keeps its parameters where a twin cannot give it its own")
    twin.input_grad = True
    return twin


def score_gradient(logits: np.ndarray, classes: np.ndarray, score: str = "logit") -> np.ndarray:
    """d score / d logits for each row's class. The softmax is taken in float64: a confident answer's
    probability rounds to 1 in float32, which would make its log-probability's gradient exactly 0."""
    if score not in SCORES:
        raise ValueError(f"unknown score {score!r}; choose one of {', '.join(SCORES)}")
    rows = np.arange(len(logits))
    grad = np.zeros(logits.shape, dtype=np.float64)
    if score == "log_probability":
        grad -= np.exp(log_softmax(logits.astype(np.float64)))
    grad[rows, classes] += 1.0
    return grad.astype(logits.dtype)


def class_gradients(layers: list[Layer], x: np.ndarray, classes: np.ndarray,
                    score: str = "logit") -> list[np.ndarray]:
    """For a batch x and one class per row: [d score/d x, d score/d (output of layer 0), ...,
    d score/d logits], the layers run as in inference. The layers themselves are only read."""
    twins = [backward_twin(layer) for layer in layers]
    out = x
    for twin in twins:
        out = twin.forward(out, train=True)
    classes = np.broadcast_to(np.asarray(classes, dtype=np.intp), (len(x),))
    if classes.size and (classes.min() < 0 or classes.max() >= out.shape[-1]):
        raise ValueError(f"class index out of range: the network has {out.shape[-1]} classes")
    dout = score_gradient(out, classes, score)
    gradients = [dout]
    for twin in reversed(twins):
        dout = twin.backward(dout)
        gradients.append(dout)
    return gradients[::-1]
