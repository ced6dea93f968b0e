"""Chapter 6 additions: deep networks trained from different initial weights (zeros, too small, too
large, Xavier, He; figure 6-15), and batch normalisation against none (figures 6-18 and 6-19)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QVBoxLayout

from engine.data.datasets import load_mnist
from engine.experiments.batchnorm_study import BOOK_STDS, BatchNormSetup, batchnorm_runs
from engine.experiments.init_training import STARTS, InitTrainingSetup, init_training_runs, unit_spread

from ..series_buffer import SeriesBuffer
from ..spin_box import spin_box
from ..theme import ACCENT, PANEL_BACKGROUND, SECOND, SERIES, EmptyPlotHint, add_legend, set_background
from ..explore.common import ExploreView, RunControls, Throttle, WrappedLabel
from ..explore.plots import centred_mean, plot_widget, quiet_plot, text_colour

INIT_EXPLANATION = (
    "Five hidden layers of 100 units, trained with SGD (learning rate 0.01, batches of 128) on the same batches "
    "from five starts (\"Deep Learning from Scratch\", 6.2, figure 6-15). <b>Zeros</b> (6.2.1): every unit of a "
    "layer computes the same thing and gets the same update, so they stay alike forever (and with ReLU nothing "
    "moves at all). <b>std 0.01</b>: the signal fades layer by layer and learning barely starts. <b>std 1</b>: "
    "it grows layer by layer until the loss overflows. <b>Xavier</b> and <b>He</b> scale the weights to the "
    "layer's width and learn; He is meant for ReLU.")
BATCHNORM_EXPLANATION = (
    "<b>Batch normalisation</b> (\"Deep Learning from Scratch\", 6.3) rescales each unit's inputs over the batch "
    "to mean 0 and variance 1 before the activation, so the signal neither fades nor explodes, whatever the "
    "initial weights. As in figures 6-18 and 6-19: five hidden layers of 100 ReLUs learn 1,000 training images with "
    "SGD (0.01) for 20 epochs, from weights of 16 standard deviations, 1 down to 0.0001; solid with batch "
    "normalisation, dashed without. Accuracy is on those training images. \"diverged\": the loss overflowed.")
ACTIVATIONS = {"ReLU": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}
SMOOTH = 10


class InitTrainingPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Initial weights and learning", INIT_EXPLANATION, parent)
        defaults = InitTrainingSetup()
        self.losses: dict[str, SeriesBuffer] = {}
        self.spreads: dict[str, float] = {}
        self.activation = QComboBox()
        for text, key in ACTIVATIONS.items():
            self.activation.addItem(text, key)
        self.steps = spin_box(10, 20000, defaults.steps, "Training steps", 100)
        form = QFormLayout()
        form.addRow("Activation", self.activation)
        form.addRow("Steps", self.steps)
        self.result = WrappedLabel()
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.result)
        side.addStretch(1)
        self.controls = RunControls("Train", self.start, self.cancel)
        self.plot = plot_widget("Training loss (smoothed)", left="loss", bottom="step")
        add_legend(self.plot.getPlotItem(), offset=(-10, 10))
        self.items = {label: self.plot.plot(pen=pg.mkPen(SERIES[i], width=2), name=label)
                      for i, (label, _, _) in enumerate(STARTS)}
        self.add_body(side, self.plot, self.controls)
        # Before a run, the axes of the run the settings would make, and a word on what comes there.
        self.plot.getPlotItem().setRange(xRange=(0, defaults.steps), yRange=(0, 2.5), padding=0.02)
        self.steps.valueChanged.connect(
            lambda steps: self.losses or self.plot.getPlotItem().setXRange(0, steps, padding=0.02))
        self.hint = EmptyPlotHint(self.plot.getPlotItem(), "The loss of each of the five starts appears here.")

    def start(self) -> None:
        self.hint.hide()
        self.plot.getPlotItem().enableAutoRange(axis="y")
        setup = InitTrainingSetup(activation=self.activation.currentData(), steps=self.steps.value())
        self.losses = {label: SeriesBuffer(2) for label, _, _ in STARTS}
        self.spreads = {}
        for item in self.items.values():
            item.setData([], [])
        self.plot.getPlotItem().setXRange(0, setup.steps, padding=0.02)
        self.result.setText("")

        def job(ctx):
            throttle, pending = Throttle(), []

            def on_step(step, losses):
                pending.append((step, losses))
                if throttle.due():
                    ctx.report(list(pending))
                    pending.clear()

            losses, networks = init_training_runs(load_mnist(), setup, on_step=on_step,
                                                  cancelled=lambda: ctx.cancelled)
            if pending:
                ctx.report(list(pending))
            return losses, {label: unit_spread(net) for label, net in networks.items()}

        self._steps = setup.steps
        self.controls.set_progress(0, setup.steps, "Loading MNIST…")
        self.run(job, self._progress, self._done)

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)

    def _progress(self, bundle) -> None:
        for step, losses in bundle:
            for label, loss in losses.items():
                self.losses[label].extend([step + 1, loss])
        for label, item in self.items.items():
            series = self.losses[label]
            if len(series):
                item.setData(series.column(0), centred_mean(np.minimum(series.column(1), 10.0), SMOOTH))
        step = bundle[-1][0] + 1
        self.controls.set_progress(step, self._steps, f"Step {step} of {self._steps}")

    def _done(self, result) -> None:
        losses, self.spreads = result
        longest = max(len(v) for v in losses.values())       # a run that stops sooner diverged
        self.controls.set_progress(longest, self._steps, "Finished" if longest == self._steps else "Stopped")
        lines = []
        for label, _, _ in STARTS:
            run = losses[label]
            end = f"diverged (the loss overflowed) at step {len(run) + 1}" if len(run) < longest else \
                f"loss {run[-1]:.3f}" if run else "no steps"
            alike = "; its units are all alike" if self.spreads[label] < 1e-6 else ""
            lines.append(f"<b>{label}</b>: {end}{alike}")
        self.result.setText("After training:<br>" + "<br>".join(lines) + "<br>(Losses above 10 are drawn at 10.)")


class BatchNormPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Batch normalisation", BATCHNORM_EXPLANATION, parent)
        defaults = BatchNormSetup()
        self.runs = {}
        self.epochs = spin_box(1, 200, defaults.epochs, "Passes over the training images")
        self.train_size = spin_box(100, 60000, defaults.train_size, "Training images", 100)
        self.count = QComboBox()
        for n in (16, 8, 4):
            self.count.addItem(f"{n} (every {16 // n}{'st' if n == 16 else 'nd' if n == 8 else 'th'})", n)
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        form.addRow("Training images", self.train_size)
        form.addRow("Weight scales", self.count)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch(1)
        self.controls = RunControls("Train", self.start, self.cancel)
        self.graphics = pg.GraphicsLayoutWidget()
        set_background(self.graphics, PANEL_BACKGROUND)      # and again after a change of theme
        self.graphics.setMinimumSize(400, 420)     # 16 small plots: below this the page scrolls
        self.add_body(side, self.graphics, self.controls)
        self._build_panels(BOOK_STDS, defaults.epochs)

    def stds(self) -> tuple[float, ...]:
        step = 16 // self.count.currentData()
        return BOOK_STDS[::step]

    def _build_panels(self, stds, epochs: int) -> None:
        self.graphics.clear()
        self.panels, self.curves = [], {}
        columns = 4
        text = text_colour().name()
        for i, std in enumerate(stds):
            plot = quiet_plot(self.graphics.addPlot(row=i // columns, col=i % columns))
            plot.setTitle(f"std {std:.2g}", color=text, size="8pt")
            plot.setYRange(0, 1.0, padding=0.02)
            plot.getAxis("left").setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
            plot.getAxis("bottom").setTicks([[(1, "1"), (epochs, str(epochs))]])      # the first and last epoch
            plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
            plot.setXRange(1, epochs, padding=0.05)
            # Small multiples share their axes: numbers on the left column and the bottom row only.
            plot.getAxis("left").setStyle(showValues=i % columns == 0)
            plot.getAxis("bottom").setStyle(showValues=i // columns == (len(stds) - 1) // columns)
            with_bn = plot.plot(pen=pg.mkPen(ACCENT, width=2))
            without = plot.plot(pen=pg.mkPen(SECOND, width=2, style=Qt.PenStyle.DashLine))
            self.panels.append(plot)
            self.curves[(i, True)], self.curves[(i, False)] = with_bn, without

    def start(self) -> None:
        stds = self.stds()
        setup = BatchNormSetup(epochs=self.epochs.value(), train_size=self.train_size.value())
        self._build_panels(stds, setup.epochs)
        self.accuracies = {key: [] for key in self.curves}
        self.runs = {}
        self._total = 2 * len(stds) * setup.epochs
        self._done_epochs = 0

        def job(ctx):
            throttle, pending = Throttle(), []

            def on_epoch(i, batchnorm, report):
                pending.append((i, batchnorm, report.train_accuracy))
                if throttle.due():
                    ctx.report(list(pending))
                    pending.clear()

            runs = batchnorm_runs(load_mnist(), stds, setup, on_epoch, cancelled=lambda: ctx.cancelled)
            if pending:
                ctx.report(list(pending))
            return runs

        self.controls.set_progress(0, self._total, "Loading MNIST…")
        self.run(job, self._progress, self._done)

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)

    def _progress(self, bundle) -> None:
        for i, batchnorm, accuracy in bundle:
            self.accuracies[(i, batchnorm)].append(accuracy)
            self._done_epochs += 1
        for key in {(i, bn) for i, bn, _ in bundle}:
            values = self.accuracies[key]
            self.curves[key].setData(np.arange(1, len(values) + 1), values)
        i, batchnorm, _ = bundle[-1]
        self.controls.set_progress(self._done_epochs, self._total,
                                   f"std {self.stds()[i]:.2g}, {'with' if batchnorm else 'without'} batch norm")

    def _done(self, runs) -> None:
        self.runs = runs
        text = text_colour().name()
        for (i, batchnorm), run in runs.items():
            if run.status == "diverged" and not batchnorm:
                self.panels[i].setTitle(f"std {run.std:.2g}: without, diverged", color=text, size="8pt")
        complete = len(runs) == len(self.curves) and all(r.status != "stopped" for r in runs.values())
        self.controls.set_progress(self._done_epochs, self._total, "Finished" if complete else "Stopped")
        finals = [(r.std, r.accuracies[-1]) for (i, bn), r in runs.items() if bn and r.accuracies]
        plain = [(r.std, r.accuracies[-1]) for (i, bn), r in runs.items() if not bn and r.accuracies]
        if finals:
            learnt = sum(a > 0.5 for _, a in finals)
            learnt_plain = sum(a > 0.5 for _, a in plain)
            self.show_status(f"Above 50% at the end: {learnt} of {len(finals)} starts with batch normalisation, "
                             f"{learnt_plain} of {len(runs) // 2} without. Solid: with; dashed: without.")
