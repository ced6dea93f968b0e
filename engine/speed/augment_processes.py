"""Augmented training batches made ahead in child processes, beside the training thread.

Augmenting is NumPy work in many short calls. On a thread of the training process it would keep
taking the GIL from the training thread and back; child processes have interpreters of their own,
as PyTorch's DataLoader workers do. They run at the lowest priority (SCHED_IDLE), taking only CPU
time nothing else wants, so neither the window nor the training waits for them.

The children read the training images from a file that every process maps into memory (in /dev/shm
where there is one) and write each block of batches into a slot of a second such file; the pipes
carry only requests and labels. The files are deleted as soon as the children have them open
(engine/speed/shared_files.py). A child makes a block of steps side by side
(engine/speed/side_by_side.py): the batches are those the plain loop makes."""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path

import numpy as np

from ..data.batches import Batch, Batches
from ..data.datasets import Split
from . import shared_files, threads
from .side_by_side import make_steps

log = logging.getLogger(__name__)

AHEAD = 2               # blocks asked for ahead, per child
NICENESS = 19           # where SCHED_IDLE is missing (POSIX nice; 19 is the lowest)


class BatchProcessError(RuntimeError):
    """A child process could not start or stopped working."""


def ahead(batches: Batches, start: int, stop: int) -> Iterator[Batch]:
    """A Trainer batch source: the batches of steps start..stop-1, made ahead in child processes
    (on this thread, in order, if they cannot start). A batch lies in memory shared with the
    children and holds only until the source has moved on to the next block: copy one to keep it."""
    if start >= stop:
        return
    # Requests follow the blocks of steps that share maps, so that each is made side by side whole.
    per_block = batches.map_block_steps()
    bounds = [start, *range(start - start % per_block + per_block, stop, per_block), stop]
    blocks = list(zip(bounds[:-1], bounds[1:]))
    try:
        children = BatchProcesses(batches, min(threads.usable_cores(), len(blocks)), per_block)
    except (BatchProcessError, OSError) as e:        # OSError: no room for the shared files, say
        log.warning("making the batches on the training thread instead: %s", e)
        yield from (batches.make(step) for step in range(start, stop))
        return
    with children:
        for block in blocks[:children.capacity]:
            children.request(*block)
        for i in range(len(blocks)):
            made = children.receive()
            if i + children.capacity < len(blocks):
                children.request(*blocks[i + children.capacity])
            yield from made


class BatchProcesses:
    """`count` child processes making blocks of up to `per_block` steps of `batches` on request;
    whichever child is free takes the next request, and blocks come back in the order asked for.
    At most `capacity` blocks may be asked for and not yet received."""

    def __init__(self, batches: Batches, count: int, per_block: int):
        self._batches = batches
        self._folder = shared_files.make_folder("batches")
        self._children: list[tuple[multiprocessing.Process, Connection]] = []
        self._requested = self._received = 0
        self._arrived: dict[int, tuple[int, int, np.ndarray]] = {}   # blocks that came before those asked earlier
        self.capacity = count * AHEAD
        # One slot more than blocks in flight: a slot is asked for again only once the block after it is received.
        self._slots_count = self.capacity + 1
        try:
            self._slots = self._share_files(per_block * batches.batch_size)
            context = multiprocessing.get_context("spawn")
            self._requests = context.SimpleQueue()
            for index in range(count):
                pipe, child_end = context.Pipe(duplex=False)
                process = context.Process(target=serve, name=f"scratchnet-batches-{index + 1}", daemon=True,
                                          args=(self._requests, child_end, self._opening))
                self._children.append((process, pipe))
                process.start()
                child_end.close()
            for _, pipe in self._children:
                if not pipe.poll(shared_files.START_SECONDS):
                    raise BatchProcessError(f"a process making the batches did not start within "
                                            f"{shared_files.START_SECONDS} s")
                self._message(pipe)                     # ("ready",): it has the files open
            shutil.rmtree(self._folder, ignore_errors=True)
        except BaseException:
            self.close()
            raise

    def _share_files(self, slot_images: int) -> np.memmap:
        """Write the training set into the folder, make the slots file, and say how a child opens them."""
        split = self._batches.split
        arrays = {"images": np.ascontiguousarray(split.x), "labels": np.ascontiguousarray(split.t)}
        for name, array in arrays.items():
            array.tofile(self._folder / name)
        images = arrays["images"]
        shape = (self._slots_count, slot_images, *images.shape[1:])
        # Its storage taken now: if the RAM folder is too full, the batches are made on this thread.
        shared_files.reserve(self._folder / "slots", int(np.prod(shape)) * images.itemsize)
        slots = np.memmap(self._folder / "slots", dtype=images.dtype, mode="r+", shape=shape)
        layout = {name: (array.dtype.str, array.shape) for name, array in arrays.items()}
        layout["slots"] = (images.dtype.str, shape)
        b = self._batches
        self._opening = (str(self._folder), layout, b.batch_size, b.seed, b.augmentation, b.random_steps,
                         b.map_block_images)
        return slots

    def request(self, start: int, stop: int) -> None:
        """Ask for the batches of steps start..stop-1, the next block."""
        if self._requested - self._received >= self.capacity:
            raise RuntimeError("every slot is taken: receive() a block first")
        self._requests.put((self._requested, self._requested % self._slots_count, start, stop))
        self._requested += 1

    def receive(self) -> list[Batch]:
        """The next block asked for, as views of its slot."""
        while self._received not in self._arrived:
            for pipe in wait([pipe for _, pipe in self._children]):
                _, block, start, stop, labels = self._message(pipe)
                self._arrived[block] = (start, stop, labels)
        block = self._received
        self._received += 1
        start, stop, labels = self._arrived.pop(block)
        images = self._slots[block % self._slots_count].view(np.ndarray)
        batches, at = [], 0
        for step in range(start, stop):
            size = len(self._batches.rows(step))
            batches.append(Batch(images[at:at + size], labels[at:at + size], self._batches.step_rng(step)))
            at += size
        return batches

    @staticmethod
    def _message(pipe: Connection) -> tuple:
        try:
            message = pipe.recv()
        except (EOFError, OSError) as e:
            raise BatchProcessError("a process making the batches ended unexpectedly") from e
        if message[0] == "error":
            raise BatchProcessError(f"making the batches failed:\n{message[1]}")
        return message

    def close(self) -> None:
        """End the children at once: they keep nothing worth finishing."""
        for process, pipe in self._children:
            if process.pid is not None:
                process.terminate()
                process.join()
            pipe.close()
        self._children = []
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> BatchProcesses:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _run_only_on_idle_cores() -> None:
    """Take only CPU time that no other thread wants."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        if hasattr(os, "nice"):
            os.nice(NICENESS)


def serve(requests, pipe: Connection, opening: tuple) -> None:
    """A child's loop: take a request off the shared queue, make its block into its slot, say so
    through the pipe; until the parent goes. `opening`: what BatchProcesses._share_files() says."""
    _run_only_on_idle_cores()
    threads.set_threads(1)          # and BLAS one thread: each child is one of the workers already
    shared_files.end_with_the_parent()
    try:
        folder, layout, batch_size, seed, augmentation, random_steps, map_block_images = opening
        images, labels, slots = (np.memmap(Path(folder) / name, dtype=dtype, mode="r+" if name == "slots" else "r",
                                           shape=shape) for name, (dtype, shape) in layout.items())
        batches = Batches(Split(images, labels), batch_size, seed, augmentation, random_steps, map_block_images)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        pipe.send(("error", traceback.format_exc()))
        return
    pipe.send(("ready",))
    while True:
        try:
            block, slot, start, stop = requests.get()
        except (EOFError, OSError):                     # the parent has gone
            return
        try:
            pipe.send(("block", block, start, stop, make_steps(batches, start, stop, slots[slot])))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
            pipe.send(("error", traceback.format_exc()))
            return
