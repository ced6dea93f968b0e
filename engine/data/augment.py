"""Random small shifts, rotations and scalings of 28x28 digits, a batch at a time.

Hand-drawn digits are less tidy than MNIST's; training on slightly moved, turned and resized copies
makes a network forgiving of that. Each image gets a random affine map (draw()) and is resampled
through it bilinearly (warp()): every output pixel reads the four source pixels around the point
the map sends it to, outside the image counting as blank paper."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SIDE = 28
CENTRE = (SIDE - 1) / 2
# Each output pixel's column u and row v, relative to the centre, and a 1: a (3, 784) matrix, so
# that one product with a map gives where every pixel reads.
PIXELS = np.stack([np.tile(np.arange(SIDE), SIDE) - CENTRE, np.repeat(np.arange(SIDE), SIDE) - CENTRE,
                   np.ones(SIDE * SIDE)]).astype(np.float32)


@dataclass(frozen=True)
class Augmentation:
    max_shift: float = 2.0      # pixels
    max_rotation: float = 12.0  # degrees
    max_scale: float = 0.12     # relative: scale in [1 - s, 1 + s]

    def __call__(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(N, 784) images in [0, 1] -> (N, 784) randomly transformed copies, same dtype."""
        return warp(images, self.draw(rng, len(images)), self.border())

    def border(self) -> int:
        """How far outside the image any map drawn here reads, in whole pixels, plus one for the
        neighbour to the right or below: a zero border this wide needs no bounds checks."""
        turn = math.radians(self.max_rotation)
        spread = (math.cos(turn) + math.sin(turn)) / (1 - self.max_scale)
        return max(0, math.ceil((CENTRE + self.max_shift) * spread - CENTRE)) + 1

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """`count` random maps, (count, 2, 3): from an output pixel (u, v, 1), relative to the
        centre, to the source point it reads (x, y), also relative to the centre."""
        angle = np.radians(rng.uniform(-self.max_rotation, self.max_rotation, count))
        scale = rng.uniform(1 - self.max_scale, 1 + self.max_scale, count)
        shift = rng.uniform(-self.max_shift, self.max_shift, (count, 2))
        return inverse_maps(angle, scale, shift)


def inverse_maps(angle: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """The maps (N, 2, 3) that undo "scale, turn by angle (radians), then shift by (dx, dy)": where
    each output pixel must read, for warp()."""
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    dx, dy = shift[:, 0], shift[:, 1]
    maps = np.empty((len(angle), 2, 3))
    maps[:, 0] = np.stack([cos, sin, -(cos * dx + sin * dy)], axis=1)
    maps[:, 1] = np.stack([-sin, cos, sin * dx - cos * dy], axis=1)
    return maps


def border_for(maps: np.ndarray) -> int:
    """Augmentation.border() for any maps: the farthest any of them reads is where a corner of the field goes."""
    reach = np.abs(maps[:, :, :2]).sum(axis=2).max(initial=0) * CENTRE + np.abs(maps[:, :, 2]).max(initial=0)
    return max(0, math.ceil(reach - CENTRE)) + 1


def padded(images: np.ndarray, border: int) -> np.ndarray:
    """(N, 784) images as (N, side, side) with a zero border, side = 28 + 2 * border."""
    n = len(images)
    out = np.zeros((n, SIDE + 2 * border, SIDE + 2 * border), dtype=np.float32)
    out[:, border:border + SIDE, border:border + SIDE] = images.reshape(n, SIDE, SIDE)
    return out


def source_points(maps: np.ndarray, border: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each output pixel reads, for each map: the index of the source point's top-left
    neighbour in a padded image read as one flat array, and the point's fractions along x and y past
    that neighbour; each (N, 784)."""
    side = SIDE + 2 * border
    maps = maps.astype(np.float32)
    maps[:, :, 2] += CENTRE + border                  # into the padded image's coordinates
    x, y = (maps @ PIXELS).transpose(1, 0, 2)
    x0, y0 = np.floor(x), np.floor(y)
    return (y0 * side + x0).astype(np.intp), x - x0, y - y0


def warp(images: np.ndarray, maps: np.ndarray, border: int | None = None) -> np.ndarray:
    """Every image (N, 784) resampled bilinearly through its map (N, 2, 3), as Augmentation.draw()
    makes them; `border` as Augmentation.border() (by default worked out from the maps)."""
    border = border_for(maps) if border is None else border
    stack = padded(images, border)
    n, side = len(images), stack.shape[1]
    corner, fx, fy = source_points(maps, border)
    corner += np.arange(0, n * side * side, side * side)[:, None]     # image i's padded copy starts there
    flat = stack.reshape(-1)
    # One gather per neighbour, each from the array shifted by that neighbour's offset ("wrap" skips
    # the bounds checks that indices inside the border never need).
    a, b = flat.take(corner, mode="wrap"), flat[1:].take(corner, mode="wrap")
    c, d = flat[side:].take(corner, mode="wrap"), flat[side + 1:].take(corner, mode="wrap")
    return interpolate(a, b, c, d, fx, fy).astype(images.dtype, copy=False)


def interpolate(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, fx: np.ndarray,
                fy: np.ndarray) -> np.ndarray:
    """Bilinear interpolation between the top-left, top-right, bottom-left and bottom-right
    neighbours: upper = a + fx (b - a), lower = c + fx (d - c), then upper + fy (lower - upper).
    In place: it overwrites a, b, c and d and returns a."""
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
