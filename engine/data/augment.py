"""Random changes of 28x28 digits, a batch at a time, so that a network learns to read digits drawn
otherwise than MNIST's.

Each image gets a random map (draw()) and is resampled through it bilinearly (warp()): every output
pixel reads the four source pixels around the point the map sends it to, outside the image counting
as blank paper. A map is affine (a shift, rotation, scaling, slant and change of aspect) plus, if
asked, an elastic distortion: a smooth random field of small displacements, as a hand wobbles
(Simard et al., 2003). After the map, each image may be retouched on its own (engine/data/retouch.py:
another pen, stroke thickness, a photo's contrast, blur and noise)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .retouch import retouch

SIDE = 28
CENTRE = (SIDE - 1) / 2
# Each output pixel's column u and row v, relative to the centre, and a 1: a (3, 784) matrix, so
# that one product with a map gives where every pixel reads.
PIXELS = np.stack([np.tile(np.arange(SIDE), SIDE) - CENTRE, np.repeat(np.arange(SIDE), SIDE) - CENTRE,
                   np.ones(SIDE * SIDE)]).astype(np.float32)
# An elastic field is drawn on a coarse grid of this many points a side and interpolated in between.
ELASTIC_GRID = 4


@dataclass(frozen=True)
class Maps:
    """Random maps: affine (N, 2, 3), from an output pixel (u, v, 1) relative to the centre to the
    source point (x, y) it reads; and the elastic displacements (N, 2, 784) added to that point,
    or None."""
    affine: np.ndarray
    displacement: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.affine)

    def __getitem__(self, which) -> Maps:
        return Maps(self.affine[which], None if self.displacement is None else self.displacement[which])


@dataclass(frozen=True)
class Augmentation:
    max_shift: float = 2.0      # pixels
    max_rotation: float = 12.0  # degrees
    max_scale: float = 0.12     # relative: scale in [1 - s, 1 + s]
    max_slant: float = 0.0      # degrees: a shear along x, the top leaning right or left
    max_aspect: float = 0.0     # relative: width / height in [1 - a, 1 + a]
    max_elastic: float = 0.0    # pixels: the largest displacement of the elastic field
    thickness: float = 0.0      # strokes grown by up to this share of a pixel a side (worn by half)
    photo: float = 0.0          # the share of images retouched as a photo's preprocessed digit
    restroke: float = 0.0       # the share of images redrawn along their skeletons with another pen

    def __post_init__(self):
        if not all(0 <= v <= 1 for v in (self.thickness, self.photo, self.restroke)):
            raise ValueError("thickness (a share of a pixel's step), photo and restroke (shares of the images) "
                             f"must lie in [0, 1], got {self.thickness}, {self.photo} and {self.restroke}")

    def __call__(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(N, 784) images in [0, 1] -> (N, 784) randomly changed copies, same dtype."""
        out = warp(images, self.draw(rng, len(images)), self.border())
        self.retouch(out, rng)
        return out

    def border(self) -> int:
        """How far outside the image any map drawn here reads, in whole pixels, plus one for the
        neighbour to the right or below: a zero border this wide needs no bounds checks. The farthest
        reach is at the ends of the ranges (and at no turn or slant, as a check)."""
        ends = [(a, s, k, r) for a in {-self.max_rotation, 0.0, self.max_rotation}
                for s in {1 - self.max_scale, 1 + self.max_scale} for k in {-self.max_slant, 0.0, self.max_slant}
                for r in {1 - self.max_aspect, 1 + self.max_aspect}]
        angle, scale, slant, aspect = (np.array(v, float) for v in zip(*ends))
        shift = np.full((len(ends), 2), self.max_shift)
        affine = inverse_maps(np.radians(angle), scale, shift, np.radians(slant), aspect)
        return border_for(affine) + math.ceil(self.max_elastic)

    def draw(self, rng: np.random.Generator, count: int) -> Maps:
        """`count` random maps."""
        angle = np.radians(rng.uniform(-self.max_rotation, self.max_rotation, count))
        scale = rng.uniform(1 - self.max_scale, 1 + self.max_scale, count)
        shift = rng.uniform(-self.max_shift, self.max_shift, (count, 2))
        if not (self.max_slant or self.max_aspect or self.max_elastic):
            return Maps(inverse_maps(angle, scale, shift))
        slant = np.radians(rng.uniform(-self.max_slant, self.max_slant, count))
        aspect = rng.uniform(1 - self.max_aspect, 1 + self.max_aspect, count)
        displacement = elastic_fields(rng, count, self.max_elastic) if self.max_elastic else None
        return Maps(inverse_maps(angle, scale, shift, slant, aspect), displacement)

    def retouch(self, images: np.ndarray, rng: np.random.Generator) -> None:
        """Each image's own changes after its map, in place; nothing (and no draw) if none is asked."""
        if self.thickness or self.photo or self.restroke:
            retouch(images, rng, self.thickness, self.photo, self.restroke)


# The named sets of changes the command line and the model files know.
AUGMENTATIONS = {
    "basic": Augmentation(),
    # Other hands, pens and pictures: slants of +-20 degrees, widths from 0.75 to 1.25 of the height,
    # wobbles of up to 1.5 pixels, strokes a pixel thinner or thicker, a quarter of the images photo-like.
    "hands": Augmentation(max_shift=2.0, max_rotation=15.0, max_scale=0.12, max_slant=20.0, max_aspect=0.25,
                          max_elastic=1.5, thickness=1.0, photo=0.25),
    # The same, and half the images redrawn with a pen of one width (engine/data/restroke.py).
    "pens": Augmentation(max_shift=2.0, max_rotation=15.0, max_scale=0.12, max_slant=20.0, max_aspect=0.25,
                         max_elastic=1.5, thickness=1.0, photo=0.25, restroke=0.5),
}


def elastic_fields(rng: np.random.Generator, count: int, largest: float) -> np.ndarray:
    """`count` smooth random displacement fields (count, 2, 784), each at most a random share of
    `largest` pixels long: random vectors on a coarse grid, interpolated bilinearly in between."""
    coarse = rng.standard_normal((count, 2, ELASTIC_GRID * ELASTIC_GRID))
    fields = coarse @ _ELASTIC_SPREAD.T
    longest = np.sqrt((fields ** 2).sum(axis=1)).max(axis=1)
    fields *= (rng.uniform(0, largest, count) / np.maximum(longest, 1e-9))[:, None, None]
    return fields.astype(np.float32)


def _spread_matrix() -> np.ndarray:
    """(784, grid points): bilinear interpolation of the coarse grid at every pixel."""
    at = np.arange(SIDE) * (ELASTIC_GRID - 1) / (SIDE - 1)
    weights = np.stack([np.interp(at, np.arange(ELASTIC_GRID), np.eye(ELASTIC_GRID)[k]) for k in range(ELASTIC_GRID)], 1)
    return np.einsum("yi,xj->yxij", weights, weights).reshape(SIDE * SIDE, ELASTIC_GRID * ELASTIC_GRID)


_ELASTIC_SPREAD = _spread_matrix()


def inverse_maps(angle: np.ndarray, scale: np.ndarray, shift: np.ndarray, slant: np.ndarray | None = None,
                 aspect: np.ndarray | None = None) -> np.ndarray:
    """The maps (N, 2, 3) that undo "make the width `aspect` times what it was against the height
    (the area kept), slant by `slant` (radians, the top to the right), scale, turn by `angle`
    (radians), then shift by (dx, dy)": where each output pixel must read, for warp()."""
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    dx, dy = shift[:, 0], shift[:, 1]
    maps = np.empty((len(angle), 2, 3))
    maps[:, 0] = np.stack([cos, sin, -(cos * dx + sin * dy)], axis=1)
    maps[:, 1] = np.stack([-sin, cos, sin * dx - cos * dy], axis=1)
    if slant is None and aspect is None:
        return maps
    # Undoing the slant (x + tan * y) and then the aspect, after undoing the turn and the shift.
    slant = np.zeros(len(angle)) if slant is None else slant
    root = np.ones(len(angle)) if aspect is None else np.sqrt(aspect)
    undo = np.zeros((len(angle), 2, 2))
    undo[:, 0, 0], undo[:, 0, 1], undo[:, 1, 1] = 1 / root, np.tan(slant) / root, root
    return undo @ maps


def _parts(maps: Maps | np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return (maps.affine, maps.displacement) if isinstance(maps, Maps) else (maps, None)


def border_for(maps: Maps | np.ndarray) -> int:
    """Augmentation.border() for any maps: the farthest any of them reads is where a corner of the
    field goes, plus the longest elastic displacement."""
    affine, displacement = _parts(maps)
    reach = np.abs(affine[:, :, :2]).sum(axis=2).max(initial=0) * CENTRE + np.abs(affine[:, :, 2]).max(initial=0)
    if displacement is not None:
        reach += np.abs(displacement).max(initial=0)
    return max(0, math.ceil(reach - CENTRE)) + 1


def padded(images: np.ndarray, border: int) -> np.ndarray:
    """(N, 784) images as (N, side, side) with a zero border, side = 28 + 2 * border."""
    n = len(images)
    out = np.zeros((n, SIDE + 2 * border, SIDE + 2 * border), dtype=np.float32)
    out[:, border:border + SIDE, border:border + SIDE] = images.reshape(n, SIDE, SIDE)
    return out


def source_points(maps: Maps | np.ndarray, border: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each output pixel reads, for each map: the index of the source point's top-left
    neighbour in a padded image read as one flat array, and the point's fractions along x and y past
    that neighbour; each (N, 784)."""
    side = SIDE + 2 * border
    affine, displacement = _parts(maps)
    affine = affine.astype(np.float32)
    affine[:, :, 2] += CENTRE + border                # into the padded image's coordinates
    points = affine @ PIXELS
    if displacement is not None:
        points += displacement
    x, y = points.transpose(1, 0, 2)
    x0, y0 = np.floor(x), np.floor(y)
    return (y0 * side + x0).astype(np.intp), x - x0, y - y0


def warp(images: np.ndarray, maps: Maps | np.ndarray, border: int | None = None) -> np.ndarray:
    """Every image (N, 784) resampled bilinearly through its map, as Augmentation.draw() makes them
    (or affine maps alone, (N, 2, 3)); `border` as Augmentation.border() (by default worked out
    from the maps)."""
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
