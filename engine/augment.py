"""Random small shifts, rotations and scalings of 28x28 digits, many images at once.

Hand-drawn digits are less tidy than MNIST's; training on slightly moved, turned and resized copies
makes a network forgiving of that. Random affine maps are drawn (draw()) and each image is resampled
bilinearly through one of them (apply()). Several images may share a map, and those are resampled
side by side, which is what makes augmenting a whole block of batches cheap (engine/batches.py says
how it shares them).

Why side by side: the images of one map lie in columns (pixel x image), so that each of the four
neighbour gathers copies whole rows, and where each pixel reads and its weights are worked out once
for the map. Making an epoch's augmented batches (60,000 MNIST images in blocks of 1,000, on one
thread, 12 epochs each way timed in turns in separate processes) took 0.36-0.58 s with a map per
image, gathered per pixel and image, and 0.24-0.32 s with 50 images to a map (bench/train_speed.py
times it). With fewer images to a map it pays less: in a first version, timed alone, 10 to a map
took 6.5-7.1 µs an image against 5.2-6.4 with a map each, as a map's fixed cost is some twenty
NumPy calls."""
from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

SIDE = 28
T = TypeVar("T")


@dataclass(frozen=True)
class Transforms:
    """Affine maps: rotation (radians), scale, and shift (pixels, (N, 2) as x, y)."""
    angle: np.ndarray
    scale: np.ndarray
    shift: np.ndarray

    def __len__(self) -> int:
        return len(self.angle)

    def __getitem__(self, rows: slice | np.ndarray) -> Transforms:
        return Transforms(self.angle[rows], self.scale[rows], self.shift[rows])

    @staticmethod
    def concatenate(parts: list[Transforms]) -> Transforms:
        return Transforms(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("angle", "scale", "shift")))


@dataclass(frozen=True)
class Augmentation:
    max_shift: float = 2.0      # pixels
    max_rotation: float = 12.0  # degrees
    max_scale: float = 0.12     # relative: scale in [1 - s, 1 + s]

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return augment(batch, rng, self)

    def draw(self, rng: np.random.Generator, count: int) -> Transforms:
        """`count` random maps."""
        angle = np.radians(rng.uniform(-self.max_rotation, self.max_rotation, count))
        scale = rng.uniform(1 - self.max_scale, 1 + self.max_scale, count)
        shift = rng.uniform(-self.max_shift, self.max_shift, (count, 2, 1))[:, :, 0]
        return Transforms(angle, scale, shift)

    def border(self) -> int:
        """How far outside the image a source point can fall, in whole pixels, plus one for the
        neighbour to its right or below: a zero border this wide needs no clipping."""
        half = (SIDE - 1) / 2
        turn = math.radians(self.max_rotation)
        # |R(-a) (p - shift)| / scale along x or y, at its largest over the image's corners.
        reach = (half * (math.cos(turn) + math.sin(turn)) + self.max_shift * (math.cos(turn) + math.sin(turn))) \
            / (1 - self.max_scale)
        return max(0, math.ceil(reach - half)) + 1


def augment(batch: np.ndarray, rng: np.random.Generator, params: Augmentation = Augmentation()) -> np.ndarray:
    """(N, 784) images in [0, 1] -> (N, 784) randomly transformed copies, same dtype, each through a
    map of its own: about 30 µs an image, against 4-5 for images that share maps (see above)."""
    return apply(batch, params.draw(rng, len(batch)), params.border())


def apply(batch: np.ndarray, maps: Transforms, border: int, out: np.ndarray | None = None,
          rows: np.ndarray | None = None, which: np.ndarray | None = None) -> np.ndarray:
    """Images resampled through `maps`, as applying() says, without pausing."""
    return run_to_end(applying(batch, maps, border, out, rows, which))


def applying(batch: np.ndarray, maps: Transforms, border: int, out: np.ndarray | None = None,
             rows: np.ndarray | None = None, which: np.ndarray | None = None) -> Generator[None, None, np.ndarray]:
    """The images batch[rows] (every row of `batch` if None), each resampled through the map
    maps[which[i]] (maps[i] if `which` is None), into `out` if given; `border` as
    Augmentation.border(). A generator that pauses every few array operations (a few dozen
    microseconds) and returns the images: the step helper augments this way in the time between its
    requests, which it answers during the pauses (engine/step_helper.py)."""
    count = len(batch) if rows is None else len(rows)
    out = np.empty((count, SIDE * SIDE), dtype=batch.dtype) if out is None else out
    which = np.arange(count) if which is None else which
    top, fx, fy = _source_pixels(maps, border)
    yield
    # The images of each map, as positions in the output, in runs of the sorted order.
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(len(maps) + 1))
    yield
    # One padded stack per number of images to a map (one or two in a block); the border is zeroed
    # once and stays so.
    side = SIDE + 2 * border
    padded = {n: np.zeros((side, side, n), dtype=np.float32) for n in set(np.diff(bounds).tolist()) - {0}}
    yield
    for k in range(len(maps)):
        mine = order[bounds[k]:bounds[k + 1]]
        if not len(mine):
            continue
        images = batch[mine if rows is None else rows[mine]]
        out[mine] = yield from _resample(images, top[k], fx[k], fy[k], padded[len(mine)], border)
        yield
    return out


def run_to_end(steps: Generator[None, None, T]) -> T:
    """What a generator like applying() returns, run without pausing."""
    while True:
        try:
            next(steps)
        except StopIteration as end:
            return end.value


# Each output pixel's column u, row v and a 1, as rows of a (3, 784) matrix.
_PIXELS = np.stack([np.tile(np.arange(SIDE), SIDE), np.repeat(np.arange(SIDE), SIDE), np.ones(SIDE * SIDE)])
_PIXELS = _PIXELS.astype(np.float32)


def _source_coefficients(maps: Transforms, border: int) -> np.ndarray:
    """(2, N, 3): for each map, where an output pixel (u, v) reads in the padded source image,
    x = cx*u + sx*v + ox and y = -sx*u + cx*v + oy, as (cx, sx, ox) and (-sx, cx, oy)."""
    centre = (SIDE - 1) / 2
    # The inverse map around the centre: x = cos*(u - c - shift_x) + sin*(v - c - shift_y) + c,
    # y = -sin*(u - c - shift_x) + cos*(v - c - shift_y) + c, with cos and sin divided by the scale.
    cos, sin = np.cos(maps.angle) / maps.scale, np.sin(maps.angle) / maps.scale
    su, sv = -centre - maps.shift[:, 0], -centre - maps.shift[:, 1]
    offset = centre + border                     # into the coordinates of the padded image
    coefficients = np.empty((2, len(maps), 3), dtype=np.float32)
    coefficients[0] = np.stack([cos, sin, cos * su + sin * sv + offset], axis=1)
    coefficients[1] = np.stack([-sin, cos, -sin * su + cos * sv + offset], axis=1)
    return coefficients


def _source_pixels(maps: Transforms, border: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each map and output pixel: the index of its source point's top-left neighbour in the
    padded image read as one column of pixels, (N, 784); and the point's fractions along x and y
    past that neighbour, (N, 784, 1) to scale rows of images."""
    side = SIDE + 2 * border
    # Every source coordinate at once: one matrix product with the pixel matrix (an outer sum of row
    # and column terms took twice as long, einsum longer still).
    x, y = np.matmul(_source_coefficients(maps, border).reshape(-1, 3), _PIXELS).reshape(2, len(maps), SIDE * SIDE)
    x0, y0 = np.floor(x), np.floor(y)
    x -= x0
    y -= y0
    # Exact in floats (whole numbers far below 2**24), and converted once.
    y0 *= side
    y0 += x0
    return y0.astype(np.intp), x[:, :, None], y[:, :, None]


def _resample(images: np.ndarray, top: np.ndarray, fx: np.ndarray, fy: np.ndarray, padded: np.ndarray,
              border: int) -> Generator[None, None, np.ndarray]:
    """(n, 784) images through one map, given as _source_pixels() does, in `padded`: (side, side, n)
    with a zero border. Returns (784, n)."""
    side = padded.shape[0]
    padded[border:border + SIDE, border:border + SIDE] = images.T.reshape(SIDE, SIDE, -1)
    flat = padded.reshape(side * side, -1)
    yield
    # One gather per neighbour, each from the rows shifted by that neighbour's offset, with the same
    # indices ("wrap" skips the error checks that indices inside the border never need).
    a = flat.take(top, axis=0, mode="wrap")
    b = flat[1:].take(top, axis=0, mode="wrap")
    yield
    c = flat[side:].take(top, axis=0, mode="wrap")
    d = flat[side + 1:].take(top, axis=0, mode="wrap")
    yield
    # Interpolate along x in place, then along y.
    b -= a
    b *= fx
    a += b
    d -= c
    d *= fx
    c += d
    yield
    c -= a
    c *= fy
    a += c
    return a.T
