"""The engine's threads: how many it uses, and a small pool that runs one job on each.

NumPy releases the GIL inside its array loops and BLAS calls, so threads that each take a slice of
a batch really run at the same time (engine/speed/data_parallel.py). While the engine splits work
itself, BLAS gets one thread: threads of its own inside each slice would oversubscribe the cores,
and BLAS's idle threads spin, taking a core from whatever else runs (the window, a child process
augmenting batches)."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import TypeVar

from threadpoolctl import ThreadpoolController

T = TypeVar("T")
_lock = threading.Lock()
_threads = 0                         # 0: not decided yet (one per usable core)
_inboxes: list[SimpleQueue] = []     # one per pool thread: (fn, job, index, reply queue)
_blas = None                         # threadpoolctl's handle on NumPy's BLAS


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _serve(inbox: SimpleQueue) -> None:
    while True:
        fn, job, index, reply = inbox.get()
        try:
            reply.put((index, True, fn(*job)))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, which raises it
            reply.put((index, False, e))


def set_threads(count: int | None = None) -> int:
    """Use `count` threads (None: one per usable core), and BLAS one; returns the number now in use."""
    global _threads, _blas
    with _lock:
        _threads = max(1, count or usable_cores())
        while len(_inboxes) < _threads - 1:
            inbox: SimpleQueue = SimpleQueue()
            threading.Thread(target=_serve, args=(inbox,), name=f"engine-{len(_inboxes) + 1}", daemon=True).start()
            _inboxes.append(inbox)
        if _blas is None:
            _blas = ThreadpoolController().select(user_api="blas")
        _set_blas_threads(1)
        return _threads


def threads() -> int:
    return _threads or set_threads()


def _set_blas_threads(count: int) -> None:
    for controller in _blas.lib_controllers:
        controller.set_num_threads(count)


class OnBlasThreads:
    """A gradient function whose matrix products run on the engine's threads inside BLAS, for a
    network too small to be worth cutting into slices (an MLP's step is mostly a few products).
    BLAS goes back to one thread after each call (half a microsecond), so its idle threads never
    take a core from anything else between steps."""

    def __init__(self, gradient):
        self.gradient = gradient

    def __call__(self, x, labels) -> float:
        _set_blas_threads(threads())
        try:
            return self.gradient(x, labels)
        finally:
            _set_blas_threads(1)


def split(rows: int, count: int) -> list[tuple[int, int]]:
    """`count` (start, stop) ranges of nearly equal length covering range(rows)."""
    bounds = [rows * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def run(fn: Callable[..., T], jobs: list[tuple]) -> list[T]:
    """fn(*job) for every job, one job per thread, all at once (the calling thread takes the first);
    their results, in order. There must be no more jobs than threads()."""
    if len(jobs) > threads():
        raise ValueError(f"{len(jobs)} jobs for {threads()} threads")
    if len(jobs) == 1:
        return [fn(*jobs[0])]
    reply: SimpleQueue = SimpleQueue()     # this call's own, so that callers in other threads don't mix
    for index, (inbox, job) in enumerate(zip(_inboxes, jobs[1:]), start=1):
        inbox.put((fn, job, index, reply))
    results: list = [None] * len(jobs)
    failures = []
    try:
        results[0] = fn(*jobs[0])
    finally:
        for _ in jobs[1:]:                 # wait for every thread, even when this share failed
            index, ok, value = reply.get()
            results[index] = value
            if not ok:
                failures.append(value)
    if failures:
        raise failures[0]
    return results
