"""Changes of each training image on its own, after its random map (engine/data/augment.py): the
pen's weight, and what the preprocessing makes of a photo of the digit.

- Thickness: strokes grown (grey dilation: each pixel takes the largest of itself and its four
  neighbours) or worn (grey erosion: the smallest), by a random share of that one-pixel step; worn
  by at most half of it, since MNIST's thin strokes would break.
- Another pen: a share of the images redrawn along their skeletons with a pen of one width
  (engine/data/restroke.py), before the other changes.
- Photo-like: a photographed digit reaches the network blurred a little, with a different contrast
  along its strokes and noise around them (engine/data/photo.py leaves only the ink near the digit),
  then cut at the noise floor and brought to full strength, as the preprocessing does.

Every image's amounts are drawn from the generator given, in one fixed order, so that a batch
retouched at once and the same batch retouched as part of a larger block come out the same."""
from __future__ import annotations

import numpy as np

from .restroke import restroke_some

SIDE = 28
NOISE_FLOOR = 0.08     # as engine/data/photo.py
NOISE_SIGMAS = 4.0
MOST_NOISE = 0.08      # photo-like: noise up to this standard deviation (ink at 1)
GAMMA = (0.6, 1.6)     # photo-like: strokes' profile raised to a power in this range


def _neighbours(x: np.ndarray, pick) -> np.ndarray:
    """For (N, 28, 28) images, each pixel combined by `pick` (np.maximum or np.minimum) with its
    four neighbours, outside the image counting as blank paper."""
    out = x.copy()
    pick(out[:, 1:], x[:, :-1], out=out[:, 1:])
    pick(out[:, :-1], x[:, 1:], out=out[:, :-1])
    pick(out[:, :, 1:], x[:, :, :-1], out=out[:, :, 1:])
    pick(out[:, :, :-1], x[:, :, 1:], out=out[:, :, :-1])
    if pick is np.minimum:                          # the blank paper beyond the edges
        out[:, 0], out[:, -1], out[:, :, 0], out[:, :, -1] = 0, 0, 0, 0
    return out


def _box_blur(x: np.ndarray) -> np.ndarray:
    """The mean of each pixel's 3x3 neighbourhood, (N, 28, 28), blank paper outside."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    rows = p[:, :-2] + p[:, 1:-1] + p[:, 2:]
    return (rows[:, :, :-2] + rows[:, :, 1:-1] + rows[:, :, 2:]) / 9


def thicken(images: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """(N, 28, 28) images with their strokes grown (amount > 0) or worn (< 0) by |amount| of a step."""
    out = images.copy()
    for chosen, pick in ((amount > 0, np.maximum), (amount < 0, np.minimum)):
        if chosen.any():
            x = images[chosen]
            share = np.abs(amount[chosen]).astype(images.dtype)[:, None, None]
            out[chosen] = x + share * (_neighbours(x, pick) - x)
    return out


def photo_like(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 28, 28) images as the preprocessing makes a photo of them: blurred, another contrast,
    noise near the ink, the noise floor, full strength."""
    n = len(images)
    blur = rng.uniform(0, 1, n).astype(images.dtype)[:, None, None]
    gamma = np.exp(rng.uniform(*np.log(GAMMA), n)).astype(images.dtype)[:, None, None]
    sigma = rng.uniform(0, MOST_NOISE, n).astype(images.dtype)[:, None, None]
    noise = rng.standard_normal(images.shape, dtype=images.dtype)
    x = images + blur * (_box_blur(images) - images)
    np.power(np.clip(x, 0, 1, out=x), gamma, out=x)
    near = _neighbours((x > NOISE_FLOOR).astype(x.dtype), np.maximum)
    x += sigma * noise * near
    np.clip(x, 0, 1, out=x)
    peak = np.maximum(x.max(axis=(1, 2), keepdims=True), 1e-6)
    x /= peak
    x[x < np.maximum(NOISE_FLOOR, NOISE_SIGMAS * sigma / peak)] = 0
    return x / np.maximum(x.max(axis=(1, 2), keepdims=True), 1e-6)


def retouch(images: np.ndarray, rng: np.random.Generator, thickness: float, photo: float,
            restroke: float = 0.0) -> None:
    """(N, 784) images changed in place: a share `restroke` redrawn with another pen, strokes
    thickened by up to `thickness` of a step (worn by up to half that), and a share `photo` of them
    made photo-like."""
    if not len(images):
        return
    if restroke:
        restroke_some(images, rng, restroke)
    x = images.reshape(len(images), SIDE, SIDE)
    if thickness:
        x[...] = thicken(x, rng.uniform(-0.5 * thickness, thickness, len(x)))
    if photo:
        chosen = np.nonzero(rng.random(len(x)) < photo)[0]
        if len(chosen):
            x[chosen] = photo_like(x[chosen], rng)
    if not np.shares_memory(x, images):             # the rows were not one block of memory
        images[...] = x.reshape(images.shape)
