"""Chapter 4.5: TwoLayerNet (784-50-10, sigmoid). One numerical gradient against one backprop, timed
live; and the notes' training run, with train and test accuracy after every epoch (figure 4-12)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QPlainTextEdit, QVBoxLayout

from engine.data.datasets import load_mnist
from engine.experiments.two_layer_net import TrainingLogSetup, time_gradients, training_log

from ..series_buffer import SeriesBuffer
from ..spin_box import spin_box
from ..theme import ACCENT, SECOND, EmptyPlotHint, add_legend, percent_axes
from ..explore.common import ExploreView, RunControls, Throttle, WrappedLabel
from ..explore.plots import plot_widget
from .pictures import flexible

TIMING_EXPLANATION = (
    "TwoLayerNet has 39,760 weights. Its numerical gradient (\"Deep Learning from Scratch\", 4.5) nudges each "
    "one by ±1e-4 and runs the whole network twice: 79,520 forward passes for one gradient. Backpropagation "
    "(chapter 5) gets all 39,760 derivatives from one forward and one backward pass. Both run here, now, on the "
    "same few training images, in float64; the two gradients agree to many digits, and the times differ by "
    "thousands. That is why the book trains with backprop and keeps numerical gradients for checking it.")
LOG_EXPLANATION = (
    "The notes' run (book 4.5.2-4.5.3): 784-50-10 with sigmoid, weights of std 0.01, SGD with learning rate 0.1, "
    "batches of 100, 16 epochs of 600 steps. After every epoch it measures the accuracy on all 60,000 training "
    "images and on the 10,000 test images it never trains on. The two curves rise together: this network does "
    "not overfit (figure 4-12). The notes' batches were drawn with replacement (np.random.choice), and they end "
    "at 0.94738 / 0.94410; the engine's Trainer shows each image once per epoch instead. Both are here.")
SAMPLINGS = {"each image once per epoch (the engine's Trainer)": "epoch",
             "drawn with replacement (the notes' np.random.choice)": "replacement"}
NOTES_FINAL = (0.94738, 0.94410)


class GradientTimingPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Numerical gradient or backprop", TIMING_EXPLANATION, parent)
        self.timing = None
        self.images = spin_box(1, 100, 3, "How many training images the loss is computed on")
        form = QFormLayout()
        form.addRow("Images", self.images)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch(1)
        self.controls = RunControls("Time both", self.start, self.cancel)
        self.result = WrappedLabel()
        self.plot = plot_widget("CPU time of one gradient (log scale)", left="seconds")
        item = self.plot.getPlotItem()
        item.setLogMode(y=True)
        item.getAxis("bottom").setTicks([[(0, "numerical"), (1, "backprop")]])
        item.setXRange(-0.6, 1.6)
        self.bars = pg.BarGraphItem(x=[0, 1], height=[0, 0], width=0.5, brushes=[pg.mkBrush(SECOND), pg.mkBrush(ACCENT)],
                                    pen=None)
        item.addItem(self.bars)
        main = QVBoxLayout()
        main.addWidget(self.result)
        main.addWidget(self.plot, 1)
        self.add_body(side, main, self.controls)

    def start(self) -> None:
        images = self.images.value()

        def job(ctx):
            throttle = Throttle()

            def progress(done, total):
                if throttle.due():
                    ctx.report((done, total))

            return time_gradients(load_mnist(), images, on_progress=progress, cancelled=lambda: ctx.cancelled)

        self.controls.set_progress(0, 1, "Numerical gradient…")
        self.result.setText("")
        self.run(job, self._progress, self._done)

    def _progress(self, progress) -> None:
        done, total = progress
        self.controls.set_progress(done, total, f"Numerical gradient: {done:,} of {total:,} weights")

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)

    def _done(self, timing) -> None:
        if timing is None:
            self.controls.set_progress(0, 1, "Stopped")
            return
        self.timing = timing
        self.controls.set_progress(1, 1, "Finished")
        # A bar's height on the log axis is its log10; the floor keeps both above the axis' bottom.
        floor = np.floor(np.log10(timing.backprop_seconds)) - 1
        heights = np.log10([timing.numerical_seconds, timing.backprop_seconds]) - floor
        self.bars.setOpts(height=heights, y0=floor)
        errors = ", ".join(f"{name} {error:.1e}" for name, error in timing.errors.items())
        self.result.setText(
            f"On {timing.images} image{'s' if timing.images > 1 else ''}: numerical gradient <b>"
            f"{timing.numerical_seconds:.2f} s</b>, backprop <b>{timing.backprop_seconds * 1000:.2f} ms</b>: "
            f"{timing.numerical_seconds / max(timing.backprop_seconds, 1e-9):,.0f} times faster (CPU time of this "
            f"process, measured now). Relative difference between the two gradients: {errors}.")


class TrainingLogPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Training TwoLayerNet", LOG_EXPLANATION, parent)
        defaults = TrainingLogSetup()
        self.reports = []
        self.epochs = spin_box(1, 100, defaults.epochs, "Passes over the 60,000 training images")
        self.lr = spin_box(0.001, 10.0, defaults.lr, "SGD's learning rate", 0.05, 3)
        self.batch = spin_box(1, 1000, defaults.batch_size, "Images per step")
        self.hidden = spin_box(1, 1000, defaults.hidden, "Units of the hidden layer")
        self.sampling = QComboBox()
        for text, key in SAMPLINGS.items():
            self.sampling.addItem(text, key)
        self.sampling.setMinimumContentsLength(16)
        self.sampling.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch size", self.batch)
        form.addRow("Hidden units", self.hidden)
        form.addRow("Batches", self.sampling)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.log, 1)
        self.controls = RunControls("Train", self.start, self.cancel)
        self.loss_plot = plot_widget("Loss per step (figure 4-11)", left="loss", bottom="step")
        self.loss_item = self.loss_plot.plot(pen=pg.mkPen(ACCENT, width=1))
        self.accuracy_plot = plot_widget("Accuracy per epoch (figure 4-12)", left="accuracy", bottom="epoch", axis_items=percent_axes())
        item = self.accuracy_plot.getPlotItem()
        item.setYRange(0, 1.0)
        add_legend(item, offset=(-10, -10))
        self.train_item = item.plot(pen=pg.mkPen(ACCENT, width=2.5), symbol="o", symbolSize=5, symbolBrush=ACCENT,
                                    name="train acc")
        self.test_item = item.plot(pen=pg.mkPen(SECOND, width=2.5, style=Qt.PenStyle.DashLine), symbol="s",
                                   symbolSize=5, symbolBrush=SECOND, name="test acc")
        flexible(self.loss_plot, self.accuracy_plot)
        main = QHBoxLayout()
        main.addWidget(self.loss_plot)
        main.addWidget(self.accuracy_plot)
        self.add_body(side, main, self.controls)
        self.losses = SeriesBuffer(2)
        # Before a run, the axes of the run the settings would make, and a word on what comes there.
        self.hints = [EmptyPlotHint(self.loss_plot.getPlotItem(), "The loss of every step appears here."),
                      EmptyPlotHint(item, "Train and test accuracy after each epoch appear here.")]
        for spin in (self.epochs, self.batch):
            spin.valueChanged.connect(self._empty_ranges)
        self.loss_plot.getPlotItem().setYRange(0, 2.5, padding=0.02)
        self._empty_ranges()

    def _empty_ranges(self) -> None:
        if self.reports:
            return
        steps = self.epochs.value() * -(-60_000 // self.batch.value())
        self.loss_plot.getPlotItem().setXRange(0, steps, padding=0.02)
        self.accuracy_plot.getPlotItem().setXRange(0, self.epochs.value(), padding=0.02)

    def setup(self) -> TrainingLogSetup:
        return TrainingLogSetup(epochs=self.epochs.value(), lr=self.lr.value(), batch_size=self.batch.value(),
                                hidden=self.hidden.value(), sampling=self.sampling.currentData())

    def start(self) -> None:
        for hint in self.hints:
            hint.hide()
        self.loss_plot.getPlotItem().enableAutoRange()
        setup = self.setup()
        self.reports, self.losses = [], SeriesBuffer(2)
        for plot_item in (self.loss_item, self.train_item, self.test_item):
            plot_item.setData([], [])
        self.accuracy_plot.getPlotItem().setXRange(0, setup.epochs, padding=0.02)
        self.log.clear()

        def job(ctx):
            throttle, losses = Throttle(), []

            def on_step(step, loss):
                losses.append((step, loss))
                if throttle.due():
                    ctx.report(("steps", list(losses)))
                    losses.clear()

            def on_epoch(report):
                ctx.report(("steps", list(losses)))
                losses.clear()
                ctx.report(("epoch", report))

            return training_log(load_mnist(), setup, on_epoch, on_step, cancelled=lambda: ctx.cancelled)

        self.controls.set_progress(0, setup.epochs, "Loading MNIST…")
        self.show_status("")
        self.run(job, self._progress, self._done)

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)

    def _progress(self, message) -> None:
        kind, value = message
        if kind == "steps":
            if value:
                self.losses.extend(value)
                self.loss_item.setData(self.losses.column(0), self.losses.column(1))
            return
        self.reports.append(value)
        epochs = [r.epoch for r in self.reports]
        self.train_item.setData(epochs, [r.train_accuracy for r in self.reports])
        self.test_item.setData(epochs, [r.test_accuracy for r in self.reports])
        self.log.appendPlainText(f"Step: {value.step:04d}, Train Acc: {value.train_accuracy:.5f}, "
                                 f"Test Acc: {value.test_accuracy:.5f}")
        self.controls.set_progress(value.epoch, self.epochs.value(), f"Epoch {value.epoch} of {self.epochs.value()}")

    def _done(self, history) -> None:
        finished = len(history.epochs) == self.epochs.value()
        self.controls.set_progress(len(history.epochs), self.epochs.value(), "Finished" if finished else "Stopped")
        if history.epochs:
            last = history.epochs[-1]
            self.show_status(f"After {last.epoch} epochs: train {last.train_accuracy:.5f}, test "
                             f"{last.test_accuracy:.5f} (the notes, after 16: {NOTES_FINAL[0]:.5f}, "
                             f"{NOTES_FINAL[1]:.5f}).")
