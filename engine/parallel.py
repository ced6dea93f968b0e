"""Cutting a batch's work into ranges of rows that run on several cores at once.

NumPy releases the GIL inside its array loops and BLAS calls, so threads that each take a range of
the batch really run in parallel, element-wise work included (BLAS alone would only spread the
matrix products). The engine uses one thread per usable core; set_threads() changes that (the GUI
keeps a core for its own thread). A training batch of a large network is cut once, into slices
that each go through a replica of the network (engine/data_parallel.py, built on run() below);
work inside a slice then stays on its thread.

While the engine splits work itself, BLAS gets one thread: threads of its own inside each range
would oversubscribe the cores, and BLAS threads spin while they wait, which on a busy machine
costs far more than they save (bench/latency.py and bench/train_speed.py show it). The one
exception is matmul() below: a dense layer's product is too short to be worth the ~0.1 ms that
waking an engine thread takes, and BLAS's spinning threads take it up at once. During a long MLP
training run a helper process takes the place of BLAS's threads, and takes half of each optimizer
step too, which threads cannot share well (engine/step_helper.py, registered by helped_by())."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import SimpleQueue
from typing import TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController

# Below this much work per thread (element-wise operations, about a nanosecond each), handing work
# to another thread costs more than it saves: waking a thread and hearing back takes ~0.1 ms.
MIN_WORK_PER_THREAD = 1_000_000
# A matrix product of at least this many multiply-adds runs on BLAS's threads (matmul()). Smaller
# ones gain nothing measurable, and once BLAS's threads have run they spin on a core for a while,
# which slows a CNN's convolutions that the engine splits itself (bench/train_speed.py).
MIN_BLAS_THREADED_PRODUCT = 10_000_000

T = TypeVar("T")
_lock = threading.Lock()
_threads = 0                         # 0: not decided yet (one per usable core)
_inboxes: list[SimpleQueue] = []     # one per helper thread: (fn, job, index, reply queue)
_blas = None                         # threadpoolctl's handle on NumPy's BLAS, once threads are set
_blas_lock = threading.Lock()        # one product at a time on BLAS's threads
_job = threading.local()             # .inside: this thread is running its share of a split job
_processes_beside = 0                # processes of the engine's own working beside it (beside_a_process())
_step_helper = None                  # a process taking part of large products and optimizer steps (helped_by())


def _helper(inbox: SimpleQueue) -> None:
    _job.inside = True               # a helper only ever runs shares of split jobs
    while True:
        fn, job, index, reply = inbox.get()
        try:
            reply.put((index, True, fn(*job)))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, which raises it
            reply.put((index, False, e))


def _set_blas_threads(count: int) -> None:
    for controller in _blas.lib_controllers if _blas else ():
        controller.set_num_threads(count)


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def set_threads(count: int | None = None) -> int:
    """Use `count` threads (None: one per usable core); returns the number now in use."""
    global _threads, _blas
    with _lock:
        _threads = max(1, count or usable_cores())
        while len(_inboxes) < _threads - 1:
            inbox: SimpleQueue = SimpleQueue()
            threading.Thread(target=_helper, args=(inbox,), name=f"engine-{len(_inboxes) + 1}", daemon=True).start()
            _inboxes.append(inbox)
        if _blas is None:
            _blas = ThreadpoolController().select(user_api="blas")
        _set_blas_threads(1)
        return _threads


def threads() -> int:
    return _threads or set_threads()


def parts(work: float) -> int:
    """How many threads a job of `work` elementary operations is worth (one inside a share of
    another split job: the other threads are busy with that job already)."""
    if getattr(_job, "inside", False):
        return 1
    return max(1, min(threads(), int(work // MIN_WORK_PER_THREAD)))


def split(rows: int, count: int) -> list[tuple[int, int]]:
    """`count` (start, stop) ranges of nearly equal length covering range(rows)."""
    bounds = [rows * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def ranges(rows: int, work: float) -> list[tuple[int, int]]:
    """How to cut `rows` rows whose processing costs `work` operations: one (start, stop) per thread."""
    return split(rows, max(1, min(parts(work), rows)))


def matmul_work(m: int, k: int, n: int) -> float:
    """A matrix product's cost in the unit of `work` (one element-wise operation): BLAS does
    many multiply-adds in the time NumPy takes for one element."""
    return m * k * n / 16


def run(fn: Callable[..., T], jobs: list[tuple]) -> list[T]:
    """fn(*job) for every job, one job per thread, in parallel (the calling thread takes the first);
    their results, in order."""
    if len(jobs) == 1:
        return [fn(*jobs[0])]
    reply: SimpleQueue = SimpleQueue()     # this call's own, so that callers in other threads don't mix
    for index, (inbox, job) in enumerate(zip(_inboxes, jobs[1:]), start=1):
        inbox.put((fn, job, index, reply))
    results: list = [None] * len(jobs)
    failures = []
    was_inside = getattr(_job, "inside", False)
    try:
        _job.inside = True
        results[0] = fn(*jobs[0])
    finally:
        _job.inside = was_inside
        for _ in jobs[1:]:                 # wait for every helper, even when this share failed
            index, ok, value = reply.get()
            results[index] = value
            if not ok:
                failures.append(value)
    if failures:
        raise failures[0]
    return results


def over_rows(fn: Callable[[int, int], T], rows: int, work: int) -> list[T]:
    """fn(start, stop) for ranges covering range(rows), in parallel; their results, in order.
    `work` is the number of values the whole job touches, to decide whether splitting pays."""
    return run(fn, ranges(rows, work))


@contextmanager
def beside_a_process() -> Iterator[None]:
    """While a process of the engine's works beside it (engine/batch_process.py, the step helper
    of helped_by()): matrix products stay on one BLAS thread. BLAS's threads keep
    spinning on a core between products, which hands that core to the other process, and the next
    product then waits for the scheduler to hand it back: an epoch of MLP 784-256-256-10 with its
    batches augmented in a child process took 2.21 s with BLAS threads and 1.47 s without
    (1.27 s without augmentation)."""
    global _processes_beside
    with _lock:
        _processes_beside += 1
    try:
        yield
    finally:
        with _lock:
            _processes_beside -= 1


@contextmanager
def helped_by(helper) -> Iterator[None]:
    """While a StepHelper (engine/step_helper.py) works beside this process: once it is ready, it
    takes part of large matrix products and of optimizer steps, in place of BLAS's threads."""
    global _step_helper
    with beside_a_process():
        _step_helper = helper
        try:
            yield
        finally:
            _step_helper = None


def step_helper():
    """The StepHelper of helped_by() if it is ready to take work, else None."""
    helper = _step_helper
    return helper if helper is not None and helper.ready() else None


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for 2-D arrays (into `out` if given); a large product runs on as many BLAS threads
    as the engine uses, or half of it in the step helper's process."""
    helper = step_helper()
    if helper is not None and helper.multiplies(a, b):
        return helper.matmul(a, b, out)
    count = threads()
    if count == 1 or _processes_beside or getattr(_job, "inside", False) \
            or a.shape[0] * a.shape[1] * b.shape[1] < MIN_BLAS_THREADED_PRODUCT:
        return np.matmul(a, b, out=out)
    with _blas_lock:
        _set_blas_threads(count)
        try:
            return np.matmul(a, b, out=out)
        finally:
            _set_blas_threads(1)
