"""Why the network reads a digit the way it does, from its own backward pass: which ink pushed the
answer (saliency), what covering each patch costs it (occlusion), where ink would make it another
class, and the drawing nudged towards that class. Plain functions on 784-vectors; the Draw tab and
the Inspect tab show them.

The maps are the gradient of a class's score with respect to the 784 input pixels, taken by
Network.input_gradient, which runs the network as in inference and writes nothing of it. Two scores:
- the reasons for an answer use the class's logit. Its gradient times the ink is each pixel's share
  of the score (exactly, for a ReLU network without BatchNorm, up to the biases' share), and a
  confident answer does not flatten it as it flattens its probability's.
- "what would make it a 3" and the nudge use the log-probability: raising a 3's logit helps little
  if an 8's rises with it, and the log-probability's gradient is the 3's minus the competitors'."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.preprocess import FIELD
from ..nn.network import Network
from .inspection import LayerActivation, _as_maps, activation_maps

OCCLUSION_PATCH = 6          # pixels: about a stroke's width and a half, a fifth of the digit's box
OCCLUSION_STRIDE = 2
# A dab of MNIST's pen covers about three pixels across: what ink there would do is the gradient
# summed over such a dab, a binomial blur (its weights sum to 1 across about 3 pixels).
PEN_DAB = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
NUDGE_STEPS = 10
NUDGE_STEP = 0.15            # each step changes the most telling pixel's ink by this much
NUDGE_TARGET = 0.9           # the nudge stops once the class is this probable


def _vector(network: Network, x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=network.dtype).reshape(-1)


def _as_field(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(FIELD, FIELD)


def answer(network: Network, x: np.ndarray) -> int:
    return int(np.argmax(network.predict_proba(_vector(network, x))))


def saliency(network: Network, x: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """(28, 28): how much each pixel's ink pushes the class's score (the answer's when None): the
    gradient of the logit times the ink. Positive ink speaks for the class, negative against it;
    a pixel without ink pushes nothing."""
    x = _vector(network, x)
    if not x.any():
        return np.zeros((FIELD, FIELD))
    c = answer(network, x) if class_index is None else class_index
    return _as_field(network.input_gradient(x, c, "logit") * x)


def class_direction(network: Network, x: np.ndarray, class_index: int, dab: np.ndarray | None = PEN_DAB) -> np.ndarray:
    """(28, 28): where ink would raise (positive) or lower (negative) the class's log-probability,
    on every pixel, inked or not: its gradient, summed over a pen's dab around each pixel (dab None:
    the bare gradient, whose pixel-to-pixel noise says little about what a pen could do)."""
    gradient = _as_field(network.input_gradient(_vector(network, x), class_index, "log_probability"))
    return gradient if dab is None else pen_dabs(gradient, dab)


def pen_dabs(field: np.ndarray, dab: np.ndarray = PEN_DAB) -> np.ndarray:
    """A (28, 28) map blurred by the separable kernel `dab` (zeros beyond the field's edges)."""
    def along(a: np.ndarray, axis: int) -> np.ndarray:
        return np.apply_along_axis(lambda line: np.convolve(line, dab, mode="same"), axis, a)
    return along(along(np.asarray(field, np.float64), 0), 1)


@dataclass
class Nudge:
    image: np.ndarray            # (28, 28) the drawing after the steps, ink in [0, 1]
    before: float                # the class's probability for the drawing
    after: float                 # ... and for the nudged one
    steps: int                   # gradient steps taken


def nudge(network: Network, x: np.ndarray, class_index: int, steps: int = NUDGE_STEPS,
          step: float = NUDGE_STEP, target: float = NUDGE_TARGET) -> Nudge:
    """The drawing moved a few steps up the class's log-probability, ink kept in [0, 1], until the
    class is `target` probable. Each step follows the gradient summed over pen dabs (class_direction),
    scaled so that the pixel it moves most changes by `step`. The dabs' blur is positive
    semi-definite (its spectrum, cos^4, is never negative), so the step still goes uphill; what it
    changes looks like pen strokes, where the bare gradient's steps would be faint noise everywhere."""
    x = _vector(network, x).copy()
    before = p = float(network.predict_proba(x)[class_index])
    taken = 0
    while taken < steps and p < target:
        direction = class_direction(network, x, class_index).ravel()
        top = float(np.abs(direction).max())
        if top == 0.0:
            break
        np.clip(x + (step / top) * direction, 0.0, 1.0, out=x)
        p = float(network.predict_proba(x)[class_index])
        taken += 1
    return Nudge(_as_field(x), before, p, taken)


def patch_corners(size: int = OCCLUSION_PATCH, stride: int = OCCLUSION_STRIDE) -> list[tuple[int, int]]:
    """(top, left) of every patch position over the 28x28 field, the last row and column flush
    with the edge."""
    starts = list(range(0, FIELD - size + 1, stride))
    if starts[-1] != FIELD - size:
        starts.append(FIELD - size)
    return [(top, left) for top in starts for left in starts]


def occlude(x: np.ndarray, top: int, left: int, size: int = OCCLUSION_PATCH, fill: float = 0.0) -> np.ndarray:
    """A copy of the 784-vector with a size x size patch covered with `fill` (0: blank paper)."""
    field = np.array(x).reshape(FIELD, FIELD)
    field[top:top + size, left:left + size] = fill
    return field.reshape(-1)


def patch_sums(field: np.ndarray, size: int = OCCLUSION_PATCH, stride: int = OCCLUSION_STRIDE) -> np.ndarray:
    """A (28, 28) map summed over each patch of patch_corners(), in that order."""
    field = np.asarray(field).reshape(FIELD, FIELD)
    return np.array([field[t:t + size, l:l + size].sum() for t, l in patch_corners(size, stride)])


@dataclass
class Occlusion:
    drop: np.ndarray             # (28, 28): the mean fall in probability over the patches covering each pixel
    patch_drops: np.ndarray      # the fall for each patch of patch_corners()
    probability: float           # the class's probability for the whole drawing
    class_index: int


def occlusion(network: Network, x: np.ndarray, class_index: int | None = None, size: int = OCCLUSION_PATCH,
              stride: int = OCCLUSION_STRIDE, fill: float = 0.0,
              cancelled: Callable[[], bool] = lambda: False) -> Occlusion | None:
    """Cover each patch in turn with blank paper and see how far the class's probability falls
    (Zeiler & Fergus 2014). Blank paper rather than grey: on MNIST's black ground grey is ink,
    which the network would read as part of the digit. None if cancelled on the way."""
    x = _vector(network, x)
    c = answer(network, x) if class_index is None else class_index
    corners = patch_corners(size, stride)
    covered = np.stack([occlude(x, t, l, size, fill) for t, l in corners])
    base = float(network.predict_proba(x)[c])
    probabilities = []
    chunk = network.inference_batch()
    for start in range(0, len(covered), chunk):
        if cancelled():
            return None
        probabilities.append(network.predict_proba(covered[start:start + chunk])[:, c])
    drops = base - np.concatenate(probabilities).astype(np.float64)
    total, count = np.zeros((FIELD, FIELD)), np.zeros((FIELD, FIELD))
    for (t, l), d in zip(corners, drops):
        total[t:t + size, l:l + size] += d
        count[t:t + size, l:l + size] += 1
    return Occlusion(total / count, drops, base, c)


def backward_view(network: Network, x: np.ndarray, class_index: int | None = None) -> list[LayerActivation]:
    """The gradient of the class's logit (the answer's when None) arriving at the output of each
    stage that the activations view shows (engine/experiments/inspection.py), the input first:
    the backward pass laid out beside the forward one."""
    x = _vector(network, x)
    c = answer(network, x) if class_index is None else class_index
    gradients = network.layer_gradients(x, c, "logit")
    stages = []
    for stage in activation_maps(network, x):
        values = gradients[stage.layer + 1]       # the input's gradient is first, then each layer's output's
        stages.append(LayerActivation(stage.layer, stage.title, values, _as_maps(values)))
    return stages


def placement(field: np.ndarray, ink: np.ndarray) -> tuple[float, float, float]:
    """Where the 28x28 field lies on the picture it was made from, as (top, left, side) in the
    picture's pixels, so that a map over the field can be laid on the drawing.

    The MNIST recipe scales the digit by one factor and moves its centre of mass to the field's
    centre; so the factor is the ratio of the two pictures' spreads of ink about their centres of
    mass, and the field's corner lies that far scaled from the picture's centre of mass. Found from
    the pictures themselves, this holds whatever the preprocessing does to find the ink."""
    field, ink = np.asarray(field, np.float64).reshape(FIELD, FIELD), np.asarray(ink, np.float64)
    (fy, fx), field_spread = _centre_and_spread(field)
    (cy, cx), ink_spread = _centre_and_spread(ink)
    scale = field_spread / ink_spread                   # field pixels per picture pixel
    return cy - fy / scale, cx - fx / scale, FIELD / scale


def _centre_and_spread(image: np.ndarray) -> tuple[tuple[float, float], float]:
    """The centre of mass (pixel centres at i + 0.5) and the root-mean-square distance from it."""
    mass = image.sum()
    ys, xs = np.arange(image.shape[0]) + 0.5, np.arange(image.shape[1]) + 0.5
    rows, cols = image.sum(axis=1) / mass, image.sum(axis=0) / mass
    cy, cx = rows @ ys, cols @ xs
    variance = rows @ (ys - cy) ** 2 + cols @ (xs - cx) ** 2
    return (float(cy), float(cx)), float(np.sqrt(variance))
