"""Digits redrawn with another pen: each image thinned to a one-pixel skeleton, then drawn again along
it with a round pen of one width all the way, as a ballpoint, a marker or the app's canvas draws.
MNIST's strokes swell and thin with the writer's pressure, and a network that has only seen those
misreads the even, often thin strokes of other pens (a filled loop, a thin 4).

Both steps work at twice MNIST's resolution, so that the skeleton follows a stroke's middle to half a
pixel, and come back to 28x28 by averaging 2x2 blocks (anti-aliasing). Thinning is Zhang and Suen's
(1984), a 3x3 neighbourhood read as one byte and looked up in a table."""
from __future__ import annotations

import numpy as np

SIDE = 28
SCALE = 2               # skeletons are found and drawn at SCALE times MNIST's resolution
INK = 0.45              # a pixel of the enlarged digit at least this bright is ink to be thinned
WIDTHS = (1.0, 3.5)     # the new pen's width, in MNIST pixels (MNIST's own strokes are about 2-3)


def enlarge_matrix(n: int = SIDE, factor: int = SCALE) -> np.ndarray:
    """(n * factor, n): linear interpolation between pixel centres, for m @ image @ m.T."""
    at = (np.arange(n * factor) + 0.5) / factor - 0.5
    low = np.clip(np.floor(at).astype(int), 0, n - 1)
    high = np.clip(low + 1, 0, n - 1)
    frac = np.clip(at - np.floor(at), 0, 1)
    m = np.zeros((n * factor, n))
    m[np.arange(len(at)), low] += 1 - frac
    m[np.arange(len(at)), high] += frac
    return m


_ENLARGE = enlarge_matrix().astype(np.float32)


def _removable_table(first: bool) -> np.ndarray:
    """For each of the 256 neighbourhoods (bit i: the i-th neighbour clockwise from the top, set if
    ink), whether Zhang-Suen's first or second sub-iteration removes the pixel in the middle: it has
    2-6 ink neighbours, exactly one paper-to-ink step around it, and is on the side being peeled."""
    table = np.zeros(256, bool)
    for code in range(256):
        n = [(code >> i) & 1 for i in range(8)]
        steps = sum(n[i] == 0 and n[(i + 1) % 8] == 1 for i in range(8))
        top, right, bottom, left = n[0], n[2], n[4], n[6]
        if first:
            side = not (top and right and bottom) and not (right and bottom and left)
        else:
            side = not (top and right and left) and not (top and bottom and left)
        table[code] = 2 <= sum(n) <= 6 and steps == 1 and side
    return table


_REMOVABLE = (_removable_table(True), _removable_table(False))


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of (N, H, W) boolean images to lines one pixel wide."""
    img = np.pad(mask, ((0, 0), (1, 1), (1, 1))).astype(np.uint8)
    busy = np.arange(len(img))                      # images still changing
    while len(busy):
        changed = np.zeros(len(busy), bool)
        for removable in _REMOVABLE:
            p = img[busy]
            code = (p[:, :-2, 1:-1] | p[:, :-2, 2:] << 1 | p[:, 1:-1, 2:] << 2 | p[:, 2:, 2:] << 3
                    | p[:, 2:, 1:-1] << 4 | p[:, 2:, :-2] << 5 | p[:, 1:-1, :-2] << 6 | p[:, :-2, :-2] << 7)
            remove = removable[code] & (p[:, 1:-1, 1:-1] == 1)
            p[:, 1:-1, 1:-1][remove] = 0
            img[busy] = p
            changed |= remove.any(axis=(1, 2))
        busy = busy[changed]
    return img[:, 1:-1, 1:-1].astype(bool)


def draw_with_pen(skeletons: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(N, H, W) skeletons drawn with round pens `widths` (N,) pixels wide: each pixel as covered as
    a disc of that width around its nearest skeleton pixel covers it (a soft edge half a pixel wide)."""
    n, h, w = skeletons.shape
    radius = np.asarray(widths, np.float32) / 2
    reach = int(np.ceil(radius.max() + 0.5))
    padded = np.zeros((n, h + 2 * reach, w + 2 * reach), np.float32)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            cover = np.clip(radius + 0.5 - np.hypot(dy, dx), 0, 1)
            if cover.any():
                shifted = padded[:, reach + dy:reach + dy + h, reach + dx:reach + dx + w]
                np.maximum(shifted, skeletons * cover[:, None, None], out=shifted)
    return padded[:, reach:reach + h, reach:reach + w]


def restroke(images: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(N, 784) digits in [0, 1] redrawn along their skeletons with pens `widths` (N,) MNIST pixels
    wide: (N, 784) float32, the strongest ink 1. A digit too faint to have a skeleton stays as it was."""
    x = np.asarray(images, np.float32).reshape(-1, SIDE, SIDE)
    skeletons = thin(_ENLARGE @ x @ _ENLARGE.T >= INK)
    big = draw_with_pen(skeletons, np.asarray(widths, np.float32) * SCALE)
    small = big.reshape(len(x), SIDE, SCALE, SIDE, SCALE).mean(axis=(2, 4))
    peak = small.max(axis=(1, 2), keepdims=True)
    out = np.where(peak > 0, small / np.maximum(peak, 1e-6), x)
    return out.reshape(len(x), SIDE * SIDE).astype(np.float32)


def restroke_some(images: np.ndarray, rng: np.random.Generator, share: float) -> None:
    """A share of (N, 784) images redrawn in place with pens of random widths in WIDTHS."""
    if not share or not len(images):
        return
    chosen = rng.random(len(images)) < share
    widths = rng.uniform(*WIDTHS, len(images))
    if chosen.any():
        images[chosen] = restroke(images[chosen], widths[chosen])
