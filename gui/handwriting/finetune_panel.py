"""Fine-tuning the active model on the personal samples, in a worker, with live plots and a
before/after table; the model it started from stays in the library, one click away."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from engine.training.finetune import FinetuneConfig, FinetuneOutcome

from ..labels import WrappedLabel
from ..model_actions import ModelSaver
from ..model_library import ModelEntry, ModelLibrary
from ..run_controller import EpochDone, Measuring, RunController, RunStarted, StepsDone
from ..settings import read_float, read_int
from ..spin_box import spin_box
from ..training_plots import TrainingPlots
from .before_after_table import AFTER, BEFORE, MNIST, PERSONAL, BeforeAfterTable, percent
from .finetune_job import MeasuredBefore, Prepared, finetune_job
from .sample_keeper import SampleKeeper

MIN_SAMPLES = 4
FEW_HELD_OUT = 20      # below this many held-out samples, the before/after numbers say little
ORIGIN = "finetuned"


class FinetunePanel(QWidget):
    status = Signal(str)
    error = Signal(str, str)

    def __init__(self, library: ModelLibrary, keeper: SampleKeeper, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.library, self.keeper, self.settings = library, keeper, settings
        self.plots = TrainingPlots(loss_top=1.0)
        self.run = RunController(self)
        self.run.progressed.connect(self._on_progress)
        self.run.finished.connect(self._on_finished)
        self.run.failed.connect(self._on_failed)
        self.run.stateChanged.connect(self._on_state)
        self.saver = ModelSaver(library, settings, self)
        self.saver.status.connect(self.status)
        self.saver.error.connect(self.error)
        self._base_entry: ModelEntry | None = None
        self._tuned_entry: ModelEntry | None = None
        self._holdout = 0
        self._build()
        library.activeChanged.connect(self._on_active_changed)
        library.entriesChanged.connect(lambda: self._on_active_changed(library.active))   # a rename
        keeper.changed.connect(self._update_buttons)
        keeper.loaded.connect(self._update_buttons)
        self._on_active_changed(library.active)
        self.epochs.valueChanged.connect(self._preview_plots)
        self._preview_plots()

    def _build(self) -> None:
        self.model_label = WrappedLabel()
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)   # a model's name is data, never markup
        self.epochs = spin_box(1, 50, read_int(self.settings, "finetune/epochs", FinetuneConfig.epochs, 1, 50),
                               "Passes over the mixed set (MNIST images with your samples among them)")
        self.lr = spin_box(0.0, 0.1, read_float(self.settings, "finetune/lr", 0.0, 0.0, 0.1),
                           "Learning rate. Lower than for training from scratch, so the network adapts to your "
                           "hand without forgetting MNIST.", step=0.0001, decimals=5)
        self.lr.setSpecialValueText("auto: a tenth of the model's own")
        form = QFormLayout()
        form.addRow("Model:", self.model_label)
        form.addRow("Epochs:", self.epochs)
        form.addRow("Learning rate:", self.lr)

        self.start_button = QPushButton("Start fine-tuning")
        self.start_button.setToolTip("Train the active model further on your samples mixed with MNIST. A quarter of "
                                     "each digit's samples is held out to measure the effect.")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.back_button = QPushButton("Go back to the previous model")
        self.back_button.setToolTip("Use the model the fine-tuning started from again "
                                    "(the fine-tuned one stays in the list)")
        self.back_button.clicked.connect(self.go_back)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the fine-tuned model as a .npz file")
        self.save_button.clicked.connect(self.save_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        # The rule, in view (not only in the tooltip of a disabled button).
        self.requirement = WrappedLabel()
        # What the held-out numbers are worth: two samples make "100% → 100%" of nothing.
        self.holdout_note = WrappedLabel()
        self.holdout_note.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setFormat("Ready")
        self.progress.setValue(0)

        self.table = BeforeAfterTable()
        after = QHBoxLayout()
        after.addWidget(self.back_button)
        after.addStretch(1)
        after.addWidget(self.save_button)
        caption = WrappedLabel("Accuracy plot: “train” is the mixed training set, "
                               "“validation” your held-out samples.")
        caption.setEnabled(False)

        box = QGroupBox("Fine-tune on my samples")
        inner = QVBoxLayout(box)
        inner.addLayout(form)
        inner.addLayout(buttons)
        inner.addWidget(self.requirement)
        inner.addWidget(self.progress)
        inner.addWidget(self.table)
        inner.addWidget(self.holdout_note)
        inner.addLayout(after)
        inner.addWidget(self.plots, 1)
        inner.addWidget(caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        self._update_buttons()

    # State.
    def is_running(self) -> bool:
        return self.run.is_running()

    def _update_buttons(self, *_) -> None:
        running = self.is_running()
        count = len(self.keeper.store) if self.keeper.is_loaded else 0
        enough = count >= MIN_SAMPLES
        self.requirement.setText(
            f"Fine-tuning needs at least {MIN_SAMPLES} labelled drawings; you have {count}. A quarter of each digit's "
            "samples is held out to measure the effect, so a few dozen say more than a handful.")
        self.start_button.setEnabled(not running and enough and self.library.active is not None)
        self.start_button.setToolTip(self.start_button.toolTip() if enough else
                                     f"Label at least {MIN_SAMPLES} drawings in the Draw tab first.")
        self.stop_button.setEnabled(running)
        self.epochs.setEnabled(not running)
        self.lr.setEnabled(not running)
        active = self.library.active
        tuned_active = self._tuned_entry is not None and active is self._tuned_entry
        self.back_button.setEnabled(tuned_active and self._base_index() >= 0 and not running)
        self.save_button.setEnabled(self._tuned_entry is not None and not running)

    def _on_active_changed(self, entry: ModelEntry | None) -> None:
        self.model_label.setText(f"{entry.name} · {entry.model.describe()}" if entry else "none")
        if self._base_entry is not None:
            self.back_button.setText(f"Go back to {self._base_entry.name}")
        self._update_buttons()

    def _preview_plots(self) -> None:
        """Before a run, the plots' axes are about those of the run to come (MNIST's share of the steps;
        the run adds a few for the samples and sets the exact extent when it starts)."""
        config = self.config()
        self.plots.preview(-(-config.mnist_images // config.batch_size) * config.epochs, config.epochs)

    def config(self) -> FinetuneConfig:
        return FinetuneConfig(epochs=self.epochs.value(), lr=self.lr.value() or None)

    # Commands.
    def start(self) -> None:
        entry = self.library.active
        if self.is_running() or entry is None:
            return
        x, t = self.keeper.store.arrays()
        if len(t) < MIN_SAMPLES:
            self.error.emit("Not enough samples", f"Label at least {MIN_SAMPLES} drawings in the Draw tab first.")
            return
        config = self.config()
        self.settings.setValue("finetune/epochs", config.epochs)
        self.settings.setValue("finetune/lr", self.lr.value())
        self._base_entry = entry
        self.table.clear_scores()
        self.plots.begin_run()
        self.progress.setRange(0, 0)
        self.progress.setFormat("Loading MNIST and measuring…")
        self.run.start(finetune_job(entry.model, entry.name, x, t, config))
        self.status.emit(f"Fine-tuning {entry.name} on {len(t)} samples of yours mixed with MNIST…")

    def stop(self) -> None:
        self.run.stop()

    def _base_index(self) -> int:
        """Where the model the fine-tuning started from is in the library (-1: gone)."""
        return next((i for i, e in enumerate(self.library.entries()) if e is self._base_entry), -1)

    def go_back(self) -> None:
        index = self._base_index()
        if index >= 0:
            self.library.set_active(index)
            self.status.emit(f"Using {self._base_entry.name} again; the fine-tuned model stays in the model list.")

    def shutdown(self) -> None:
        self.plots.stop()
        self.run.shutdown()

    # What the worker reports.
    def _on_progress(self, event) -> None:
        match event:
            case Prepared(train=train, holdout=holdout):
                self.table.name_rows(f"{holdout} held-out samples of yours", "MNIST test set (10,000)")
                self._note_holdout(holdout)
                self.progress.setFormat(f"Measuring before (training on {train} samples)…")
            case MeasuredBefore(scores=scores):
                self.table.set_score(PERSONAL, BEFORE, scores.personal)
                self.table.set_score(MNIST, BEFORE, scores.mnist)
            case RunStarted():
                self.progress.setRange(0, event.total_steps)
                self.plots.plan(event.total_steps, event.epochs)
                self.progress.setFormat("Fine-tuning: step %v of %m")
            case StepsDone():
                self.plots.add_steps(event.steps, event.losses)
                self.progress.setValue(int(event.steps[-1]))
            case EpochDone(report=report):
                self.plots.add_epoch(report.epoch, report.train_accuracy, report.validation_accuracy)
            case Measuring(what=what):
                self.progress.setFormat(f"Measuring {what}…")

    def _note_holdout(self, holdout: int) -> None:
        self._holdout = holdout
        if holdout >= FEW_HELD_OUT:
            self.holdout_note.setVisible(False)
            return
        each = f"each one is {100 / holdout:.0f} points of the score, " if holdout else ""
        self.holdout_note.setText(
            f"<b>Only {holdout} of your samples {'is' if holdout == 1 else 'are'} held out</b> to measure: {each}so "
            "the first row says little. Label more drawings (a few of each digit) for a measure that means something.")
        self.holdout_note.setVisible(True)

    def _on_finished(self, outcome: FinetuneOutcome | None) -> None:
        if outcome is None:
            return
        if outcome.model is None:
            self.progress.setFormat("Diverged" if outcome.result.status == "diverged" else "Stopped before any step")
            if outcome.result.status == "diverged":
                self.error.emit("Fine-tuning diverged", outcome.result.message)
            return
        before, after = outcome.before, outcome.after
        personal_change = None if before.personal is None else after.personal - before.personal
        self.table.set_score(PERSONAL, AFTER, after.personal, personal_change)
        self.table.set_score(MNIST, AFTER, after.mnist, after.mnist - before.mnist)
        base = self._base_entry
        name = f"{base.name} + my handwriting ({datetime.now():%H:%M:%S})"
        self._tuned_entry = self.library.add(ModelEntry(name, outcome.model, None, ORIGIN))
        self.back_button.setText(f"Go back to {base.name}")
        finished = outcome.result.status == "finished"
        self.progress.setFormat("Finished" if finished else f"Stopped at step {outcome.result.step}")
        few = f" (only {self._holdout} held out)" if self._holdout < FEW_HELD_OUT else ""
        self.status.emit(f"Fine-tuned: your held-out samples {percent(before.personal)} → "
                         f"{percent(after.personal)}{few}, MNIST test {percent(before.mnist)} → "
                         f"{percent(after.mnist)}. The new model is active; “Go back” returns to {base.name}.")

    def _on_failed(self, message: str) -> None:
        self.progress.setFormat("Failed")
        self.error.emit("Fine-tuning could not run", message)

    def _on_state(self, state: str) -> None:
        if state == "stopping":
            self.progress.setFormat("Stopping after this batch…")
        elif state == "idle" and self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self._update_buttons()

    def save_dialog(self) -> None:
        """Save the fine-tuned model to a file the user picks; it is then listed under the file's name."""
        if self._tuned_entry is not None:
            self.saver.save_dialog(self._tuned_entry)
