"""Overfitting and regularisation (book 6.4): a deep network learns 300 images by heart; weight
decay and dropout narrow the gap between what it does on them and on unseen images."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout

from engine.data.datasets import load_mnist
from engine.experiments.regularisation import OverfitSetup, default_regularisers, regularisation_runs
from engine.nn.optimizers import OPTIMIZERS

from ..series_buffer import SeriesBuffer
from ..spin_box import spin_box
from ..theme import ACCENT, SECOND, fit_to_scene, legend_html, percent_axes, set_title
from .common import ExploreView, RunControls, Throttle
from .optimizer_playground import NAMES
from .plots import plot_widget, text_colour

EXPLANATION = (
    "A network with five hidden layers of 100 units has far more weights than needed to memorise 300 images. "
    "Trained on only those, it soon gets nearly all of them right (blue) while it does much worse on images it "
    "has never seen (orange): it <b>overfits</b>. <b>Weight decay</b> adds λ/2·‖W‖² to the loss, pulling the "
    "weights towards zero so that no single weight can grow huge to fit one image. <b>Dropout</b> switches off a "
    "random share of the hidden units at every step, so the network cannot rely on any one of them. Both narrow "
    "the gap between the two curves. Unseen accuracy is measured on test images after every epoch, only to "
    "watch, never to choose settings.")


class RegularisationView(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Overfitting and regularisation", EXPLANATION, parent)
        self.curves: list[SeriesBuffer] = []
        self._build()

    def _build(self) -> None:
        defaults = OverfitSetup()
        self.train_size = spin_box(50, 60000, defaults.train_size, "How many training images the networks learn from",
                                   step=50)
        self.epochs = spin_box(1, 1000, defaults.epochs, "Passes over those images", step=10)
        self.test_size = spin_box(100, 10000, defaults.test_size, "Test images measured after every epoch", step=500)
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(NAMES[name], name)
        self.optimizer.setCurrentIndex(self.optimizer.findData(defaults.optimizer))
        self.lr = spin_box(0.00001, 10.0, defaults.lr, "Learning rate", step=0.005, decimals=5)
        self.weight_decay = spin_box(0.00001, 10.0, 0.1, "λ of the weight-decay run", step=0.05, decimals=5)
        self.dropout = spin_box(0.05, 0.9, 0.2, "Share of hidden units switched off in the dropout run", step=0.05,
                                decimals=2)
        form = QFormLayout()
        form.addRow("Training images", self.train_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Unseen images", self.test_size)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.lr)
        form.addRow("Weight decay λ", self.weight_decay)
        form.addRow("Dropout", self.dropout)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch(1)

        self.controls = RunControls("Start", self.start, self.cancel)
        self.plots: list[pg.PlotWidget] = []
        self.train_items: list[pg.PlotDataItem] = []
        self.test_items: list[pg.PlotDataItem] = []
        row = QHBoxLayout()
        for i in range(3):
            plot = plot_widget(None, left="accuracy" if i == 0 else None, bottom="epoch", axis_items=percent_axes())
            fit_to_scene(plot, floor=(150, 160))
            item = plot.getPlotItem()
            item.setYRange(0, 1.0, padding=0.02)
            item.setMouseEnabled(x=False, y=False)
            self.train_items.append(item.plot(pen=pg.mkPen(ACCENT, width=2.5), name="training images"))
            self.test_items.append(item.plot(pen=pg.mkPen(SECOND, width=2.5, style=Qt.PenStyle.SolidLine),
                                             name="unseen images"))
            self.plots.append(plot)
            row.addWidget(plot)
        # One legend for the three plots, above them, where it covers no curve.
        legend = QLabel(legend_html([(ACCENT, "training images"), (SECOND, "unseen images")]))
        plots = QVBoxLayout()
        plots.addWidget(legend)
        plots.addLayout(row, 1)
        self.add_body(side, plots, self.controls)
        self.show_status("Press Start to train the same network three times: plain, with weight decay, with dropout.")
        self._plan_epochs()
        self.epochs.valueChanged.connect(self._plan_epochs)
        self.weight_decay.valueChanged.connect(self._retitle)
        self.dropout.valueChanged.connect(self._retitle)
        self._retitle()

    def _plan_epochs(self) -> None:
        """The epoch axes span the run to come (or the run shown, while one is going)."""
        if not self.busy():
            for plot in self.plots:
                plot.getPlotItem().setXRange(0, self.epochs.value(), padding=0.02)

    def _retitle(self) -> None:
        if not self.busy() and not self.curves:
            self._title_plots([r.label for r in default_regularisers(self.weight_decay.value(), self.dropout.value())])

    def _title_plots(self, labels, notes=("", "", "")) -> None:
        """Three lines each: the run, then its last accuracies and their gap (blank until there are some),
        so that the plots keep their size when the numbers come."""
        text = text_colour().name()
        for plot, label, note in zip(self.plots, labels, notes):
            set_title(plot.getPlotItem(), f"<b>{label}</b><br>{note or '&nbsp;<br>&nbsp;'}", color=text, size="9pt",
                                        justify="center")

    def setup(self) -> OverfitSetup:
        return OverfitSetup(train_size=self.train_size.value(), test_size=self.test_size.value(),
                            epochs=self.epochs.value(), optimizer=self.optimizer.currentData(), lr=self.lr.value())

    def start(self) -> None:
        setup = self.setup()
        regularisers = default_regularisers(self.weight_decay.value(), self.dropout.value())
        self.labels = [r.label for r in regularisers]
        self.curves = [SeriesBuffer(3) for _ in regularisers]
        for item in (*self.train_items, *self.test_items):
            item.setData([], [])
        for plot in self.plots:
            plot.getPlotItem().setXRange(0, setup.epochs, padding=0.02)
        self._title_plots(self.labels)
        total = setup.epochs * len(regularisers)

        def job(ctx):
            dataset = load_mnist()
            throttle, pending = Throttle(), []

            def on_epoch(run, report):
                pending.append((run, report.epoch, report.train_accuracy, report.test_accuracy))
                if throttle.due():
                    ctx.report(list(pending))
                    pending.clear()

            runs = regularisation_runs(dataset, regularisers, setup, on_epoch, cancelled=lambda: ctx.cancelled)
            if pending:
                ctx.report(list(pending))
            return runs

        self._total = total
        self.controls.set_progress(0, total, "Loading MNIST…")
        self.show_status(f"Training on {setup.train_size} images for {setup.epochs} epochs, three times…")
        self.run(job, self._on_epochs, self._on_done)

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)

    def _on_epochs(self, bundle) -> None:
        for run, epoch, train, test in bundle:
            self.curves[run].extend([epoch, train, test])
        touched = {run for run, *_ in bundle}
        for run in touched:
            c = self.curves[run]
            self.train_items[run].setData(c.column(0), c.column(1))
            self.test_items[run].setData(c.column(0), c.column(2))
        run, epoch = bundle[-1][0], bundle[-1][1]
        done = run * self.epochs.value() + epoch
        self.controls.set_progress(done, self._total, f"{self.labels[run]}: epoch {epoch} of {self.epochs.value()}")
        self._title_plots(self.labels, [self._note(c) for c in self.curves])

    @staticmethod
    def _note(curve: SeriesBuffer) -> str:
        if not len(curve):
            return ""
        train, test = curve.column(1)[-1], curve.column(2)[-1]
        return f"training {train:.0%} · unseen {test:.0%}<br>gap {100 * (train - test):.0f} points"

    def _on_done(self, runs) -> None:
        finished = len(runs) == len(self.curves) and all(len(r) == self.epochs.value() for r in runs)
        self.controls.set_progress(self.controls.progress.value(), self._total, "Finished" if finished else "Stopped")
        if runs and runs[0]:
            gaps = [f"{label}: {100 * (r[-1].train_accuracy - r[-1].test_accuracy):.0f}"
                    for label, r in zip(self.labels, runs) if r]
            self.show_status("Gap between training and unseen accuracy, in points: " + "; ".join(gaps) + ".")

    def final_gaps(self) -> list[float]:
        return [float(np.subtract(*c.column(1)[-1:], c.column(2)[-1:])) if len(c) else np.nan for c in self.curves]
