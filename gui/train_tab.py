"""The Train tab: choose a network and how to train it, then watch it learn.

Training runs in a BackgroundJob (a worker in its own QThread). The trainer checks the pause and stop
flags between two batches; the GUI only dispatches button presses and draws what the worker reports."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.datasets import load_mnist
from engine.errors import EngineError
from engine.model_file import SavedModel, save_model
from engine.paths import user_data_dir
from engine.trainer import EpochReport, Trainer, TrainResult
from engine.training import new_trainer, to_saved_model

from .background import BackgroundJob, JobContext
from .model_library import ModelEntry, ModelLibrary
from .train_form import TrainForm
from .training_plots import TrainingPlots

STEP_REPORT_SECONDS = 0.1   # the worker sends losses in bundles, ten times a second at most


class StepBundler:
    """Collects (step, loss) in the worker and reports them in bundles, to keep the signal rate low."""

    def __init__(self, report, interval: float = STEP_REPORT_SECONDS):
        self._report, self._interval = report, interval
        self._steps: list[int] = []
        self._losses: list[float] = []
        self._last = time.monotonic()

    def add(self, step: int, loss: float) -> None:
        self._steps.append(step)
        self._losses.append(loss)
        if time.monotonic() - self._last >= self._interval:
            self.flush()

    def flush(self) -> None:
        if self._steps:
            self._report(("steps", np.array(self._steps), np.array(self._losses)))
            self._steps, self._losses = [], []
        self._last = time.monotonic()


def training_job(spec, config, data_dir=None):
    """The function the worker thread runs: load data, train, report, return (result, model)."""
    def run(ctx: JobContext):
        dataset = load_mnist(data_dir)
        trainer = new_trainer(spec, config, dataset)
        ctx.on_cancel(trainer.stop)
        ctx.report(("started", trainer))
        bundler = StepBundler(ctx.report)

        def on_epoch(report: EpochReport) -> None:
            bundler.flush()
            ctx.report(("epoch", report))

        result = trainer.run(on_step=bundler.add, on_epoch=on_epoch)
        bundler.flush()
        if ctx.abandoned or not result.usable or trainer.step == 0:
            return result, None
        ctx.report(("testing", None))
        return result, to_saved_model(trainer, spec, dataset.name)
    return run


class TrainTab(QWidget):
    status = Signal(str)
    error = Signal(str, str)
    modelTrained = Signal(object)    # ModelEntry

    def __init__(self, library: ModelLibrary, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.library, self.settings = library, settings
        self.form = TrainForm(settings)
        self.plots = TrainingPlots()
        self._job: BackgroundJob | None = None
        self._trainer: Trainer | None = None
        self._last_model: SavedModel | None = None
        self._run_number = 0
        self._active_seconds = 0.0
        self._resumed_at: float | None = None
        self._build()
        self._set_state("idle")

    def _build(self) -> None:
        self.start_button = QPushButton("Start training")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.save_button = QPushButton("Save model…")
        self.save_button.clicked.connect(self.save_dialog)
        self.save_button.setToolTip("Save the last trained model, with its settings and curves, as a .npz file")
        reset = QPushButton("Defaults")
        reset.setToolTip("Put every setting back to its default")
        reset.clicked.connect(self.form.reset)

        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form.setMinimumWidth(300)
        scroll.setMinimumWidth(self.form.minimumSizeHint().width() + 24)
        left = QVBoxLayout()
        left.addWidget(scroll, 1)
        left.addWidget(reset, 0, Qt.AlignmentFlag.AlignLeft)

        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.summary = QLabel("Choose the settings on the left and press Start.")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        right = QVBoxLayout()
        right.addLayout(buttons)
        right.addWidget(self.progress)
        right.addWidget(self.summary)
        right.addWidget(self.plots, 1)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 0)
        layout.addSpacing(8)
        layout.addLayout(right, 1)

    # State.
    def _set_state(self, state: str) -> None:
        self._state = state
        running = state in ("running", "paused", "stopping")
        self.start_button.setEnabled(not running)
        self.form.setEnabled(not running)
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.save_button.setEnabled(self._last_model is not None and not running)
        if state != "paused" and self.pause_button.isChecked():
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.blockSignals(False)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")

    def is_training(self) -> bool:
        return self._job is not None and self._job.is_running()

    # Commands.
    def start(self) -> None:
        if self.is_training():
            return
        try:
            spec, config = self.form.spec_and_config()
        except ValueError as e:
            self.error.emit("Check the settings", str(e))
            return
        self.form.save()
        self._spec, self._config = spec, config
        self._run_number += 1
        self._trainer = None
        self._active_seconds, self._resumed_at = 0.0, time.monotonic()
        self.plots.begin_run()
        self.progress.setRange(0, 0)  # busy until the data is loaded
        self.progress.setFormat("Loading MNIST…")
        self.summary.setText(f"Run {self._run_number}: {spec.describe()}; {config.optimizer}, "
                             f"learning rate {config.learning_rate:g}, {config.epochs} epochs.")
        job = BackgroundJob(training_job(spec, config), self)
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        job.ended.connect(self._on_job_ended)
        self._job = job
        self._set_state("running")
        job.start()
        self.status.emit(f"Training {spec.describe()}")

    def _pause_toggled(self, paused: bool) -> None:
        if self._trainer is None:
            return
        if paused:
            self._trainer.pause()
            self._bank_time()
            self._set_state("paused")
            self.progress.setFormat(self.progress.format().split(" · ETA")[0] + " · paused")
            self.status.emit("Paused: the run waits after this batch. Press Resume to go on.")
        else:
            self._resumed_at = time.monotonic()
            self._trainer.resume()
            self._set_state("running")
            self.status.emit("Resumed")

    def stop(self) -> None:
        if self._job is not None and self.is_training():
            self._set_state("stopping")
            self._job.cancel()
            self.progress.setFormat("Stopping after this batch…")

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing): nothing is left running."""
        self.plots._timer.stop()
        if self._job is not None:
            self._job.context.abandoned = True
            self._job.shutdown()

    # What the worker reports.
    def _bank_time(self) -> None:
        if self._resumed_at is not None:
            self._active_seconds += time.monotonic() - self._resumed_at
            self._resumed_at = None

    def _on_progress(self, message) -> None:
        kind = message[0]
        if kind == "started":
            self._trainer = message[1]
            self._active_seconds, self._resumed_at = 0.0, time.monotonic()
            self.progress.setRange(0, self._trainer.total_steps)
            self.plots.plan(self._trainer.total_steps, self._trainer.config.epochs)
            if self.pause_button.isChecked():
                self._trainer.pause()
        elif kind == "steps":
            _, steps, losses = message       # steps count from 1: "after step n"
            self.plots.add_steps(steps, losses)
            self._update_progress(int(steps[-1]))
        elif kind == "epoch":
            report: EpochReport = message[1]
            self.plots.add_epoch(report.epoch, report.train_accuracy, report.validation_accuracy)
            val = f", validation {report.validation_accuracy:.2%}" if report.validation_accuracy is not None else ""
            self.status.emit(f"Epoch {report.epoch}: loss {report.loss:.4f}, train {report.train_accuracy:.2%}{val} "
                             f"({report.seconds:.1f} s)")
        elif kind == "testing":
            self.progress.setFormat("Measuring test accuracy…")

    def _update_progress(self, step: int) -> None:
        trainer = self._trainer
        if trainer is None:
            return
        self.progress.setValue(step)
        elapsed = self._active_seconds + (time.monotonic() - self._resumed_at if self._resumed_at else 0.0)
        done = max(step, 1)
        remaining = (trainer.total_steps - step) * elapsed / done
        epoch = min(step // trainer.steps_per_epoch + 1, trainer.config.epochs)
        self.progress.setFormat(f"Epoch {epoch}/{trainer.config.epochs} · step {step:,}/{trainer.total_steps:,}"
                                f" · ETA {_duration(remaining)}")

    def _on_finished(self, outcome) -> None:
        result, model = outcome
        result: TrainResult
        self._bank_time()
        if model is not None:
            self._last_model = model
            name = f"Run {self._run_number} ({datetime.now():%H:%M})"   # the summary beside it says what it is
            entry = self.library.add(ModelEntry(name, model, None, "trained"))
            self.modelTrained.emit(entry)
        if result.status == "diverged":
            self.progress.setFormat("Diverged")
            self.error.emit("Training diverged", result.message)
        else:
            accuracy = f" Test accuracy {model.test_accuracy:.2%}." if model and model.test_accuracy is not None else ""
            self.progress.setFormat("Finished" if result.status == "finished" else f"Stopped at step {result.step:,}")
            self.summary.setText(f"{result.message}{accuracy} The model is now active in the Draw tab.")
            self.status.emit(f"{result.message}{accuracy}")

    def _on_failed(self, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setFormat("Failed")
        self.error.emit("Training could not run", message)

    def _on_job_ended(self) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self._job = None
        self._trainer = None
        self._set_state("idle")

    # Saving.
    def last_model(self) -> SavedModel | None:
        return self._last_model

    def save_dialog(self) -> None:
        if self._last_model is None:
            return
        folder = Path(str(self.settings.value("paths/save", user_data_dir() / "models")))
        folder.mkdir(parents=True, exist_ok=True)
        name = self._last_model.describe().split(",")[0].lower().replace(" ", "-") + ".npz"
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", str(folder / name),
                                              "ScratchNet models (*.npz)")
        if path:
            self.save(path)

    def save(self, path: str | Path) -> bool:
        try:
            save_model(path, self._last_model)
        except EngineError as e:
            self.error.emit("Cannot save the model", str(e))
            return False
        self.settings.setValue("paths/save", str(Path(path).parent))
        self.status.emit(f"Saved to {path}")
        return True


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"
