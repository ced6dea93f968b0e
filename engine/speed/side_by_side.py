"""A block of augmented batches made at once, the images that share a random map resampled side by
side (engine/data/batches.py says which images share one).

The images of one map lie in the columns of a (pixels, images) array, so each neighbour gather of
the bilinear resampling copies whole rows, and where each pixel reads is worked out once per map
instead of once per image. The numbers are those of Batches.make(), step by step."""
from __future__ import annotations

import numpy as np

from ..data.augment import SIDE, Maps, interpolate, source_points
from ..data.batches import Batches


def make_steps(batches: Batches, start: int, stop: int, out: np.ndarray) -> np.ndarray:
    """The images of steps start..stop-1 one after the other, into the first rows of `out` (as many
    rows as the steps have images); their labels are returned."""
    per_block = batches.map_block_steps()
    at, labels = 0, []
    for block_start in range(start - start % per_block, stop, per_block):
        first, last = max(start, block_start), min(stop, block_start + per_block)
        rows = [batches.rows(step) for step in range(first, last)]
        everything = np.concatenate(rows)
        which = np.concatenate([batches.map_of_each(step, len(r)) for step, r in zip(range(first, last), rows)])
        into = out[at:at + len(everything)]
        if batches.augmentation is None:
            np.take(batches.split.x, everything, axis=0, out=into)
        else:
            resample(batches.split.x, everything, batches.block_maps(block_start // per_block), which,
                     batches.augmentation.border(), into)
            done = 0
            for step, r in zip(range(first, last), rows):      # each image's own changes, step by step
                batches.retouch(into[done:done + len(r)], step)
                done += len(r)
        labels.append(batches.split.t[everything])
        at += len(everything)
    return np.concatenate(labels)


def resample(source: np.ndarray, rows: np.ndarray, maps: Maps, which: np.ndarray, border: int,
             out: np.ndarray) -> None:
    """out[i] = source[rows[i]] through maps[which[i]], as warp() makes it, a map at a time."""
    corner, fx, fy = source_points(maps, border)
    side = SIDE + 2 * border
    order = np.argsort(which, kind="stable")                      # the images of each map, in runs
    bounds = np.searchsorted(which[order], np.arange(len(maps) + 1))
    for k in range(len(maps)):
        mine = order[bounds[k]:bounds[k + 1]]
        if not len(mine):
            continue
        stack = np.zeros((side, side, len(mine)), dtype=np.float32)
        stack[border:border + SIDE, border:border + SIDE] = source[rows[mine]].T.reshape(SIDE, SIDE, -1)
        flat = stack.reshape(side * side, -1)
        top = corner[k]
        a, b = flat.take(top, axis=0, mode="wrap"), flat[1:].take(top, axis=0, mode="wrap")
        c, d = flat[side:].take(top, axis=0, mode="wrap"), flat[side + 1:].take(top, axis=0, mode="wrap")
        out[mine] = interpolate(a, b, c, d, fx[k][:, None], fy[k][:, None]).T
