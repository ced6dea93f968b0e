"""Making augmented training batches in child processes, beside the training thread.

Augmenting is NumPy work in many short calls (engine/augment.py). On a thread of the training
process it keeps taking the GIL from the training thread and back: an MLP 784-100-10 trained 14-35%
slower beside a thread augmenting, and the augmenting ran 6-34% slower than alone (timed in one
process, the MLP on one engine thread). Child processes have interpreters and GILs of their own, as
PyTorch's DataLoader workers do.

There is one child per core. They run at the lowest priority (SCHED_IDLE), taking only CPU time that
nothing else wants, so that neither the window nor the training waits for them: one uses the core
that the training leaves free, the other works whenever the training thread waits for a batch.
Whichever is free takes the next request off a shared queue.

The children read the training images from a file that every process maps into memory (in /dev/shm
where there is one, so no disk is involved) and write each block of batches into a slot of a second
such file. The pipes carry only requests and the small rest of a block: its labels, and the
generators that dropout goes on with. The files are deleted as soon as the children have them open
(engine/shared_files.py)."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import sys
import traceback
from contextlib import ExitStack
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Self

import numpy as np

from . import parallel, shared_files
from .augment import Augmentation
from .batches import Batch, Batches, split_block
from .datasets import Split

# Blocks asked for ahead, per child: the next one ready while one more is being made.
AHEAD = 2
# The children's scheduling priority where SCHED_IDLE is missing (POSIX nice; 19 is the lowest).
NICENESS = 19
# mallopt() parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


class BatchProcessError(RuntimeError):
    """A child process could not start or stopped working."""


class BatchProcesses:
    """`count` child processes making blocks of `batches`' steps (Batches.block_steps() at a time)
    on request. Whichever child is free takes the next request, so a second one uses a core whenever
    the training thread waits; blocks come back in the order asked for. At most `capacity` blocks may
    be asked for and not yet received."""

    def __init__(self, batches: Batches, count: int):
        self._folder = shared_files.make_folder("batches")
        self._children: list[tuple[multiprocessing.Process, Connection]] = []
        self._held = ExitStack()                        # what the engine does differently while they run
        self._requested = self._received = 0
        self._arrived: dict[int, list[Batch]] = {}      # blocks that came back before the ones before them
        self.capacity = count * AHEAD
        try:
            self._files: BlockFiles | None = BlockFiles(self._folder, batches, self.capacity)
            context = multiprocessing.get_context("spawn")
            self._requests = context.SimpleQueue()
            for index in range(count):
                pipe, child_end = context.Pipe(duplex=False)
                process = context.Process(
                    target=serve, name=f"scratchnet-batches-{index + 1}", daemon=True,
                    args=(self._requests, child_end, self._files.opening))
                self._children.append((process, pipe))
                process.start()
                child_end.close()
            for _, pipe in self._children:
                if not pipe.poll(shared_files.START_SECONDS):
                    raise BatchProcessError("the process making the batches did not start within "
                                            f"{shared_files.START_SECONDS} s")
                self._message(pipe)                     # ("ready",): it has the files open
            self._remove_files()
            self._held.enter_context(parallel.beside_a_process())
        except BaseException:
            self.close()
            raise

    def request(self, start: int, stop: int) -> None:
        """Ask for the batches of steps start..stop-1, the next block."""
        if self._requested - self._received >= self.capacity:
            raise RuntimeError("every slot is taken: receive() a block first")
        self._requests.put((self._requested, slot_of(self._requested, self.capacity), start, stop))
        self._requested += 1

    def receive(self) -> list[Batch]:
        """The next block asked for, its images in their slot (BlockFiles.received() says until when)."""
        while self._received not in self._arrived:
            for pipe in wait([pipe for _, pipe in self._children]):
                _, block, slot, t, sizes, rngs = self._message(pipe)
                self._arrived[block] = self._files.received(slot, t, sizes, rngs)
        self._received += 1
        return self._arrived.pop(self._received - 1)

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
        self._held.close()
        for process, pipe in self._children:
            if process.pid is not None:
                process.terminate()
                process.join()
            pipe.close()
        self._children = []
        self._files = None
        self._remove_files()

    def _remove_files(self) -> None:
        # A file another process has open can be deleted on POSIX systems; elsewhere close() tries again.
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def slot_of(block: int, capacity: int) -> int:
    """The slot that block number `block` (counted from 0 in the order asked for) is made into, with
    up to `capacity` blocks asked for and not yet received: one slot more than that, in turn, so that
    a block's slot is asked for again only once the block after it has been received."""
    return block % (capacity + 1)


class BlockFiles:
    """The files through which child processes make blocks of `batches`' steps, in `folder`: the
    training images and labels, and the slots that the blocks are made into (a block's images each),
    for up to `capacity` blocks asked for and not yet received (slot_of()). The arrays go
    through files, so that what a pipe carries to a child at its start stays small: a child that
    dies before reading it all would leave the write hanging."""

    def __init__(self, folder: Path, batches: Batches, capacity: int):
        slots = capacity + 1
        block_images = batches.block_steps() * batches.batch_size
        arrays = {"images": np.ascontiguousarray(batches.split.x), "labels": np.ascontiguousarray(batches.split.t)}
        for name, array in arrays.items():
            array.tofile(folder / name)
        images = arrays["images"]
        shape = (slots, block_images, *images.shape[1:])
        # Its storage taken now: if the RAM folder is too full, the batches are made on a thread.
        shared_files.reserve(folder / "slots", int(np.prod(shape)) * images.itemsize)
        self.slots = np.memmap(folder / "slots", dtype=images.dtype, mode="r+", shape=shape)
        layout = {name: (array.dtype.str, array.shape) for name, array in arrays.items()}
        layout["slots"] = (images.dtype.str, self.slots.shape)
        # What open_block_files() takes in a child.
        self.opening = (str(folder), layout, batches.batch_size, batches.seed, batches.augmentation,
                        batches.random_steps, batches.block_images)

    def received(self, slot: int, t: np.ndarray, sizes: list[int], rngs: list) -> list[Batch]:
        """The batches of a block that a child made into `slot`, as views of it: they hold until the
        next block is received, when the slot may be asked for again (slot_of()). Copying blocks
        out (3 MB, 0.29 ms) cost the training thread 17-23 ms of an MLP 784-100-10 epoch, and its
        steps read views no slower than copies: in four comparisons of 16-20 epochs each, timed in
        turns in separate processes, augmentation added 5.3-13.1% with copies, -5.4-8.3% with views."""
        return split_block(self.slots[slot, :sum(sizes)].view(np.ndarray), t, sizes, rngs)


def open_block_files(folder: str, layout: dict[str, tuple[str, tuple[int, ...]]], batch_size: int, seed: int,
                     augmentation: Augmentation | None, random_steps: bool,
                     block_images: int) -> tuple[Batches, np.memmap]:
    """In a child, from BlockFiles.opening: Batches over the training set in the files, and the
    slots to make blocks into. `layout`: the dtype and shape of each array file in `folder`."""
    images, labels, slots = (np.memmap(Path(folder) / name, dtype=dtype, mode="r+" if name == "slots" else "r",
                                       shape=shape) for name, (dtype, shape) in layout.items())
    return Batches(Split(images, labels), batch_size, seed, augmentation, random_steps, block_images), slots


def _run_only_on_idle_cores() -> None:
    """Take only CPU time that no other thread wants."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        if hasattr(os, "nice"):
            os.nice(NICENESS)


def keep_freed_memory() -> None:
    """Have glibc keep the memory that a block's work arrays free, for the next block. It otherwise
    hands it back to the system after every block and takes it again for the next, a page fault per
    4 KiB: two per image, which made a child's augmenting 35% slower (15 µs an image, 11 without)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)      # blocks up to 32 MiB from the heap (glibc's largest)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)       # and keep up to 1 GiB of it free
    except (OSError, AttributeError):
        pass


def serve(requests, pipe: Connection, opening: tuple) -> None:
    """A child's loop: take a request off the shared queue, make its block into its slot, say so
    through the pipe; until the parent goes. `opening`: BlockFiles.opening."""
    _run_only_on_idle_cores()
    keep_freed_memory()
    parallel.set_threads(1)         # and BLAS one thread: each child is one of the workers already
    shared_files.end_with_the_parent()
    try:
        batches, slots = open_block_files(*opening)
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
            _, t, sizes, rngs = batches.make_block(start, stop, out=slots[slot])
            pipe.send(("block", block, slot, np.asarray(t), sizes, rngs))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
            pipe.send(("error", traceback.format_exc()))
            return
