"""The Train tab: choose a network and how to train it, then watch it learn.

Training runs through a RunController (a worker in its own QThread). The trainer checks the pause and
stop flags between two batches; the GUI only dispatches button presses and draws what the worker reports.
A finished run's model joins the model list, but the Draw tab keeps its model until the user presses
"Use in the Draw tab": a quick experiment never replaces a better model behind the user's back."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine import speed
from engine.data.datasets import load_mnist
from engine.storage.model_file import SavedModel
from engine.training.records import TrainResult
from engine.training.runs import new_trainer, to_saved_model

from .background import JobContext
from .model_actions import ModelSaver
from .model_library import ModelEntry, ModelLibrary
from .run_history import RunHistory, RunRecord
from .run_controller import EpochDone, Measuring, RunController, RunStarted, StepsDone, run_trainer
from .train_form import TrainForm
from .train_form_values import images_trained_on
from .training_plots import TrainingPlots


def training_job(spec, config, data_dir=None):
    """The function the worker thread runs: load data, train, report, return (result, model)."""
    def run(ctx: JobContext):
        dataset = load_mnist(data_dir)
        trainer = speed.accelerate(new_trainer(spec, config, dataset))
        result = run_trainer(ctx, trainer)
        if ctx.abandoned or not result.usable or trainer.step == 0:
            return result, None
        ctx.report(Measuring("the test accuracy"))
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
        self.run = RunController(self)
        self.run.progressed.connect(self._on_progress)
        self.run.finished.connect(self._on_finished)
        self.run.failed.connect(self._on_failed)
        self.run.stateChanged.connect(self._set_state)
        self._last_model: SavedModel | None = None
        self._last_entry: ModelEntry | None = None    # the last run's entry in the library
        self._run_number = 0
        self.saver = ModelSaver(library, settings, self)
        self.saver.status.connect(self.status)
        self.saver.error.connect(self.error)
        self.history = RunHistory(self.form, self.plots)
        self._started: tuple | None = None     # (spec, config, form values) of the run under way
        self._build()
        self._set_state("idle")
        self.form.changed.connect(self._preview_plots)
        self._preview_plots()

    def _preview_plots(self) -> None:
        """Before a run, the plots' axes are those of the run the settings make (steps and epochs)."""
        try:
            _, config = self.form.spec_and_config()
        except ValueError:
            return
        self.plots.preview(-(-images_trained_on(config) // config.batch_size) * config.epochs, config.epochs)

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
        self.use_button = QPushButton("Use in the Draw tab")
        self.use_button.setToolTip("Read your drawings with the last trained model (the Draw tab's model list "
                                   "lets you go back)")
        self.use_button.clicked.connect(self.use_last_model)
        self.library.activeChanged.connect(lambda _: self._update_use_button())
        self.library.entriesChanged.connect(self._update_use_button)
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
        outcome = QHBoxLayout()       # the run's summary, and beside it the choice it offers
        outcome.addWidget(self.summary, 1)
        outcome.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignTop)
        right.addLayout(outcome)
        below = QSplitter(Qt.Orientation.Vertical)    # the learner gives the runs' table as much room as they like
        below.addWidget(self.plots)
        below.addWidget(self.history)
        below.setStretchFactor(0, 3)
        below.setStretchFactor(1, 1)
        below.setChildrenCollapsible(False)
        right.addWidget(below, 1)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 0)
        layout.addSpacing(8)
        layout.addLayout(right, 1)

    # State.
    def _set_state(self, state: str) -> None:
        running = state in ("running", "paused", "stopping")
        self.start_button.setEnabled(not running)
        self.form.setEnabled(not running)
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.save_button.setEnabled(self._last_model is not None and not running)
        self._update_use_button()
        self.history.set_running(running)
        if state != "paused" and self.pause_button.isChecked():
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.blockSignals(False)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        if state == "stopping":
            self.progress.setFormat("Stopping after this batch…")
        elif state == "idle" and self.progress.maximum() == 0:
            self.progress.setRange(0, 1)

    def _update_use_button(self) -> None:
        listed = self._last_entry is not None and self.library.index_of(self._last_entry) >= 0
        self.use_button.setEnabled(listed and self.library.active is not self._last_entry)

    def is_training(self) -> bool:
        return self.run.is_running()

    def running_work(self) -> str | None:
        """For the window's quit question: the run still going, in words."""
        return f"run {self._run_number} on the Train tab" if self.is_training() else None

    def stop_work(self) -> None:
        self.stop()

    def use_last_model(self) -> None:
        index = self.library.index_of(self._last_entry) if self._last_entry is not None else -1
        if index >= 0:
            self.library.set_active(index)
            self.status.emit(f"The Draw tab now uses {self._last_entry.name}.")

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
        self._started = (spec, config, self.form.values())
        self._run_number += 1
        self.plots.begin_run()
        self.progress.setRange(0, 0)  # busy until the data is loaded
        self.progress.setFormat("Loading MNIST…")
        self.summary.setText(f"Run {self._run_number}: {spec.describe()}; {config.optimizer}, "
                             f"learning rate {config.learning_rate:g}, {config.epochs} epochs.")
        self.run.start(training_job(spec, config))
        self.status.emit(f"Training {spec.describe()}")

    def _pause_toggled(self, paused: bool) -> None:
        self.run.set_paused(paused)
        if paused:
            self.progress.setFormat(self.progress.format().split(" · ETA")[0] + " · paused")
            self.status.emit("Paused: the run waits after this batch. Press Resume to go on.")
        else:
            self.status.emit("Resumed")

    def stop(self) -> None:
        self.run.stop()

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing): nothing is left running."""
        self.plots.stop()
        self.run.shutdown()

    # What the worker reports.
    def _on_progress(self, event) -> None:
        match event:
            case RunStarted():
                self.progress.setRange(0, event.total_steps)
                self.plots.plan(event.total_steps, event.epochs)
            case StepsDone():
                self.plots.add_steps(event.steps, event.losses)
                self._update_progress(int(event.steps[-1]))
            case EpochDone(report=report):
                self.plots.add_epoch(report.epoch, report.train_accuracy, report.validation_accuracy)
                val = f", validation {report.validation_accuracy:.2%}" if report.validation_accuracy is not None else ""
                self.status.emit(f"Epoch {report.epoch}: loss {report.loss:.4f}, train {report.train_accuracy:.2%}{val} "
                                 f"({report.seconds:.1f} s)")
            case Measuring(what=what):
                self.progress.setFormat(f"Measuring {what}…")

    def _update_progress(self, step: int) -> None:
        plan = self.run.plan
        if plan is None or self.run.state == "stopping":
            return
        self.progress.setValue(step)
        done = max(step - plan.step, 1)
        remaining = (plan.total_steps - step) * self.run.elapsed() / done
        epoch = epoch_of_step(step, plan.steps_per_epoch, plan.epochs)
        paused = " · paused" if self.run.state == "paused" else f" · ETA {_duration(remaining)}"
        self.progress.setFormat(f"Epoch {epoch}/{plan.epochs} · step {step:,}/{plan.total_steps:,}{paused}")

    def _on_finished(self, outcome) -> None:
        result, model = outcome
        result: TrainResult
        self.history.add(RunRecord(self._run_number, *self._started, result.status, result.history,
                                   model.test_accuracy if model else None, self.run.elapsed()))
        if model is not None:
            self._last_model = model
            name = f"Run {self._run_number} ({datetime.now():%H:%M})"   # the summary beside it says what it is
            self._last_entry = self.library.add(ModelEntry(name, model, None, "trained"), activate=False)
            self._update_use_button()
            self.modelTrained.emit(self._last_entry)
        if result.status == "diverged":
            self.progress.setFormat("Diverged")
            self.error.emit("Training diverged", result.message)
        else:
            accuracy = f" Test accuracy {model.test_accuracy:.2%}." if model and model.test_accuracy is not None else ""
            self.progress.setFormat("Finished" if result.status == "finished" else f"Stopped after step {result.step:,}")
            self.summary.setText(f"{result.message}{accuracy} {self._compared_with_active()}")
            self.status.emit(f"{result.message}{accuracy}")

    def _compared_with_active(self) -> str:
        """What the Draw tab uses, beside the run just finished, to decide whether to switch."""
        if self._last_entry is None:
            return ""
        active = self.library.active
        if active is None:
            return "Press “Use in the Draw tab” to read your drawings with it."
        theirs = f" ({active.model.test_accuracy:.2%})" if active.model.test_accuracy is not None else ""
        return (f"The Draw tab still uses {active.name}{theirs}: press “Use in the Draw tab” to switch "
                f"to {self._last_entry.name}.")

    def _on_failed(self, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setFormat("Failed")
        self.error.emit("Training could not run", message)

    # Saving.
    def last_model(self) -> SavedModel | None:
        return self._last_model

    def save_dialog(self) -> None:
        if self._last_entry is not None:
            self.saver.save_dialog(self._last_entry)

    def save(self, path: str | Path) -> bool:
        """Save the last run's model; it is then listed under the file's name, now and after a restart."""
        return self.saver.save(self._last_entry, path)


def epoch_of_step(step: int, steps_per_epoch: int, epochs: int) -> int:
    """The epoch (from 1) that step `step` (from 1) belongs to: the last step of epoch 1 is in
    epoch 1, though the trainer counts epoch 2 as begun once it is done."""
    return min(max(step - 1, 0) // steps_per_epoch + 1, epochs)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"
