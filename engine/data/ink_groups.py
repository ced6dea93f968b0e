"""Which inked pixels belong together: connected pieces of ink, and pieces near each other gathered
into groups, so that a picture's digit can be told from specks, smudges and a second digit.

A piece is a set of touching pixels (8-connected). Its pixels are found a row at a time as runs,
and runs touching runs of the row above are joined (union-find, in whole arrays). Pieces whose
boxes lie within a quarter of their size of each other form a group: a 5's separate top bar joins
its body, a second digit written beside it does not."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A piece with less than this share of the largest piece's area is a speck.
SPECK_SHARE = 0.01
# Pieces closer than this share of the larger one's size (the longer side of its box) are one group.
NEAR = 0.25
# At most this many pieces (the largest) are gathered into groups; the rest are specks.
MOST_PIECES = 40
# A group touching the picture's edge is more likely the paper's edge, a shadow or the table.
EDGE_PENALTY = 0.2
# Another group counts as a second digit if it holds this share of the main group's ink and lies
# beside it (their rows overlapping by half of the shorter one).
DIGIT_SHARE = 0.3


@dataclass(frozen=True)
class Pieces:
    """The connected pieces of a mask: for each, its pixel count, ink mass and box (top, left,
    bottom, right; bottom and right exclusive), and its runs (row, first column, end column)."""
    area: np.ndarray
    mass: np.ndarray
    boxes: np.ndarray
    run_rows: np.ndarray
    run_starts: np.ndarray
    run_ends: np.ndarray
    run_piece: np.ndarray

    def __len__(self) -> int:
        return len(self.area)

    def paint(self, which: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """A boolean image of the pieces listed in `which`."""
        chosen = np.isin(self.run_piece, which)
        rows, starts, ends = self.run_rows[chosen], self.run_starts[chosen], self.run_ends[chosen]
        lengths = ends - starts
        offsets = np.repeat(rows * shape[1] + starts - np.cumsum(lengths) + lengths, lengths)
        out = np.zeros(shape[0] * shape[1], bool)
        out[offsets + np.arange(lengths.sum())] = True
        return out.reshape(shape)


def _roots(count: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union-find over `count` items joined by the links a[i]-b[i]: each item's smallest linked item."""
    parent = np.arange(count)
    while True:
        ra, rb = parent[a], parent[b]
        if np.array_equal(ra, rb):
            return parent
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:                                  # every item straight to its root
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up


def pieces(mask: np.ndarray, weights: np.ndarray) -> Pieces:
    """The 8-connected pieces of a boolean image; `weights` (same shape) gives each one's mass."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    # Runs of the row above that touch a run (diagonally too) form a contiguous range of runs.
    width = w + 2
    lo = np.searchsorted(rows * width + ends, (rows - 1) * width + starts, side="left")
    hi = np.searchsorted(rows * width + starts, (rows - 1) * width + ends, side="right")
    counts = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(len(rows)), counts)
    b = np.repeat(lo, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    roots = _roots(len(rows), a, b)
    _, piece = np.unique(roots, return_inverse=True)
    n = int(piece.max()) + 1 if len(piece) else 0
    cumulative = np.pad(np.cumsum(weights, axis=1), ((0, 0), (1, 0)))
    boxes = np.empty((n, 4), int)
    boxes[:, 0], boxes[:, 1] = h, w
    boxes[:, 2:] = 0
    np.minimum.at(boxes[:, 0], piece, rows)
    np.minimum.at(boxes[:, 1], piece, starts)
    np.maximum.at(boxes[:, 2], piece, rows + 1)
    np.maximum.at(boxes[:, 3], piece, ends)
    return Pieces(np.bincount(piece, ends - starts, n), np.bincount(piece, cumulative[rows, ends] - cumulative[rows, starts], n),
                  boxes, rows, starts, ends, piece)


@dataclass(frozen=True)
class Group:
    members: list[int]          # pieces
    box: tuple[int, int, int, int]
    mass: float

    @property
    def size(self) -> int:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])


def _near(a: tuple, b: tuple) -> bool:
    gap_y = max(a[0], b[0]) - min(a[2], b[2])
    gap_x = max(a[1], b[1]) - min(a[3], b[3])
    size = max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1])
    return max(gap_x, gap_y) <= NEAR * size


def groups(found: Pieces) -> list[Group]:
    """The pieces that are not specks, gathered into groups of nearby pieces, heaviest first."""
    if not len(found):
        return []
    keep = np.nonzero(found.area >= SPECK_SHARE * found.area.max())[0]
    keep = keep[np.argsort(-found.mass[keep], kind="stable")][:MOST_PIECES]
    result = [Group([int(i)], tuple(int(v) for v in found.boxes[i]), float(found.mass[i])) for i in keep]
    merged = True
    while merged:
        merged = False
        for i in range(len(result)):
            for j in range(i + 1, len(result)):
                a, b = result[i], result[j]
                if _near(a.box, b.box):
                    box = (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]), max(a.box[2], b.box[2]), max(a.box[3], b.box[3]))
                    result[i] = Group(a.members + b.members, box, a.mass + b.mass)
                    del result[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(result, key=lambda g: -g.mass)


def main_group(found: list[Group], shape: tuple[int, int]) -> Group:
    """The group most likely the digit: the heaviest, counting one that touches the edge as lighter."""
    def weight(g: Group) -> float:
        top, left, bottom, right = g.box
        edge = top == 0 or left == 0 or bottom == shape[0] or right == shape[1]
        return g.mass * (EDGE_PENALTY if edge and len(found) > 1 else 1.0)
    return max(found, key=weight)


def beside(g: Group, main: Group) -> bool:
    """Whether g lies beside the main group, as a second digit on the same line would: their rows
    overlap by half of the shorter one's height."""
    overlap = min(g.box[2], main.box[2]) - max(g.box[0], main.box[0])
    shorter = min(g.box[2] - g.box[0], main.box[2] - main.box[0])
    return overlap >= 0.5 * shorter


def digits_side_by_side(found: list[Group], main: Group) -> int:
    """How many digits the groups look like: the main one, and every other heavy one beside it."""
    return 1 + sum(1 for g in found if g is not main and g.mass >= DIGIT_SHARE * main.mass and beside(g, main))


def digit_members(found: list[Group], main: Group, drawing: bool) -> list[int]:
    """The pieces of the digit: the main group's; in a drawing, whose every stroke was meant, also
    those of every group not beside it (a 6's stem drawn apart above its loop), but not the specks."""
    if not drawing:
        return list(main.members)
    return [m for g in found if g is main or not beside(g, main) for m in g.members]
