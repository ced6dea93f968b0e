"""Which images each training step gets: the epoch's shuffled order, cut into batches, augmented if
asked.

Every batch comes from generators seeded by (seed, purpose, epoch or step), so what a step gets
does not depend on when, with which others or in which thread or process it was made: a run is
reproducible from its seed, and a run resumed at any step continues exactly."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .augment import Augmentation, Maps, warp
from .datasets import Split

# Purposes, mixed into seeds so that each kind of randomness has its own stream (TRAIN_EVAL: the
# Trainer's sample of training images to measure accuracy on; RETOUCH: each image's own changes
# after its map, drawn per step).
SHUFFLE, STEP, TRAIN_EVAL, AUGMENT, RETOUCH = 1, 2, 3, 4, 5
# Augmented images share random maps, IMAGES_PER_MAP to a map, within blocks of MAP_BLOCK_IMAGES
# images' worth of consecutive steps: image i of a block takes map i % (maps of the block), so a
# batch of 100 in a block of 1,000 images has 20 maps, five images to each, and every image still
# gets a fresh map every epoch. Why share: the images of one map can be resampled side by side,
# which engine/speed does in half the time of a map for each (docs/performance.md); test accuracy
# with augmentation came out the same either way. What changes an image on its own (its strokes'
# thickness, a photo's look: engine/data/retouch.py) comes after the map, from the step's generator.
MAP_BLOCK_IMAGES = 1000
IMAGES_PER_MAP = 50


@dataclass
class Batch:
    x: np.ndarray
    t: np.ndarray
    # The step's generator for dropout, if a step needs one.
    rng: np.random.Generator | None


class Batches:
    """The batch of every step of a run over `split`, `batch_size` images at a time, shuffled anew
    each epoch (every image once per epoch: sampling without replacement). `random_steps`: whether a
    step's batch comes with its own generator (for dropout)."""

    def __init__(self, split: Split, batch_size: int, seed: int, augmentation: Augmentation | None = None,
                 random_steps: bool = False, map_block_images: int = MAP_BLOCK_IMAGES):
        self.split, self.batch_size, self.seed = split, batch_size, seed
        self.augmentation = augmentation
        self.map_block_images = map_block_images
        self.random_steps = random_steps
        self.steps_per_epoch = -(-len(split) // batch_size)
        self._order: tuple[int, np.ndarray] | None = None   # (epoch, its permutation): one epoch at a time

    def order(self, epoch: int) -> np.ndarray:
        """The permutation of the training set that `epoch` (0-based) goes through."""
        if self._order is None or self._order[0] != epoch:
            self._order = (epoch, np.random.default_rng([self.seed, SHUFFLE, epoch]).permutation(len(self.split)))
        return self._order[1]

    def rows(self, step: int) -> np.ndarray:
        """The training images of global step `step` (0-based, counted over all epochs), by index."""
        epoch, b = divmod(step, self.steps_per_epoch)
        return self.order(epoch)[b * self.batch_size:(b + 1) * self.batch_size]

    def make(self, step: int) -> Batch:
        """The batch of global step `step`."""
        rows = self.rows(step)
        x = self.split.x[rows]
        if self.augmentation is not None:
            maps = self.block_maps(step // self.map_block_steps())
            x = warp(x, maps[self.map_of_each(step, len(rows))], self.augmentation.border())
            self.retouch(x, step)
        return Batch(x, self.split.t[rows], self.step_rng(step))

    def retouch(self, x: np.ndarray, step: int) -> None:
        """Each image's own changes after its map, in place, for the images of step `step`."""
        self.augmentation.retouch(x, np.random.default_rng([self.seed, RETOUCH, step]))

    def map_block_steps(self) -> int:
        """How many consecutive steps share one draw of maps (MAP_BLOCK_IMAGES)."""
        return max(1, self.map_block_images // self.batch_size)

    def maps_per_block(self) -> int:
        return -(-self.map_block_steps() * self.batch_size // IMAGES_PER_MAP)

    def block_maps(self, block: int) -> Maps:
        """The random maps of the images of map block `block` (steps counted from 0)."""
        return self.augmentation.draw(np.random.default_rng([self.seed, AUGMENT, block]), self.maps_per_block())

    def map_of_each(self, step: int, size: int) -> np.ndarray:
        """Which of its block's maps each of the `size` images of step `step` takes."""
        return ((step % self.map_block_steps()) * self.batch_size + np.arange(size)) % self.maps_per_block()

    def step_rng(self, step: int) -> np.random.Generator | None:
        """The generator that dropout draws from in step `step` (None if the run has no dropout)."""
        return np.random.default_rng([self.seed, STEP, step]) if self.random_steps else None


def in_order(batches: Batches, start: int, stop: int) -> Iterator[Batch]:
    """The batches of steps start..stop-1, each made when it is needed: the Trainer's plain way."""
    for step in range(start, stop):
        yield batches.make(step)
