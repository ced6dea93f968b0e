"""Hyperparameter search (book 6.5): random learning rates and weight decays on a log scale, each
tried in a short run and judged on validation images; the best can be trained in full at one click."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.data.datasets import load_mnist
from engine.experiments.hyperparameter_search import (
    SearchSetup,
    SearchSpace,
    Trial,
    best_trial,
    default_space,
    random_search,
)
from engine.nn.builders import ModelSpec
from engine.nn.optimizers import OPTIMIZERS

from ..spin_box import spin_box
from ..theme import ACCENT, BAD, DecadeAxis, percent_axes
from .common import ExploreView, RunControls, StatusLine, WrappedLabel
from .full_training import ask_to_train, full_settings, train_on_the_train_tab
from .optimizer_playground import NAMES
from .plots import ACCURACY, brushes_for, plot_widget
from .trials_table import TrialsTable

EXPLANATION = (
    "How large should the learning rate be, and how strong the weight decay? Nobody can say in advance, so we "
    "try. Each trial draws both at random, evenly on a logarithmic scale (as likely between 0.001 and 0.01 as "
    "between 0.01 and 0.1), trains the Train tab's network briefly on a small set of images, and measures it "
    "on <b>validation</b> images held back from training. The test images are never used here: settings chosen "
    "by their test score would make that score an overly rosy guess of how the network does on new digits. "
    "Each dot is a trial, coloured from red (worst) to green (best). Look for the region where the good trials "
    "gather, then train a full model with the best settings.")

class HyperparameterView(ExploreView):
    def __init__(self, train_tab=None, parent=None):
        super().__init__("Hyperparameter search", EXPLANATION, parent)
        self.train_tab = train_tab
        self.trials: list[Trial] = []
        self.setup_used: SearchSetup | None = None
        self._synced: tuple | None = None
        self._build()

    def _build(self) -> None:
        self.network_label = WrappedLabel()
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(NAMES[name], name)
        self.optimizer.currentIndexChanged.connect(self._suggest_space)
        self.trials_spin = spin_box(1, 500, 30, "How many random settings to try")
        self.epochs = spin_box(1, 200, 10, "Epochs of each trial's short run")
        self.train_size = spin_box(100, 50000, 1000, "Training images of each trial", step=100)
        self.validation = spin_box(100, 20000, 1000, "Validation images, held out of the training set", step=100)
        self.lr_low, self.lr_high = self._exponent(-4), self._exponent(-1)
        self.wd_low, self.wd_high = self._exponent(-5), self._exponent(-1)
        lr_range, wd_range = QHBoxLayout(), QHBoxLayout()
        for row, (low, high) in ((lr_range, (self.lr_low, self.lr_high)), (wd_range, (self.wd_low, self.wd_high))):
            row.addWidget(low)
            row.addWidget(QLabel("to"))
            row.addWidget(high)
        form = QFormLayout()
        form.addRow("Network", self.network_label)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", lr_range)
        form.addRow("Weight decay", wd_range)
        form.addRow("Trials", self.trials_spin)
        form.addRow("Epochs per trial", self.epochs)
        form.addRow("Training images", self.train_size)
        form.addRow("Validation images", self.validation)

        self.table = TrialsTable()
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.best_label = StatusLine("No trials yet.", lines=2)
        self.train_button = QPushButton("Train a full model with these settings")
        self.train_button.setEnabled(False)
        self.train_button.setToolTip("Put the chosen learning rate, weight decay and optimizer into the Train tab "
                                     "and train there on all the training images (it asks first)")
        self.train_button.clicked.connect(self.confirm_training)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(QLabel("Best trials"))
        side.addWidget(self.table, 1)
        side.addWidget(self.best_label)
        side.addWidget(self.train_button)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setMaximumWidth(380)

        self.controls = RunControls("Search", self.start, self.cancel)
        self.map_plot = plot_widget("Settings tried", left="weight decay", bottom="learning rate",
                                    axis_items={"left": DecadeAxis("left"), "bottom": DecadeAxis("bottom")})
        self.accuracy_plot = plot_widget("Validation accuracy", left="validation accuracy", bottom="learning rate",
                                         axis_items={**percent_axes(), "bottom": DecadeAxis("bottom")})
        for plot in (self.map_plot, self.accuracy_plot):
            plot.getPlotItem().setMouseEnabled(x=False, y=False)
            for axis in ("left", "bottom"):
                plot.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.map_plot.getPlotItem().setLogMode(x=True, y=True)
        self.accuracy_plot.getPlotItem().setLogMode(x=True, y=False)
        self.accuracy_plot.getPlotItem().setYRange(0, 1, padding=0.05)
        self.map_points = self.map_plot.plot(pen=None, symbol="o", symbolSize=11)
        self.accuracy_points = self.accuracy_plot.plot(pen=None, symbol="o", symbolSize=9)
        self.failed_points = self.map_plot.plot(pen=None, symbol="x", symbolSize=11, symbolBrush=BAD,
                                                symbolPen=pg.mkPen(BAD, width=2))
        self.chosen_marks = [plot.plot(pen=None, symbol="star", symbolSize=20, symbolBrush=None,
                                       symbolPen=pg.mkPen(ACCENT, width=2.5))
                             for plot in (self.map_plot, self.accuracy_plot)]
        plots = QHBoxLayout()
        plots.addWidget(self.map_plot, 1)
        plots.addWidget(self.accuracy_plot, 1)
        self.add_body(side_widget, plots, self.controls)
        self.show_status("Press Search to try the settings; each trial's short run takes a few seconds.")
        self._sync_with_train_form()
        for spin in (self.lr_low, self.lr_high, self.wd_low, self.wd_high):
            spin.valueChanged.connect(self._plan_axes)
        self._plan_axes()

    @staticmethod
    def _exponent(value: int) -> QSpinBox:
        # From 1e-5: the Train tab's fields hold values down to 0.00001.
        spin = spin_box(-5, 1, value, "A power of ten: 1e-3 is 0.001")
        spin.setPrefix("1e")
        return spin

    # Settings.
    def _sync_with_train_form(self) -> None:
        """Search the network the Train tab will train, with its optimizer (chosen again here only when
        the Train tab's choice changed, so that a choice made here stays)."""
        if self.train_tab is None:
            self.network_label.setText(ModelSpec().describe())
            self.optimizer.setCurrentIndex(self.optimizer.findData("sgd"))
            return
        try:
            spec, config = self.train_tab.form.spec_and_config()
        except ValueError as e:
            self.network_label.setText(f"(the Train tab's settings are not valid: {e})")
            return
        self.network_label.setText(spec.describe() + " (from the Train tab)")
        if self._synced != (spec, config.optimizer):
            self._synced = (spec, config.optimizer)
            self.optimizer.setCurrentIndex(self.optimizer.findData(config.optimizer))
            self._suggest_space()

    def _suggest_space(self) -> None:
        space = default_space(self.optimizer.currentData())
        self.lr_low.setValue(max(round(math.log10(space.lr[0])), self.lr_low.minimum()))
        self.lr_high.setValue(min(round(math.log10(space.lr[1])), self.lr_high.maximum()))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.busy():
            self._sync_with_train_form()

    def _plan_axes(self) -> None:
        """Before a search, the axes span the ranges it will draw from (log-mode axes take log10)."""
        if self.busy() or self.trials:
            return
        lr = (self.lr_low.value(), max(self.lr_high.value(), self.lr_low.value() + 1))
        wd = (self.wd_low.value(), max(self.wd_high.value(), self.wd_low.value() + 1))
        self._set_ranges(lr, wd)

    def _set_ranges(self, lr_range, wd_range) -> None:
        # Enough padding that a star on a trial at the edge of the range stays whole.
        self.map_plot.getPlotItem().setXRange(*lr_range, padding=0.08)
        self.map_plot.getPlotItem().setYRange(*wd_range, padding=0.08)
        self.accuracy_plot.getPlotItem().setXRange(*lr_range, padding=0.08)

    def space(self) -> SearchSpace:
        return SearchSpace(lr=(10.0 ** self.lr_low.value(), 10.0 ** self.lr_high.value()),
                           weight_decay=(10.0 ** self.wd_low.value(), 10.0 ** self.wd_high.value()))

    def search_setup(self) -> SearchSetup:
        if self.train_tab is not None:
            spec, config = self.train_tab.form.spec_and_config()
            batch_size, seed = config.batch_size, config.seed
        else:
            spec, batch_size, seed = ModelSpec(), 100, 0
        return SearchSetup(trials=self.trials_spin.value(), epochs=self.epochs.value(),
                           train_size=self.train_size.value(), validation=self.validation.value(),
                           optimizer=self.optimizer.currentData(), batch_size=batch_size, spec=spec, seed=seed)

    # Running.
    def start(self) -> None:
        try:
            space, setup = self.space(), self.search_setup()
        except ValueError as e:
            self.show_problem(str(e))
            return
        self.trials, self.setup_used = [], setup
        self._redraw()
        self._set_ranges(np.log10(space.lr), np.log10(space.weight_decay))   # log-mode axes take log10
        self.controls.set_progress(0, setup.trials, "Loading MNIST…")
        self.show_status(f"{setup.trials} trials of {setup.spec.describe()} with {NAMES[setup.optimizer]}, "
                         f"{setup.epochs} epochs on {setup.train_size} images each…")

        def job(ctx):
            dataset = load_mnist()
            return random_search(dataset, space, setup, on_trial=ctx.report, cancelled=lambda: ctx.cancelled)

        self.run(job, self._on_trial, self._on_done)

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)
        self.train_button.setEnabled(not busy and best_trial(self.trials) is not None and self.train_tab is not None)

    def _on_trial(self, trial: Trial) -> None:
        self.trials.append(trial)
        total = self.setup_used.trials
        self.controls.set_progress(len(self.trials), total, f"Trial {len(self.trials)} of {total}")
        self._redraw()

    def _on_done(self, trials: list[Trial]) -> None:
        self.trials = list(trials)
        finished = len(trials) == self.setup_used.trials
        self.controls.set_progress(len(trials), self.setup_used.trials, "Finished" if finished else "Stopped")
        self._redraw()
        best = best_trial(self.trials)
        if best is not None:
            self.show_status(f"{'Done' if finished else 'Stopped'}: {len(trials)} trials. The best reached "
                             f"{best.validation_accuracy:.1%} on the validation images.")

    def _redraw(self) -> None:
        done = [t for t in self.trials if t.status == "finished"]
        failed = [t for t in self.trials if t.status != "finished"]
        lr = np.array([t.lr for t in done])
        wd = np.array([t.weight_decay for t in done])
        acc = np.array([t.validation_accuracy for t in done])
        if done:
            brushes = brushes_for(acc, float(acc.min()), float(acc.max()), ACCURACY)
            self.map_points.setData(lr, wd, symbolBrush=brushes, symbolPen=None)
            self.accuracy_points.setData(lr, acc, symbolBrush=brushes, symbolPen=None)
        else:
            self.map_points.setData([], [])
            self.accuracy_points.setData([], [])
        self.failed_points.setData([t.lr for t in failed], [t.weight_decay for t in failed])
        self.table.show_trials(done)
        self._on_selection()

    def selected_trial(self) -> Trial | None:
        return self.table.selected_trial() or best_trial(self.trials)

    def _on_selection(self) -> None:
        trial = self.selected_trial()
        for mark in self.chosen_marks:
            mark.setData([], [])
        if trial is None:
            self.best_label.setText("No finished trials yet." if self.trials else "No trials yet.")
            self.train_button.setEnabled(False)
            return
        self.chosen_marks[0].setData([trial.lr], [trial.weight_decay])
        self.chosen_marks[1].setData([trial.lr], [trial.validation_accuracy])
        which = "Best" if trial is best_trial(self.trials) else "Chosen"
        self.best_label.setText(f"<b>{which}:</b> learning rate {trial.lr:.2g}, weight decay {trial.weight_decay:.2g} "
                                f"→ {trial.validation_accuracy:.1%} on validation images.")
        self.train_button.setEnabled(not self.busy() and self.train_tab is not None)

    # Handing over to the Train tab.
    def confirm_training(self) -> QMessageBox | None:
        """Ask whether to train a full model with the chosen trial's settings (the box is returned open)."""
        trial = self.selected_trial()
        if trial is None or self.train_tab is None or self.setup_used is None:
            return None
        values = full_settings(self.train_tab.form.values(), self.setup_used, trial)
        return ask_to_train(self, self.setup_used, trial, values, lambda: train_on_the_train_tab(self.train_tab, values))
