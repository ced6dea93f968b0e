"""The training batches of a run, made ahead while the steps before them train.

Making a batch means gathering its rows of the epoch's shuffled order from the training set and,
with augmentation on, moving, turning and resizing every image (engine/augment.py). Both only read
the training set, so the next batches can be made while the network trains on the current ones:
augmented ones in child processes (engine/batch_process.py), where augmenting does not contend
with training for the GIL, plain ones on a background thread, as gathering rows is quick and
processes take a quarter second to start; either kind in the step helper's process when it runs
(engine/step_helper.py). They are made several at a time: a thread that made one batch per
step made MLP 784-100-10 epochs slower (0.45 -> 0.52 s: every step handed work to it and back),
where blocks of a thousand images made them faster (0.58 -> 0.55 s; a CNN's epoch on 12,000 images
2.58 -> 2.44 s). Each way was timed in turns in one process; bench/train_speed.py measures what
augmentation adds to an epoch.

Every batch comes from generators seeded by (seed, purpose, and epoch, block or step), so what a
step gets does not depend on when, with which others or in which thread or process it was made: a
run's batches are the same made ahead or in line, and a run resumed at any step continues exactly."""
from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol, Self

import numpy as np

from . import parallel
from .augment import Augmentation, Transforms, applying, run_to_end
from .datasets import Split

log = logging.getLogger(__name__)

# Purposes, mixed into seeds so that each kind of randomness has its own stream (TRAIN_EVAL: the
# Trainer's sample of training images to measure accuracy on; AUGMENT: the maps of a block's images).
SHUFFLE, STEP, TRAIN_EVAL, AUGMENT = 1, 2, 3, 4
# ahead() makes the batches of this many images' worth of steps at a time.
BLOCK_IMAGES = 1000
# About this many images of a block share each random map when augmenting: the images of one map
# are resampled side by side, which made an epoch's augmented batches in half the time of a map per
# image (engine/augment.py). Image i of a block with n maps takes map i % n, so a map's images are
# spread over the block's batches: a batch of 100 in a block of 1,000 images has 20 maps, five images
# to each. Trained with augmentation (seeds 0-2), test accuracy came out the same within the seeds'
# spread: MLP 784-100-10 97.19-97.43% this way and 97.29-97.40% with a map per image (5 epochs),
# MLP 784-256-256-10 98.03-98.21% and 97.93-98.29% (5 epochs), the CNN c16-c32-fc100 98.59-98.92% and
# 98.56-99.03% (2 epochs).
IMAGES_PER_MAP = 50


@dataclass
class Batch:
    x: np.ndarray
    t: np.ndarray
    # The step's generator for dropout, if a step needs one.
    rng: np.random.Generator | None


class Batches:
    """The batch of every step of a run over `split`, `batch_size` images at a time, shuffled anew
    each epoch. `random_steps`: whether a step's batch comes with its generator (for dropout).
    `block_images`: images' worth of steps that ahead() makes at a time (BLOCK_IMAGES)."""

    def __init__(self, split: Split, batch_size: int, seed: int,
                 augmentation: Augmentation | None = None, random_steps: bool = False, block_images: int | None = None):
        self.split, self.batch_size, self.seed = split, batch_size, seed
        self.block_images = BLOCK_IMAGES if block_images is None else block_images
        self.augmentation = augmentation
        self.random_steps = random_steps
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
        return split_block(*self.make_block(start, stop))

    def make_block(self, start: int, stop: int, out: np.ndarray | None = None) \
            -> tuple[np.ndarray, np.ndarray, list[int], list]:
        """make_many() before it is cut into batches: every image and label of steps start..stop-1
        (the images into the first rows of `out` if given), each step's batch size and each step's
        generator."""
        return run_to_end(self.making_block(start, stop, out))

    def making_block(self, start: int, stop: int, out: np.ndarray | None = None) \
            -> Generator[None, None, tuple[np.ndarray, np.ndarray, list[int], list]]:
        """make_block() a few dozen microseconds at a time: a generator that pauses after each
        batch's gather, or while it augments (engine/augment.py's applying()), and returns what
        make_block() does."""
        rows = [self._rows(step) for step in range(start, stop)]
        everything = np.concatenate(rows)
        t = self.split.t[everything]
        into = None if out is None else out[:len(everything)]
        if self.augmentation is not None:
            yield
            maps, which = yield from self._drawing_maps(start, stop, [len(r) for r in rows])
            yield
            x = yield from applying(self.split.x, maps, self.augmentation.border(), out=into, rows=everything,
                                    which=which)
        else:
            x = np.empty((len(everything), *self.split.x.shape[1:]), self.split.x.dtype) if into is None else into
            for begin in range(0, len(everything), self.batch_size):
                np.take(self.split.x, everything[begin:begin + self.batch_size], axis=0,
                        out=x[begin:begin + self.batch_size])
                yield
        # Handed on only when wanted: from a child process each costs ~30 µs to unpickle, and making
        # one 25-60 µs, so the step helper answers its requests in between.
        rngs = []
        for step in range(start, stop):
            rngs.append(np.random.default_rng([self.seed, STEP, step]) if self.random_steps else None)
            if self.random_steps:
                yield
        return x, t, [len(r) for r in rows], rngs

    def _drawing_maps(self, start: int, stop: int, sizes: list[int]) \
            -> Generator[None, None, tuple[Transforms, np.ndarray]]:
        """The random maps of the images of steps start..stop-1, and which map each image takes, as
        a generator that pauses after each block's maps (~60 µs, most of it making the generator).
        The maps belong to blocks of block_steps() steps counted from step 0, IMAGES_PER_MAP images
        to each, drawn from the block's own generator, and an image's map follows from its place in
        its block: so a step's images are the same whichever steps it is made with."""
        per_block = self.block_steps()
        count = -(-per_block * self.batch_size // IMAGES_PER_MAP)      # maps per block
        first, last = start // per_block, (stop - 1) // per_block
        drawn = []
        for block in range(first, last + 1):
            drawn.append(self.augmentation.draw(np.random.default_rng([self.seed, AUGMENT, block]), count))
            yield
        steps = np.repeat(np.arange(start, stop), sizes)                  # each image's step
        in_step = np.arange(len(steps)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        in_block = (steps % per_block) * self.batch_size + in_step
        return Transforms.concatenate(drawn), (steps // per_block - first) * count + in_block % count

    def _rows(self, step: int) -> np.ndarray:
        epoch, b = divmod(step, self.steps_per_epoch)
        return self.order(epoch)[b * self.batch_size:(b + 1) * self.batch_size]

    def block_steps(self) -> int:
        """How many steps' batches ahead() makes at a time."""
        return max(1, self.block_images // self.batch_size)

    def ahead(self, start: int, stop: int, process: bool | None = None,
              maker: BlockMaker | None = None) -> Iterator[Batch]:
        """The batches of steps start..stop-1 in turn, made in blocks ahead of their use, the next
        blocks while the current one is in use: by `maker` if given (the step helper, which
        engine/step_helper.py says why; left open), in child processes (`process`, by default when
        augmenting: engine/batch_process.py says why; on a thread if they cannot start) or on a
        background thread. Close the iterator (or let it finish) to end the processes or the thread;
        at most the block being made on a thread is waited for. A batch made by the processes or the
        helper lies in memory shared with them, and holds until the iterator moves on to the next
        block, whose making may then reuse it: copy one to keep it longer."""
        if start >= stop:
            return
        # Blocks counted from step 0, as their maps are (_drawing_maps()): a run resumed mid-block makes the
        # rest of that block first.
        per_block = self.block_steps()
        bounds = [start, *range((start // per_block + 1) * per_block, stop, per_block), stop]
        blocks = list(pairwise(bounds))
        if process is None:
            process = self.augmentation is not None and maker is None
        workers = None
        if process:
            from .batch_process import BatchProcessError, BatchProcesses  # here: it imports this module
            try:
                # One per core: a second one runs when the training thread waits for it.
                workers = BatchProcesses(self, min(parallel.usable_cores(), len(blocks)))
            except (BatchProcessError, OSError) as e:        # OSError: no room for the shared files, say
                log.warning("making the batches on a thread instead: %s", e)
        with nullcontext(maker) if maker is not None else workers or BatchThread(self) as making:
            for block in blocks[:making.capacity]:
                making.request(*block)
            for i in range(len(blocks)):
                made = making.receive()                 # and one more can be asked for
                if i + making.capacity < len(blocks):
                    making.request(*blocks[i + making.capacity])
                yield from made


class BlockMaker(Protocol):
    """What makes the blocks of ahead(): up to `capacity` blocks may be asked for and not yet
    received; they come back in the order asked for, and a block's batches hold at least until the
    next block is received."""
    capacity: int

    def request(self, start: int, stop: int) -> None:
        """Ask for the batches of steps start..stop-1."""

    def receive(self) -> list[Batch]:
        """The next block asked for, once made."""


class BatchThread:
    """Makes blocks of `batches`' steps on request on one background thread, in the order asked
    for; one block at a time may be asked for and not yet received (a BlockMaker)."""
    capacity = 1

    def __init__(self, batches: Batches):
        self._make = batches.make_many
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batches")
        self._pending: Future | None = None

    def request(self, start: int, stop: int) -> None:
        """Ask for the batches of steps start..stop-1."""
        self._pending = self._pool.submit(self._make, start, stop)

    def receive(self) -> list[Batch]:
        """The block asked for, once made (an error in making it is raised here)."""
        made, self._pending = self._pending, None
        return made.result()

    def close(self) -> None:
        """End the thread, after the block it is making, if any."""
        if self._pending is not None:
            self._pending.cancel()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def split_block(x: np.ndarray, t: np.ndarray, sizes: list[int], rngs: list) -> list[Batch]:
    """A block of consecutive steps' images and labels, cut into their batches."""
    bounds = np.cumsum([0, *sizes])
    return [Batch(x[a:b], t[a:b], rng) for a, b, rng in zip(bounds[:-1], bounds[1:], rngs)]
