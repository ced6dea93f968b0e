"""The app's personal samples: a SampleStore whose disk work runs off the GUI thread, one operation
after another.

Saving a sample is only a few KB, but it ends with an fsync, which on a busy or network disk can take
long enough to stall the pen; loading a few thousand files at start-up certainly would. So every read
and write is a BackgroundJob, queued so that operations happen in the order the user asked for them
(label, then relabel, then delete...). The store's in-memory list is read by the GUI thread at any time
(it is guarded by a lock) and changes only after the file on disk has changed."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.storage.samples import SampleStore

from ..background import BackgroundJob

log = logging.getLogger(__name__)


class SampleKeeper(QObject):
    loaded = Signal(list)          # problems met while loading (damaged files, skipped)
    changed = Signal()             # samples added, relabelled or deleted
    failed = Signal(str, str)      # title, message

    def __init__(self, store: SampleStore | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store or SampleStore()
        self.is_loaded = False
        # (work, on_done, on_failed, title) of the operations waiting for their turn
        self._queue: list[tuple[Callable[[], Any], Callable | None, Callable | None, str]] = []
        self._job: BackgroundJob | None = None

    def submit(self, work: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_failed: Callable[[str], None] | None = None, title: str = "Samples") -> None:
        """Run `work()` in a worker after what is queued before it; then `on_done(result)` (or
        `on_failed(message)`, else the `failed` signal) on the GUI thread."""
        self._queue.append((work, on_done, on_failed, title))
        if self._job is None:
            self._start_next()

    def busy(self) -> bool:
        return self._job is not None or bool(self._queue)

    def _start_next(self) -> None:
        if not self._queue:
            return
        work, on_done, on_failed, title = self._queue.pop(0)
        job = BackgroundJob(lambda ctx: work(), self)

        def done(result):
            if on_done:
                on_done(result)
            self.changed.emit()

        job.succeeded.connect(done)
        job.failed.connect(on_failed or (lambda message: self.failed.emit(title, message)))
        job.ended.connect(self._job_ended)
        self._job = job
        job.start()

    def _job_ended(self) -> None:
        self._job = None
        self._start_next()

    # The operations.
    def load(self) -> None:
        def loaded(problems):
            self.is_loaded = True
            self.loaded.emit(problems)
        self.submit(self.store.load, loaded, title="Cannot read the samples")

    def shutdown(self) -> None:
        """The window is closing: finish the running operation, then do what is still queued here,
        so a sample labelled just before closing is not lost."""
        if self._job is not None:
            self._job.shutdown()
        pending, self._queue = self._queue, []
        for work, *_ in pending:
            try:
                work()
            except Exception as e:  # noqa: BLE001 - nobody is left to tell; the store keeps what was written
                log.warning("a sample operation failed while closing: %s", e)
