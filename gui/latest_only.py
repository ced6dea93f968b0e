"""A function run in a thread of its own for the newest of its requests: requests that pile up
while it is busy collapse into the last one, so its results follow the pen without lagging behind."""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.errors import EngineError

log = logging.getLogger(__name__)


class _Worker(QObject):
    done = Signal(object, object)       # tag, result
    failed = Signal(object, str)        # tag, a message for the user

    def __init__(self, fn: Callable[..., Any]):
        super().__init__()
        self._fn = fn

    @Slot(object, object)
    def run(self, tag, args: tuple) -> None:
        try:
            result = self._fn(*args)
        except (EngineError, ValueError, OSError) as e:
            self.failed.emit(tag, str(e))
        except Exception as e:  # a bug: keep the app alive, show it, and log the traceback
            log.error("%s failed:\n%s", self._fn.__name__, traceback.format_exc())
            self.failed.emit(tag, f"Unexpected error: {type(e).__name__}: {e}")
        else:
            self.done.emit(tag, result)


class LatestOnly(QObject):
    """request(tag, *args) runs fn(*args) in the thread; `done(tag, result)` comes back in the GUI
    thread. A request made while fn runs waits, replacing any that waited before it."""

    done = Signal(object, object)
    failed = Signal(object, str)
    _run = Signal(object, object)

    def __init__(self, fn: Callable[..., Any], name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _Worker(fn)
        self._worker.moveToThread(self._thread)
        self._run.connect(self._worker.run)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()
        self._busy = False
        self._pending: tuple[object, tuple] | None = None

    def request(self, tag, *args) -> None:
        if self._busy:
            self._pending = (tag, args)
        else:
            self._busy = True
            self._run.emit(tag, args)

    def busy(self) -> bool:
        return self._busy or self._pending is not None

    def _next(self) -> None:
        self._busy = False
        if self._pending is not None:
            (tag, args), self._pending = self._pending, None
            self.request(tag, *args)

    def _on_done(self, tag, result) -> None:
        self._next()
        self.done.emit(tag, result)

    def _on_failed(self, tag, message: str) -> None:
        self._next()
        self.failed.emit(tag, message)

    def shutdown(self) -> None:
        self._pending = None
        self._thread.quit()
        self._thread.wait(5000)
