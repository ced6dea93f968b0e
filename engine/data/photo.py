"""From any picture of a digit to its ink: paper of any brightness and evenness, ink of either
polarity, specks and noise left out, and only the digit's own group of ink kept.

1. Polarity: paper_is_light(). A threshold between the picture's two kinds of pixels (Otsu's method: the one that makes them
   most distinct) then tells paper pixels from ink.
2. The paper's level, everywhere: the median of the paper pixels in each cell of a coarse grid,
   interpolated in between. Ink is measured against the paper right around it, so uneven light, a
   shadow or a grey sheet leave no trace. Done twice, the second time with the paper told apart
   after the first correction.
3. Noise: the spread of the paper pixels, from their median absolute deviation. Ink must stand
   clearly above it, or above a fixed floor.
4. The digit: the ink's connected pieces, specks dropped and nearby pieces grouped
   (engine/data/ink_groups.py); the main group and a thin margin around it are kept. A drawing
   on the canvas has no dirt: there every group is kept but one beside the digit (a second digit).

A picture that is a small one enlarged by repeating pixels (an 8x8 digit shown large) is read at
its own resolution: the same digit, and the margin around the pieces counts its real pixels. The
analysis runs on a copy of at most ANALYSIS_SIDE pixels a side (cell means); its results apply
to the full picture. On a clean drawing (one exact paper colour, no noise, one group of ink) every
step leaves the ink as it is."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import ink_groups

ANALYSIS_SIDE = 400
CELL = 40             # the paper's level is estimated in cells of about this many analysis pixels
MOST_CELLS = 8        # ... and at most this many a side
PAPER_SHARE = 0.5     # a cell with fewer paper pixels than this share is filled from its neighbours
# Ink weaker than this fraction of the strongest ink is paper texture or JPEG ringing.
NOISE_FLOOR = 0.08
NOISE_SIGMAS = 4.0    # ... and ink must also stand this many noise deviations above the paper
BLANK_SIGMAS = 8.0    # a picture whose strongest ink is not this far above the noise is blank
# Below this contrast (on a 0..1 scale) between ink and paper the picture counts as blank.
MIN_CONTRAST = 0.1
MARGIN = 2            # analysis pixels kept around the digit's pieces (anti-aliased edges)
TAIL = 0.5            # percent of pixels in each tail of the departures that tell the polarity
SMALL_PICTURE = 80    # pictures with a shorter side than this are told their polarity by the corners
LARGEST_BLOCK = 16    # a picture enlarged up to this many times is recognised as such


def pixel_block(gray: np.ndarray) -> int:
    """k if the picture is a smaller one enlarged k times by repeating pixels (k x k squares of
    one value from the top-left corner), else 1."""
    h, w = gray.shape
    for k in range(min(LARGEST_BLOCK, h // 2, w // 2), 1, -1):
        if h % k == 0 and w % k == 0 and (gray[::k, ::k] == gray[k - 1::k, k - 1::k]).all() and \
                np.array_equal(np.repeat(np.repeat(gray[::k, ::k], k, axis=0), k, axis=1), gray):
            return k
    return 1


@dataclass(frozen=True)
class DigitInk:
    strength: np.ndarray    # (H, W) float64 in [0, 1], ink bright, zero outside the digit; peak 1
    digits: int             # how many digits side by side the ink looks like (1: one)


def otsu(values: np.ndarray) -> float:
    """The threshold in [0, 1] that best splits the values into two classes (Otsu, 1979)."""
    hist = np.bincount(np.minimum(values.ravel() * 255, 255).astype(np.uint8), minlength=256).astype(float)
    p = hist / hist.sum()
    below = np.cumsum(p)
    mean_below = np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_below[-1] * below - mean_below) ** 2 / (below * (1 - below))
    return (int(np.nanargmax(np.nan_to_num(between, nan=-1.0))) + 1) / 255


def cell_means(image: np.ndarray, factor: int) -> np.ndarray:
    """The image averaged over factor x factor cells (the last ones padded with the edge)."""
    if factor == 1:
        return image
    h, w = image.shape
    padded = np.pad(image, ((0, -h % factor), (0, -w % factor)), mode="edge")
    return padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor).mean(axis=(1, 3))


def _interpolation(n_out: int, n_cells: int) -> np.ndarray:
    """(n_out, n_cells): linear interpolation between cell centres, constant beyond the outer ones."""
    centres = (np.arange(n_cells) + 0.5) * n_out / n_cells
    eye = np.eye(n_cells)
    return np.stack([np.interp(np.arange(n_out) + 0.5, centres, eye[k]) for k in range(n_cells)], axis=1)


def paper_level(v: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Per cell of a coarse grid, the median of `v` over the pixels marked `paper`; cells with too
    little paper take the mean of their neighbours'. (cells_y, cells_x)."""
    h, w = v.shape
    gy, gx = (min(MOST_CELLS, max(1, round(n / CELL))) for n in (h, w))
    ys, xs = np.linspace(0, h, gy + 1).astype(int), np.linspace(0, w, gx + 1).astype(int)

    def per_cell(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(np.add.reduceat(values, ys[:-1], axis=0), xs[:-1], axis=1)
    pixels = np.diff(ys)[:, None] * np.diff(xs)[None, :]
    papers = per_cell(paper.astype(np.int64))
    # Where more than half of the paper pixels are exactly 0 (white paper), the median is 0.
    white = 2 * per_cell((paper & (v == 0)).astype(np.int64)) > papers
    level = np.where(papers >= PAPER_SHARE * pixels, 0.0, np.nan)
    for i, j in zip(*np.nonzero((papers >= PAPER_SHARE * pixels) & ~white)):
        level[i, j] = np.median(v[ys[i]:ys[i + 1], xs[j]:xs[j + 1]][paper[ys[i]:ys[i + 1], xs[j]:xs[j + 1]]])
    if np.isnan(level).all():
        return np.full((gy, gx), float(np.median(v[paper])) if paper.any() else 0.0)
    while np.isnan(level).any():
        padded = np.pad(level, 1, constant_values=np.nan)
        around = np.stack([padded[1 + dy:1 + dy + gy, 1 + dx:1 + dx + gx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
        known = ~np.isnan(around)
        count = known.sum(axis=0)
        fill = np.where(count > 0, np.where(known, around, 0.0).sum(axis=0) / np.maximum(count, 1), np.nan)
        level = np.where(np.isnan(level), fill, level)
    return level


def paper_is_light(gray: np.ndarray) -> bool:
    """Whether the picture is dark ink on light paper (else light ink on dark paper), by a vote of
    three signs, each fooled by a different picture: the paper is most of the picture (not when a
    bold digit fills it); it is in the corners, where digits are round (not when the light falls
    off there); the ink is the long tail of the pixels' departures from the median of their ninth
    of the picture (not when a thick stroke fills one). A small picture has no room for uneven
    light or a margin of paper, and is judged by its corners alone."""
    h, w = gray.shape
    split = otsu(gray)
    n = max(1, min(h, w) // 8)
    corners = np.concatenate([gray[:n, :n], gray[:n, -n:], gray[-n:, :n], gray[-n:, -n:]], axis=None)
    by_corners = float(np.median(corners)) >= split
    if min(h, w) < SMALL_PICTURE:
        return by_corners
    by_share = float(np.mean(gray >= split)) > 0.5
    ch, cw = h // 3, w // 3
    cells = gray[:3 * ch, :3 * cw].reshape(3, ch, 3, cw).transpose(0, 2, 1, 3).reshape(3, 3, -1)
    deviation = gray - _spread(np.median(cells, axis=2), gray.shape)
    by_tail = -np.percentile(deviation, TAIL) > np.percentile(deviation, 100 - TAIL)
    return by_corners + by_share + bool(by_tail) >= 2


def _spread(level: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return _interpolation(shape[0], level.shape[0]) @ level @ _interpolation(shape[1], level.shape[1]).T


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    out = mask.copy()
    for axis in (0, 1):
        grown = out.copy()
        for shift in range(1, radius + 1):
            lead = [slice(None)] * 2
            lag = [slice(None)] * 2
            lead[axis], lag[axis] = slice(shift, None), slice(None, -shift)
            grown[tuple(lead)] |= out[tuple(lag)]
            grown[tuple(lag)] |= out[tuple(lead)]
        out = grown
    return out


def _corrected(v: np.ndarray, level: np.ndarray) -> np.ndarray:
    """How far each pixel is from the paper towards full ink, 0..1 (negative: lighter than the paper)."""
    return (v - level) / np.maximum(1.0 - level, 1e-3)


def find_digit(gray: np.ndarray, drawing: bool = False) -> DigitInk | None:
    """The ink of the digit in a (H, W) grayscale picture in [0, 1]; None when there is none.
    `drawing`: the picture is the canvas's strokes alone, so no group of ink is dirt."""
    block = pixel_block(gray)
    if block > 1:                             # an enlarged small picture: its own pixels, the same digit
        gray = gray[::block, ::block]
    factor = max(1, math.ceil(max(gray.shape) / ANALYSIS_SIDE))
    small = cell_means(gray, factor)
    if small.max() - small.min() < MIN_CONTRAST:
        return None
    # Ink bright from here on: v is 0 on white paper under dark ink.
    light_paper = paper_is_light(small)
    v_small, v = (1.0 - small, 1.0 - gray) if light_paper else (small, gray)
    level, noise = paper_and_noise(v_small)
    if level.any():
        residual_small = _corrected(v_small, _spread(level, v_small.shape))
        strength = np.clip(_corrected(v, _spread(level, v.shape)), 0.0, 1.0)
    else:                                     # one exact paper colour: nothing to correct
        residual_small, strength = v_small, v.copy()
    peak = float(strength.max())
    if peak < max(MIN_CONTRAST, BLANK_SIGMAS * noise):
        return None
    strength /= peak
    strength[strength < max(NOISE_FLOOR, NOISE_SIGMAS * noise / peak)] = 0.0
    return _keep_digit(strength, np.clip(residual_small, 0, None) / peak, factor, drawing)


def paper_and_noise(v: np.ndarray) -> tuple[np.ndarray, float]:
    """The paper's level in each cell (paper_level(), twice: the second time with the paper told
    apart on the corrected picture), and the noise's standard deviation on the paper. A small
    picture's paper is taken to be even and clean, of the corners' level: a few pixels are too few
    to tell noise from the grey edges of strokes."""
    if min(v.shape) < SMALL_PICTURE:
        n = max(1, min(v.shape) // 8)
        corners = np.concatenate([v[:n, :n], v[:n, -n:], v[-n:, :n], v[-n:, -n:]], axis=None)
        return np.full((1, 1), float(np.median(corners))), 0.0
    paper = v < otsu(v)
    level = paper_level(v, paper)
    if not level.any():
        residual = v
    else:
        first = np.clip(_corrected(v, _spread(level, v.shape)), 0.0, 1.0)
        paper = first < otsu(first)
        level = paper_level(v, paper)
        residual = _corrected(v, _spread(level, v.shape))
    on_paper = residual[paper]
    noise = 1.4826 * float(np.median(np.abs(on_paper - np.median(on_paper)))) if on_paper.size else 0.0
    return level, noise


def _keep_digit(strength: np.ndarray, small: np.ndarray, factor: int, drawing: bool) -> DigitInk | None:
    """Zero everything but the digit's pieces (ink_groups.digit_members()) and a margin around them."""
    ink = small > otsu(np.clip(small, 0, 1))
    pieces = ink_groups.pieces(ink, small)
    found = ink_groups.groups(pieces)
    if not found:
        return None
    main = ink_groups.main_group(found, ink.shape)
    keep = _dilate(pieces.paint(np.array(ink_groups.digit_members(found, main, drawing)), ink.shape), MARGIN)
    if factor > 1:
        keep = np.repeat(np.repeat(keep, factor, axis=0), factor, axis=1)[:strength.shape[0], :strength.shape[1]]
    if not keep.all():
        strength = np.where(keep, strength, 0.0)
    if not strength.any():
        return None
    return DigitInk(strength / strength.max(), ink_groups.digits_side_by_side(found, main))
