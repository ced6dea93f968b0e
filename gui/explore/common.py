"""What every Explore view shares: a title and a plain-words explanation on top, a status line, and
background jobs whose stale results are dropped when a newer run replaces them."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..background import BackgroundJob, JobContext
from ..labels import StatusLine, WrappedLabel  # noqa: F401 - the views import them from here
from ..scrolling import scrolling
from ..theme import BAD, big_font

REPORT_SECONDS = 0.1   # workers report at most ten times a second


class Throttle:
    """Tells a worker when it is time to report again."""

    def __init__(self, interval: float = REPORT_SECONDS):
        self._interval, self._last = interval, 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            return True
        return False


class ExploreView(QWidget):
    """A titled view with an explanation; `run()` starts its computation in a worker thread. The
    view scrolls when the window is too small for it."""

    def __init__(self, title: str, explanation: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        heading = QLabel(title)
        heading.setFont(big_font(self, 1.3))
        heading.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        about = WrappedLabel(explanation)
        about.setTextFormat(Qt.TextFormat.RichText)
        self.explanation = about
        self.status_label = StatusLine()
        self.content = QWidget()
        self.layout_ = QVBoxLayout(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(self.content))
        self.layout_.addWidget(heading)
        self.layout_.addWidget(about)
        self._jobs: list[BackgroundJob] = []
        self._current: dict[str, BackgroundJob] = {}
        self._when_shown: dict[str, Callable[[], None]] = {}

    def add_body(self, side: QWidget | QHBoxLayout | QVBoxLayout, main: QWidget | QHBoxLayout | QVBoxLayout,
                 controls: RunControls | None = None) -> None:
        """Settings on the left; on the right the run controls, the status line and the plots."""
        right = QVBoxLayout()
        if controls is not None:
            right.addLayout(controls)
        right.addWidget(self.status_label)
        _add(right, main, 1)
        body = QHBoxLayout()
        _add(body, side, 0)
        body.addLayout(right, 1)
        self.layout_.addLayout(body, 1)

    def when_shown(self, fn: Callable[[], None], key: str = "main") -> None:
        """Call fn now if the view is on screen, else the next time it is shown (no work for unseen views).
        A later request with the same key replaces an earlier one."""
        if self.isVisible():
            self._when_shown.pop(key, None)
            fn()
        else:
            self._when_shown[key] = fn

    def showEvent(self, event) -> None:
        super().showEvent(event)
        pending, self._when_shown = self._when_shown, {}
        for fn in pending.values():
            fn()

    # Jobs.
    def run(self, fn: Callable[[JobContext], Any], on_progress: Callable[[Any], None] | None = None,
            on_done: Callable[[Any], None] | None = None, slot: str = "main") -> BackgroundJob:
        """Start fn in a worker. A run still going in the same slot is cancelled, and its results are
        ignored from now on; runs in other slots go on."""
        self.cancel(slot)
        job = BackgroundJob(fn, self)
        self._current[slot] = job
        self._jobs.append(job)

        def live() -> bool:
            return self._current.get(slot) is job

        if on_progress:
            job.progressed.connect(lambda value: live() and on_progress(value))
        if on_done:
            job.succeeded.connect(lambda value: live() and on_done(value))
        job.failed.connect(lambda message: live() and self.show_problem(message))
        job.ended.connect(lambda: self._job_ended(job, slot))
        job.start()
        self.busy_changed(True, slot)
        return job

    def cancel(self, slot: str = "main") -> None:
        job = self._current.get(slot)
        if job is not None:
            job.cancel()

    def jobs(self) -> list[BackgroundJob]:
        """The runs not yet ended, in any slot."""
        return list(self._jobs)

    def busy(self, slot: str | None = None) -> bool:
        """Whether a run is going in the slot (in any slot when None)."""
        jobs = self._current.values() if slot is None else [self._current.get(slot)]
        return any(job is not None and job.is_running() for job in jobs)

    def _job_ended(self, job: BackgroundJob, slot: str) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        if self._current.get(slot) is job:
            del self._current[slot]
            self.busy_changed(False, slot)

    def busy_changed(self, busy: bool, slot: str) -> None:
        """Views enable and disable their buttons here."""

    def shutdown(self) -> None:
        """Cancel every run and wait for its thread: nothing is left running when the window closes."""
        for job in list(self._jobs):
            job.context.abandoned = True
            job.shutdown()

    # Messages.
    def show_status(self, text: str) -> None:
        self.status_label.setStyleSheet("")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text) or self.status_label.lines > 0)

    def show_problem(self, message: str) -> None:
        self.status_label.setStyleSheet(f"color: {BAD.name()}")
        self.status_label.setText(f"Could not run: {message}")
        self.status_label.setVisible(True)


def _add(layout, item, stretch: int) -> None:
    if isinstance(item, QWidget):
        layout.addWidget(item, stretch)
    else:
        layout.addLayout(item, stretch)


class RunControls(QHBoxLayout):
    """Start and Stop buttons with a progress bar, for the views whose runs take a while."""

    def __init__(self, start_text: str = "Start", on_start: Callable[[], None] | None = None,
                 on_stop: Callable[[], None] | None = None):
        super().__init__()
        self.start_button = QPushButton(start_text)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        # Through lambdas: clicked() would pass its `checked` flag as the first argument.
        if on_start:
            self.start_button.clicked.connect(lambda: on_start())
        if on_stop:
            self.stop_button.clicked.connect(lambda: on_stop())
        self.addWidget(self.start_button)
        self.addWidget(self.stop_button)
        self.addWidget(self.progress, 1)

    def set_busy(self, busy: bool) -> None:
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)

    def set_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(text)
