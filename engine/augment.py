"""Random small shifts, rotations and scalings of a batch of 28x28 digits, all images at once.

Hand-drawn digits are less tidy than MNIST's; training on slightly moved, turned and resized copies
makes a network forgiving of that. Each image gets its own random affine map; the pixels are
resampled bilinearly for the whole batch with a handful of array operations."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDE = 28


@dataclass(frozen=True)
class Augmentation:
    max_shift: float = 2.0      # pixels
    max_rotation: float = 12.0  # degrees
    max_scale: float = 0.12     # relative: scale in [1 - s, 1 + s]

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return augment(batch, rng, self)


_ys, _xs = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
_GRID = np.stack([_xs.ravel(), _ys.ravel()]) - (SIDE - 1) / 2    # (2, 784) pixel centres around the middle


def augment(batch: np.ndarray, rng: np.random.Generator, params: Augmentation = Augmentation()) -> np.ndarray:
    """(N, 784) images in [0, 1] -> (N, 784) randomly transformed copies, same dtype."""
    n = len(batch)
    angle = np.radians(rng.uniform(-params.max_rotation, params.max_rotation, n))
    scale = rng.uniform(1 - params.max_scale, 1 + params.max_scale, n)
    shift = rng.uniform(-params.max_shift, params.max_shift, (n, 2, 1))
    # Inverse map: for each output pixel, where to read in the source image.
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    inverse = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], 1).astype(np.float32)
    src = inverse @ (_GRID[None] - shift.astype(np.float32)) + (SIDE - 1) / 2     # (N, 2, 784)
    return bilinear_sample(batch.reshape(n, SIDE, SIDE), src[:, 0], src[:, 1]).astype(batch.dtype, copy=False)


def bilinear_sample(images: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Values of (N, H, W) images at real-valued points (N, P); zero outside the image."""
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=np.float32)  # a ring of zeros for points near the edge
    padded[:, 1:-1, 1:-1] = images
    flat = padded.ravel()
    x = np.clip(x + 1, 0, w + 0.999).astype(np.float32, copy=False)
    y = np.clip(y + 1, 0, h + 0.999).astype(np.float32, copy=False)
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    # Index of each point's top-left neighbour in the flattened batch. The sum is computed in floats
    # (exact: whole numbers far below 2**24) and converted once; one gather from a 1-D array per
    # neighbour is several times faster than take_along_axis.
    first = np.arange(0, n * (h + 2) * (w + 2), (h + 2) * (w + 2), dtype=np.float32)[:, None]
    y0 *= w + 2
    y0 += x0
    y0 += first
    top = y0.astype(np.intp)
    a = flat.take(top)
    top += 1
    b = flat.take(top)
    top += w + 1
    c = flat.take(top)
    top += 1
    d = flat.take(top)
    # Interpolate along x in place, then along y.
    b -= a
    b *= fx
    a += b
    d -= c
    d *= fx
    c += d
    c -= a
    c *= fy
    a += c
    return a
