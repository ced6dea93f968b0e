"""Running a computation off the GUI thread: a worker QObject moved to its own QThread.

The computation talks back only through signals (queued to the GUI thread), and can be asked to
stop. `shutdown()` stops it, then `quit()`s the thread and waits for it with the event loop still
running: a step of a large network can take many seconds, and in the meantime the window repaints
and queued signals arrive. A thread is never destroyed while it runs (Qt would abort the process):
every started thread is kept referenced here until it has finished, whatever becomes of its job."""
from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot

from engine.errors import EngineError

log = logging.getLogger(__name__)

# Started threads and their workers, until each has finished (see keep_until_finished).
_started: list[tuple[QThread, QObject]] = []


def keep_until_finished(thread: QThread, worker: QObject) -> None:
    """Hold `thread` and `worker` until the thread has ended, even if their owner goes first."""
    _started[:] = [(t, w) for t, w in _started if not t.isFinished()] + [(thread, worker)]


def threads_running() -> int:
    """How many threads started here have not ended yet."""
    _started[:] = [(t, w) for t, w in _started if not t.isFinished()]
    return len(_started)


def finish_all() -> None:
    """Wait for every thread started here to end (the app is exiting: none may outlive it)."""
    for thread, _ in list(_started):
        thread.quit()
        wait_for(thread)
    threads_running()


def wait_for(thread: QThread) -> None:
    """Return once `thread` has ended, keeping the event loop running meanwhile (painting, timers,
    queued signals; not the user's clicks and keys, which could start new work)."""
    while not thread.wait(20):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 20)


class JobContext:
    """What a job function gets: a way to report progress, and to learn that it should pause or stop."""

    def __init__(self, report: Callable[[Any], None]):
        self.report = report
        # Set when nobody will look at the result any more (the window is closing): skip extra work.
        self.abandoned = False
        self._cancelled = threading.Event()
        self._paused = False
        self._on_cancel: list[Callable[[], None]] = []
        self._on_pause: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()

    @property
    def paused(self) -> bool:
        return self._paused

    def on_pause(self, callback: Callable[[bool], None]) -> None:
        """Call `callback(paused)` (from any thread) whenever the job is paused or resumed; at once
        with True if it is paused already."""
        with self._lock:
            self._on_pause.append(callback)
            paused = self._paused
        if paused:
            callback(True)

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            self._paused = paused
            callbacks = list(self._on_pause)
        for callback in callbacks:
            callback(paused)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from any thread) when the job is cancelled; at once if it already was."""
        with self._lock:
            self._on_cancel.append(callback)
            already = self._cancelled.is_set()
        if already:
            callback()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            callbacks = list(self._on_cancel)
        for callback in callbacks:
            callback()


class _Worker(QObject):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[JobContext], Any], context: JobContext):
        super().__init__()
        self._fn, self._context = fn, context

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._context)
        except (EngineError, ValueError, OSError) as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: keep the app alive, show it, and log the traceback
            log.error("background job failed:\n%s", traceback.format_exc())
            self.failed.emit(f"Unexpected error: {type(e).__name__}: {e}")
        else:
            self.succeeded.emit(result)


class BackgroundJob(QObject):
    """One run of `fn(context)` in a thread of its own. Create, connect, start()."""

    progressed = Signal(object)   # whatever fn passes to context.report()
    succeeded = Signal(object)    # fn's return value
    failed = Signal(str)          # a message for the user
    ended = Signal()              # after succeeded or failed, once the thread has stopped

    def __init__(self, fn: Callable[[JobContext], Any], parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self.context = JobContext(self._emit_progress)
        self._worker = _Worker(fn, self.context)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self.progressed)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self.failed)
        self._worker.succeeded.connect(self._thread.quit)
        self._worker.failed.connect(self._thread.quit)
        self._running = False
        self._thread.finished.connect(self._mark_stopped)
        self._thread.finished.connect(self.ended)
        # A job runs once: when its thread has ended (and `ended` has been handled) it goes away.
        self._thread.finished.connect(self.deleteLater)

    def _emit_progress(self, value: Any) -> None:
        self._worker.progressed.emit(value)

    def _mark_stopped(self) -> None:
        self._running = False

    def start(self) -> None:
        self._running = True
        keep_until_finished(self._thread, self._worker)
        self._thread.start()

    def is_running(self) -> bool:
        return self._running

    def thread_finished(self) -> bool:
        """Whether the job's thread has ended (is_running() learns it once the event loop runs)."""
        return self._thread.isFinished()

    def cancel(self) -> None:
        self.context.cancel()

    def shutdown(self) -> bool:
        """Cancel, then wait for the thread to end (however long its step takes; see wait_for)."""
        self.cancel()
        self._thread.quit()
        wait_for(self._thread)
        return True
