"""Random small shifts, rotations and scalings of a batch of 28x28 digits, all images at once.

Hand-drawn digits are less tidy than MNIST's; training on slightly moved, turned and resized copies
makes a network forgiving of that. Each image gets its own random affine map (draw()); the pixels
are then resampled bilinearly for many images at a time with a handful of array operations
(apply()), which is what lets engine/batches.py augment several batches in one go."""
from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

SIDE = 28
T = TypeVar("T")
# apply() works through this many images at a time: its dozen arrays then stay in a core's L2
# cache. Per image, in blocks of 1,000 on one thread, timed in turns: 128 at a time took 5.8 µs,
# 64 5.2, 32 4.9 (an epoch's augmenting 0.41 -> 0.35 s), 16 5.4 and 8 6.5, where the calls'
# fixed cost starts to tell.
CHUNK = 32


@dataclass(frozen=True)
class Transforms:
    """One affine map per image: rotation (radians), scale, and shift (pixels, (N, 2) as x, y)."""
    angle: np.ndarray
    scale: np.ndarray
    shift: np.ndarray

    def __len__(self) -> int:
        return len(self.angle)

    def __getitem__(self, rows: slice) -> Transforms:
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
        """Random maps for `count` images."""
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
    """(N, 784) images in [0, 1] -> (N, 784) randomly transformed copies, same dtype."""
    return apply(batch, params.draw(rng, len(batch)), params.border())


def apply(batch: np.ndarray, maps: Transforms, border: int, out: np.ndarray | None = None) -> np.ndarray:
    """(N, 784) images, each resampled through its map (into `out` if given); `border` as
    Augmentation.border()."""
    return run_to_end(applying(batch, maps, border, out))


def applying(batch: np.ndarray, maps: Transforms, border: int, out: np.ndarray | None = None,
             rows: np.ndarray | None = None) -> Generator[None, None, np.ndarray]:
    """apply() a few dozen microseconds at a time: a generator that pauses every few array
    operations and returns the images. The step helper augments this way in the time between its
    requests, which it answers during the pauses (engine/step_helper.py). Given `rows`, the images
    are batch[rows], gathered a chunk at a time: gathering a block's 1,000 rows at once took 0.27 ms,
    a pause too long for the helper (its requests waited)."""
    count = len(batch) if rows is None else len(rows)
    out = np.empty((count, SIDE * SIDE), dtype=batch.dtype) if out is None else out
    coefficients = _source_coefficients(maps, border)
    yield
    # The work arrays are taken afresh for each chunk: kept from call to call they measured no faster
    # (0.42-0.44 s per 60,000 images either way, in blocks of 1,000, with glibc's default settings
    # and with the batch processes', engine/batch_process.py): the allocator reuses the memory.
    side = SIDE + 2 * border
    # The images of a chunk go into the middle of this; the border is zeroed once and stays so.
    padded = np.zeros((min(CHUNK, count), side, side), dtype=np.float32)
    for start in range(0, count, CHUNK):
        chunk = slice(start, start + CHUNK)
        images = batch[chunk] if rows is None else batch[rows[chunk]]
        out[chunk] = yield from _resample(images, coefficients[:, chunk], padded, border)
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
    """(2, N, 3): for each image, where an output pixel (u, v) reads in the padded source image,
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


def _resample(images: np.ndarray, coefficients: np.ndarray, padded: np.ndarray, border: int) \
        -> Generator[None, None, np.ndarray]:
    n, side = len(images), padded.shape[-1]
    # Every source coordinate at once: one matrix product with the pixel matrix (an outer sum of
    # row and column terms ran 28 numbers per inner loop and took twice as long; einsum took 0.7 µs
    # an image, BLAS 0.2). BLAS does it on one thread: engine/parallel.py keeps it to one outside
    # large products, and each batch process sets that too.
    x, y = np.matmul(coefficients.reshape(-1, 3), _PIXELS).reshape(2, n, SIDE * SIDE)
    x0, y0 = np.floor(x), np.floor(y)
    x -= x0                                           # now the fractions
    y -= y0
    yield
    # Index of each point's top-left neighbour in the chunk's padded images read as one tall image
    # (image k's rows start at row k*side). The sums are exact in floats (whole numbers far below
    # 2**24) and converted once.
    y0 += np.arange(0, n * side, side, dtype=np.float32)[:, None]
    y0 *= side
    y0 += x0
    top = y0.astype(np.intp)
    padded = padded[:n]
    padded[:, border:border + SIDE, border:border + SIDE] = images.reshape(n, SIDE, SIDE)
    flat = padded.reshape(-1)
    yield
    # One gather per neighbour, each from the flat images shifted by that neighbour's offset, with
    # the same indices ("wrap" skips the error checks that indices inside the border never need).
    # Gathering two neighbours at once, as 8-byte pairs, was slower: the interpolation then reads
    # strided halves (8.1-9.9 µs an image against 6.4-6.9). So was np.modf for floor and fraction.
    a = flat.take(top, mode="wrap")
    b = flat[1:].take(top, mode="wrap")
    yield
    c = flat[side:].take(top, mode="wrap")
    d = flat[side + 1:].take(top, mode="wrap")
    yield
    # Interpolate along x in place, then along y.
    b -= a
    b *= x
    a += b
    d -= c
    d *= x
    c += d
    yield
    c -= a
    c *= y
    a += c
    return a
