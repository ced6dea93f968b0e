"""A second process that takes half of a training step's heaviest work: the large matrix products
and the optimizer's update, for a network whose step is mostly those (an MLP).

Why a process: NumPy releases the GIL inside its loops, but an optimizer step is dozens of short
calls, and two threads making them wait for the GIL in turn: each half of an Adam step on two
threads took as long as the whole on one (engine/optimizers.py). Why it spins while a run trains:
waking a sleeping process took 50-170 µs on a 2-core virtual machine, a tenth of a step; OpenBLAS's
threads spin between products for the same reason, and the helper takes their place (BLAS keeps
one thread beside it). After IDLE_SECONDS without work it sleeps, so a paused run leaves the core
idle.

The two processes share one file in RAM (engine/shared_files.py): a page of control words, the
optimizer's flat buffers (the parameters are views into them, engine/optimizers.py), and work space
for operands that lie in neither it nor the batches' files (a layer's gradient), which are copied
there. A request is written to the control words and published by raising a counter; the helper
answers by raising another. This relies on x86's ordering of stores (a store is never seen before an
earlier one), so the helper is used on x86-64 Linux only.

The helper also makes the training batches, in the time between its requests, into files that both
processes map (BlockFiles, as for the batch processes). The first layer's products then read a
step's images where they lie, where they were copied into the work space before: MLP 784-256-256-10
trained 6.7% and 9.9% faster that way (medians of 24 epochs each way, in separate processes timed in
turns), MLP 784-100-10 (whose products are not shared) as fast as with its batches made on a thread.
With augmentation on, it has to be the helper: child processes augmenting at the lowest priority
(engine/batch_process.py) get no time beside its spinning, and without the helper MLP 784-256-256-10
trained 20% slower with augmentation than without (4.0% with it: MIN_PARAMETERS). It makes a block a
few dozen microseconds at a time (Batches.making_block()) and answers requests in the pauses, so no
pause may be long: when a block's images were gathered all at once (0.27 ms) and its steps'
generators made in one go, the first pause of each block took 0.8 ms and augmentation added 8.3%
instead of 4.0% (epochs timed in turns in separate processes, 12 each).

Measured on MLP 784-256-256-10 (epochs of 60,000 images, batch 100, Adam, two cores): the Adam
steps of an epoch took 0.20-0.25 s with the helper and 0.36-0.43 s without; the two products it
shares took about as long as on BLAS's two threads (0.33 and 0.26 ms a step against 0.30 and
0.24), and epochs took 0.93-1.25 s against 1.10-1.44 s, the two timed in turns in separate
processes. Products of MLP 784-256-256-10's second layer (6.6M multiply-adds) came out slower
shared than on one thread (copies and the hand-over cost more than half the product), hence
MIN_PRODUCT."""
from __future__ import annotations

import logging
import multiprocessing
import platform
import shutil
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from multiprocessing.connection import Connection

import numpy as np

from . import parallel, shared_files
from .batch_process import BlockFiles, keep_freed_memory, open_block_files, slot_of
from .batches import Batch, Batches
from .network import Network
from .optimizers import Optimizer

log = logging.getLogger(__name__)

# The helper spins this long without work, then sleeps until woken.
IDLE_SECONDS = 0.005
# Floats in each work area (4 MiB): a product with a larger operand is not shared.
WORK = 1 << 20
# Multiply-adds below which a product stays in this process: sharing one costs copies and ~10 µs.
MIN_PRODUCT = 10_000_000
# Parameters below which an optimizer step stays in this process, with augmentation or without.
# With the helper augmenting the batches, MLP 784-256-256-10 (269,322 parameters) trained 4.0% slower
# than without augmentation (median of 12 epochs each), against 20.3% with batch processes and no
# helper (median of 10 pairs, bench/train_speed.py). MLP 784-100-10 (79,510) trained 8.1% slower with
# it, against 13.9% with batch processes (0.431 and 0.454 s against 0.399 s, medians of 48 epochs
# each, timed in turns in separate processes), since the helper augments in the pieces of its idle
# time and also takes half of each step.
MIN_PARAMETERS = 50_000
# A run of fewer steps than this goes without: starting the helper takes ~0.5 s of a core.
MIN_STEPS = 500

# The control words (int64): request and answer counters, state flags, the request's fields, and
# how many blocks of batches have been asked for.
SEQ, DONE, SLEEPING, READY, ERROR, OP, T, LR, DECAYED, START, STOP, BLOCKS_ASKED = range(12)
OPERANDS = 16                       # a product's a, b and out: (region, offset, rows, cols, row step, column step) each
OPERAND_WORDS = 6
PRODUCT_WORDS = 3 * OPERAND_WORDS
BLOCK_RANGES = OPERANDS + PRODUCT_WORDS  # each block slot's steps: (start, stop)
CONTROL_BYTES = 4096
# Blocks of batches asked for ahead: the next one ready while one more is being made.
BLOCKS_AHEAD = 2
MATMUL, UPDATE, QUIT = 1, 2, 3
WORK_AREAS = ("a", "b", "out")


class StepHelperError(RuntimeError):
    """The helper process could not start or stopped working."""


def supported() -> bool:
    """Whether the helper can run here: x86-64 Linux (the order of stores it relies on), with a RAM
    folder for the shared file."""
    return (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
            and shared_files.memory_folder() is not None)


def wanted(network: Network, batch_size: int, steps: int) -> bool:
    """Whether `steps` training steps of `network` are worth a helper: a float32 network that is
    not cut into slices on threads of its own (engine/data_parallel.py), large enough, trained long
    enough, on two cores or more, where it is supported()."""
    return (parallel.threads() >= 2 and steps >= MIN_STEPS and network.dtype == np.float32
            and network.parameter_count() >= MIN_PARAMETERS and network.slices(batch_size) == 1 and supported())


@contextmanager
def beside(rule: Optimizer, batches: Batches | None = None) -> Iterator[StepHelper | None]:
    """A StepHelper for the parameters of `rule` (that also makes the blocks of `batches`, if
    given) while the block runs, registered with engine/parallel.py, or None (with a warning) if it
    cannot start."""
    try:
        helper = StepHelper(rule, batches)
    except (StepHelperError, OSError) as e:        # OSError: no room for the shared file, say
        log.warning("training without a helper process: %s", e)
        yield None
        return
    with closing(helper), parallel.helped_by(helper):
        yield helper


class StepHelper:
    """A child process sharing `rule`'s buffers, which takes part of large products (matmul()) and
    of `rule`'s steps (update()) once ready(), for the thread that made it. Given `batches`, it also
    makes their blocks, in the time the rest leaves it: a BlockMaker (engine/batches.py) for
    Batches.ahead()."""

    def __init__(self, rule: Optimizer, batches: Batches | None = None):
        self._rule, self._owner = rule, threading.get_ident()
        self._seq, self._ready, self._failed = 0, False, False
        self._floats: np.ndarray | None = None
        self._regions: list[tuple[int, int]] = []         # (address, length in floats) of each shared region
        self._batches, self._files = batches, None
        # Each block asked for and not yet received, in order: its (start, stop) if this process
        # makes it (asked for before the helper was ready), None if the helper does.
        self._blocks_asked: deque[tuple[int, int] | None] = deque()
        self._sent = 0                                  # blocks asked of the helper
        self.capacity = BLOCKS_AHEAD
        self._length = length = len(rule.buffers()["values"])
        if rule.buffers()["values"].dtype != np.float32:
            raise StepHelperError("the helper shares float32 parameters only")
        if set(rule.buffers()) & set(WORK_AREAS):
            raise StepHelperError(f"{type(rule).__name__} names a buffer like a work area")
        layout, offset = {}, 0
        for name in [*rule.buffers(), *WORK_AREAS]:
            size = WORK if name in WORK_AREAS else length
            layout[name], offset = (offset, size), offset + size
        self._folder = shared_files.make_folder("helper")
        self._process: multiprocessing.Process | None = None
        try:
            path = self._folder / "arena"
            shared_files.reserve(path, CONTROL_BYTES + 4 * offset)
            mapped = np.memmap(path, dtype=np.uint8, mode="r+").view(np.ndarray)
            self._control = mapped[:CONTROL_BYTES].view(np.int64)
            self._floats = mapped[CONTROL_BYTES:].view(np.float32)
            self._areas = {name: self._floats[start:start + size] for name, (start, size) in layout.items()}
            rule.move_buffers(lambda name, size: self._areas[name][:size])
            if batches is not None:
                self._files = BlockFiles(self._folder, batches, BLOCKS_AHEAD)
            # Memory both processes map, where a product's operands are read without a copy: the
            # shared floats, and the slots the helper makes blocks of batches into (a step's images).
            self._regions = [(region.__array_interface__["data"][0], region.size) for region in
                             _regions(self._floats, self._files.slots if self._files else None)]
            context = multiprocessing.get_context("spawn")
            wake_end, self._wake = context.Pipe(duplex=False)          # (reading end, writing end)
            self._reports, report_end = context.Pipe(duplex=False)
            self._made, made_end = context.Pipe(duplex=False)
            self._process = context.Process(
                target=serve, name="scratchnet-step-helper", daemon=True,
                args=(str(path), layout, type(rule), rule.hyperparameters(), wake_end, report_end,
                      made_end, self._files.opening if self._files else None))
            self._process.start()
            for end in (wake_end, report_end, made_end):
                end.close()
            self._started = time.monotonic()
        except BaseException:
            self.close()
            raise

    def ready(self) -> bool:
        """Whether the helper takes work: it has started (the run goes on without it until then)
        and has not failed."""
        if not self._ready and not self._failed:
            if self._control[READY]:
                self._ready = True
                shutil.rmtree(self._folder, ignore_errors=True)    # it has the file open
            elif (self._control[ERROR] or not self._process.is_alive()
                  or time.monotonic() - self._started > shared_files.START_SECONDS):
                self._failed = True
                log.warning("training without a helper process: %s", self._failure())
        return self._ready and not self._failed

    def multiplies(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether matmul(a, b) is worth sharing: large enough, and its operands fit the work space."""
        return (threading.get_ident() == self._owner and a.dtype == b.dtype == np.float32
                and a.ndim == b.ndim == 2 and a.shape[1] == b.shape[0] and min(a.shape[0], b.shape[1]) >= 2
                and a.shape[0] * a.shape[1] * b.shape[1] >= MIN_PRODUCT
                and max(a.size, b.size, a.shape[0] * b.shape[1]) <= WORK)

    def matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """a @ b (into `out` if given): the helper computes the second half of the rows of the
        result, or of its columns if it has more of those."""
        rows, columns = a.shape[0], b.shape[1]
        out = np.empty((rows, columns), dtype=np.float32) if out is None else out
        if rows >= columns:
            half = rows // 2
            (a_mine, a_theirs), (b_mine, b_theirs) = (a[:half], a[half:]), (b, b)
            mine, theirs = out[:half], out[half:]
        else:
            half = columns // 2
            (a_mine, a_theirs), (b_mine, b_theirs) = (a, a), (b[:, :half], b[:, half:])
            mine, theirs = out[:, :half], out[:, half:]
        into = self._locate(theirs)
        space = None if into is not None else self._areas["out"][:theirs.size].reshape(theirs.shape)
        self._control[OPERANDS:OPERANDS + PRODUCT_WORDS] = (*self._share(a_theirs, "a"), *self._share(b_theirs, "b"),
                                                 *(into or self._locate(space)))
        self._publish(MATMUL)
        np.matmul(a_mine, b_mine, out=mine)
        self._wait()
        if space is not None:                        # computed in the work space: copied out
            np.copyto(theirs, space)
        return out

    def updates(self, rule: Optimizer) -> bool:
        """Whether update() takes `rule`'s step: the rule it was made for, from the thread that made it."""
        return rule is self._rule and threading.get_ident() == self._owner

    def update(self, grad: np.ndarray) -> None:
        """One step of the rule from the gradients in `grad` (one of its buffers): the helper
        updates the second half of the parameters."""
        rule, half = self._rule, self._length // 2
        self._control[T], self._control[DECAYED] = rule.t, grad is not rule.buffers()["grads"]
        self._control[LR:LR + 1].view(np.float64)[0] = rule.lr
        self._control[START], self._control[STOP] = half, self._length
        self._publish(UPDATE)
        rule.update_range(0, half, grad)
        self._wait()

    def close(self) -> None:
        """End the helper, and move the optimizer's buffers (with the parameters) back into memory of
        this process's own, so that the shared memory goes with the last of its arrays here."""
        if self._process is not None and self._process.pid is not None:
            if self._process.is_alive() and self._ready and not self._failed:
                self._publish(QUIT)
                self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
        self._process = None
        self._failed = True
        if self._floats is not None and any(self._locate(array[None]) is not None
                                            for array in self._rule.buffers().values()):
            self._rule.move_buffers(lambda name, size: np.empty(size, np.float32))
        self._files = None
        shutil.rmtree(self._folder, ignore_errors=True)

    def request(self, start: int, stop: int) -> None:
        """Ask for the batches of steps start..stop-1. The helper makes them in the time its other
        work leaves; this process does, in receive(), while the helper is not ready."""
        if len(self._blocks_asked) >= self.capacity:
            raise RuntimeError("every slot is taken: receive() a block first")
        if not self.ready():
            self._blocks_asked.append((start, stop))
            return
        self._blocks_asked.append(None)
        _, at = _slot_and_range(self._sent)
        self._control[at:at + 2] = start, stop
        self._sent += 1
        self._control[BLOCKS_ASKED] = self._sent        # published last: x86 keeps stores in order
        self._wake_if_sleeping()

    def receive(self) -> list[Batch]:
        """The next block asked for, once made."""
        here = self._blocks_asked.popleft()
        if here is not None:
            return self._batches.make_many(*here)
        while not self._made.poll(0.05):
            self._check()
        try:
            slot, t, sizes, rngs = self._made.recv()
        except (EOFError, OSError):
            self._check()
            raise StepHelperError("the helper process ended unexpectedly") from None
        return self._files.received(slot, t, sizes, rngs)

    def _publish(self, op: int) -> None:
        self._control[OP] = op
        self._seq += 1
        self._control[SEQ] = self._seq                 # published last: x86 keeps stores in order
        self._wake_if_sleeping()

    def _wake_if_sleeping(self) -> None:
        if self._control[SLEEPING]:
            try:
                self._wake.send_bytes(b"")
            except OSError:                             # it has gone: _wait() or receive() says so
                pass

    def _check(self) -> None:
        """Raise StepHelperError if the helper has failed or ended."""
        if self._control[ERROR] or not self._process.is_alive():
            self._failed = True
            raise StepHelperError(self._failure())

    def _wait(self) -> None:
        spins = 0
        while self._control[DONE] != self._seq:
            spins += 1
            if spins % 4096 == 0:
                self._check()

    def _failure(self) -> str:
        try:
            if self._reports.poll():
                return f"the helper process failed:\n{self._reports.recv()}"
        except (EOFError, OSError):                     # it ended without a word
            pass
        if self._process is not None and not self._process.is_alive():
            return "the helper process ended unexpectedly"
        return f"the helper process did not start within {shared_files.START_SECONDS} s"

    def _locate(self, array: np.ndarray) -> tuple[int, int, int, int, int, int] | None:
        """Where a 2-D float32 array lies in memory the helper maps: (region, offset, rows, columns,
        row step, column step), in floats; None if it lies elsewhere."""
        if array.dtype != np.float32:
            return None
        address = array.ctypes.data
        (rows, columns), (row_step, column_step) = array.shape, array.strides
        if (address | row_step | column_step) % 4 or row_step < 0 or column_step < 0:
            return None
        row_step, column_step = row_step // 4, column_step // 4
        for region, (base, length) in enumerate(self._regions):
            start = (address - base) // 4
            if 0 <= start and start + (rows - 1) * row_step + (columns - 1) * column_step < length:
                return region, start, rows, columns, row_step, column_step
        return None

    def _share(self, array: np.ndarray, area: str) -> tuple[int, int, int, int, int, int]:
        """`array` as the helper can read it: where it is, or a copy in a work area."""
        found = self._locate(array)
        if found is not None:
            return found
        space = self._areas[area][:array.size]
        if array.strides[0] < array.strides[1]:     # laid out by columns (a transposed view): copied so
            np.copyto(space.reshape(array.T.shape), array.T)
            return self._locate(space.reshape(array.T.shape).T)
        np.copyto(space.reshape(array.shape), array)
        return self._locate(space.reshape(array.shape))


def _regions(floats: np.ndarray, slots: np.ndarray | None) -> list[np.ndarray]:
    """The memory that both processes map, in the order that a product's operands name it: the
    shared floats, and the block slots if they hold float32 images."""
    regions = [floats]
    if slots is not None and slots.dtype == np.float32:
        regions.append(slots.view(np.ndarray).reshape(-1))
    return regions


def _slot_and_range(block: int) -> tuple[int, int]:
    """For the helper's block number `block` (counted from 0): its slot, and where in the control
    words its steps' (start, stop) are, which this process writes and the helper reads."""
    slot = slot_of(block, BLOCKS_AHEAD)
    return slot, BLOCK_RANGES + 2 * slot


class _Blocks:
    """In the helper: the blocks of batches asked for in the control words, each made into its slot
    a few dozen microseconds at a time (Batches.making_block()) and announced through `made`."""

    def __init__(self, control: np.ndarray, made: Connection, opening: tuple):
        keep_freed_memory()
        self._batches, self.slots = open_block_files(*opening)
        self._control, self._made = control, made
        self._done, self._making = 0, None

    def pending(self) -> bool:
        return self._making is not None or self._done < self._control[BLOCKS_ASKED]

    def work(self) -> None:
        """Take the block in hand (or the next one asked for) one pause further."""
        slot, at = _slot_and_range(self._done)
        if self._making is None:
            self._making = self._batches.making_block(int(self._control[at]), int(self._control[at + 1]),
                                                      out=self.slots[slot])
        try:
            next(self._making)
        except StopIteration as end:
            _, t, sizes, rngs = end.value
            self._made.send((slot, np.asarray(t), sizes, rngs))
            self._done, self._making = self._done + 1, None


def serve(path: str, layout: dict[str, tuple[int, int]], rule_class: type[Optimizer], hyperparameters: dict,
          wake: Connection, reports: Connection, made: Connection, opening: tuple | None) -> None:
    """The helper's process: map the shared file, then answer the requests in the control words
    until told to quit, making the blocks of batches asked for in between (`opening`:
    BlockFiles.opening, if it makes them). A failure is reported through `reports` and ERROR."""
    shared_files.end_with_the_parent()
    parallel.set_threads(1)
    control = None
    try:
        mapped = np.memmap(path, dtype=np.uint8, mode="r+").view(np.ndarray)
        control = mapped[:CONTROL_BYTES].view(np.int64)
        floats = mapped[CONTROL_BYTES:].view(np.float32)
        buffers = {name: floats[start:start + size] for name, (start, size) in layout.items() if name not in WORK_AREAS}
        rule = rule_class.over_buffers(buffers, hyperparameters)
        blocks = _Blocks(control, made, opening) if opening is not None else None
        regions = _regions(floats, blocks.slots if blocks else None)

        def operands() -> list[np.ndarray]:
            words = control[OPERANDS:OPERANDS + PRODUCT_WORDS].tolist()
            return [np.ndarray((rows, columns), np.float32, regions[region], 4 * start, (4 * row_step, 4 * column_step))
                    for region, start, rows, columns, row_step, column_step in
                    (words[i:i + OPERAND_WORDS] for i in range(0, PRODUCT_WORDS, OPERAND_WORDS))]

        control[READY] = 1
        _answer(control, wake, rule, buffers, operands, blocks)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        reports.send(traceback.format_exc())
        if control is not None:
            control[ERROR] = 1


def _answer(control: np.ndarray, wake: Connection, rule: Optimizer, buffers: dict[str, np.ndarray],
            operands: Callable[[], list[np.ndarray]], blocks: _Blocks | None) -> None:
    """The helper's loop, until a QUIT request: answer each request; between them, make blocks of
    batches if any are asked for, else spin, and after IDLE_SECONDS sleep until woken."""
    def block_work() -> bool:
        return blocks is not None and blocks.pending()

    answered, idle_since, spins = 0, time.perf_counter(), 0
    while True:
        seq = int(control[SEQ])
        if seq == answered:
            if block_work():
                blocks.work()
                idle_since, spins = time.perf_counter(), 0
                continue
            spins += 1
            if spins % 1024 == 0 and time.perf_counter() - idle_since > IDLE_SECONDS:
                control[SLEEPING] = 1
                # The timeout covers a wake-up that crossed this.
                while int(control[SEQ]) == answered and not block_work():
                    if wake.poll(0.002):
                        wake.recv_bytes()
                control[SLEEPING] = 0
            continue
        op = int(control[OP])
        if op == QUIT:
            return
        if op == MATMUL:
            a, b, out = operands()
            np.matmul(a, b, out=out)
        elif op == UPDATE:
            rule.t, rule.lr = int(control[T]), float(control[LR:LR + 1].view(np.float64)[0])
            grad = buffers["decayed"] if control[DECAYED] else buffers["grads"]
            rule.update_range(int(control[START]), int(control[STOP]), grad)
        answered = seq
        control[DONE] = seq
        idle_since, spins = time.perf_counter(), 0
