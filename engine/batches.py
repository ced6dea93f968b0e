"""The training batches of a run, made on a background thread while the steps before them train.

Making a batch means gathering its rows of the epoch's shuffled order from the training set and,
with augmentation on, moving, turning and resizing every image (engine/augment.py). Both only read
the training set, so the next batches can be made while the network trains on the current ones.
They are made several at a time: a thread that made one batch per step made MLP 784-100-10 epochs
slower (0.45 -> 0.52 s: every step handed work to it and back), where blocks of a thousand images
made them faster (0.58 -> 0.55 s; a CNN's epoch on 12,000 images 2.58 -> 2.44 s). Each way was
timed in turns in one process; bench/train_speed.py measures what augmentation adds to an epoch.

Every batch comes from generators seeded by (seed, purpose, epoch or step), so what a step gets
does not depend on when, with which others or on which thread it was made: a run's batches are the
same made ahead or in line, and a run resumed at any step continues exactly."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .augment import Augmentation, Transforms, apply
from .datasets import Split

# Purposes, mixed into seeds so that each kind of randomness has its own stream.
SHUFFLE, STEP = 1, 2
# ahead() makes the batches of this many images' worth of steps at a time.
BLOCK_IMAGES = 1000


@dataclass
class Batch:
    x: np.ndarray
    t: np.ndarray
    rng: np.random.Generator | None   # the step's generator, already used by augmentation; dropout's next


class Batches:
    """The batch of every step of a run over `split`, `batch_size` images at a time, shuffled anew
    each epoch. `random_steps`: whether a step needs its own generator (augmentation, dropout)."""

    def __init__(self, split: Split, batch_size: int, seed: int,
                 augmentation: Augmentation | None = None, random_steps: bool = False):
        self.split, self.batch_size, self.seed = split, batch_size, seed
        self.augmentation = augmentation
        self.random_steps = random_steps or augmentation is not None
        self.steps_per_epoch = -(-len(split) // batch_size)
        self._order: tuple[int, np.ndarray] | None = None   # (epoch, its permutation): one epoch at a time

    def order(self, epoch: int) -> np.ndarray:
        """The permutation of the training set that `epoch` (0-based) goes through."""
        if self._order is None or self._order[0] != epoch:
            self._order = (epoch, np.random.default_rng([self.seed, SHUFFLE, epoch]).permutation(len(self.split)))
        return self._order[1]

    def make(self, step: int) -> Batch:
        """The batch of global step `step` (0-based, counted over all epochs)."""
        return self.make_many(step, step + 1)[0]

    def make_many(self, start: int, stop: int) -> list[Batch]:
        """The batches of steps start..stop-1, with one gather and one augmentation for all."""
        rows = [self._rows(step) for step in range(start, stop)]
        everything = np.concatenate(rows)
        x, t = self.split.x[everything], self.split.t[everything]
        rngs = [np.random.default_rng([self.seed, STEP, step]) if self.random_steps else None
                for step in range(start, stop)]
        if self.augmentation is not None:
            maps = Transforms.concatenate([self.augmentation.draw(rng, len(r)) for rng, r in zip(rngs, rows)])
            x = apply(x, maps, self.augmentation.border())
        bounds = np.cumsum([0] + [len(r) for r in rows])
        return [Batch(x[a:b], t[a:b], rng) for a, b, rng in zip(bounds[:-1], bounds[1:], rngs)]

    def _rows(self, step: int) -> np.ndarray:
        epoch, b = divmod(step, self.steps_per_epoch)
        return self.order(epoch)[b * self.batch_size:(b + 1) * self.batch_size]

    def ahead(self, start: int, stop: int) -> Iterator[Batch]:
        """The batches of steps start..stop-1 in turn, made in blocks on a background thread, the
        next block while the current one is in use. Close the iterator (or let it finish) to end
        the thread; at most the block being made is waited for."""
        per_block = max(1, BLOCK_IMAGES // self.batch_size)
        blocks = [(first, min(first + per_block, stop)) for first in range(start, stop, per_block)]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batches") as pool:
            pending = pool.submit(self.make_many, *blocks[0]) if blocks else None
            try:
                for i in range(len(blocks)):
                    made = pending.result()
                    pending = pool.submit(self.make_many, *blocks[i + 1]) if i + 1 < len(blocks) else None
                    yield from made
            finally:
                if pending is not None:
                    pending.cancel()
