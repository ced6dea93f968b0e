"""Optimizers on MNIST (book figure 6-9): the same network trained with each update rule from the
same starting weights on the same batches, the loss curves growing side by side."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from engine.nn.builders import ModelSpec
from engine.data.datasets import load_mnist
from engine.experiments.optimizers_on_mnist import compare_optimizers
from engine.nn.optimizers import DEFAULT_LR, OPTIMIZERS

from ..series_buffer import SeriesBuffer
from ..spin_box import spin_box
from ..theme import SERIES, add_legend
from ..train_form import parse_sizes
from .common import ExploreView, RunControls, Throttle
from .optimizer_playground import NAMES
from .plots import centred_mean, plot_widget

REDRAW_MS = 150
SMOOTHING = 5          # steps averaged on each side

EXPLANATION = (
    "The playground's six optimizers now train a real network to read digits. Every one starts from the same "
    "random weights and sees the same batches of 128 training images, so the only difference is the update rule. "
    "The curves show the training loss (cross-entropy) after each step, smoothed; the faint lines are the raw "
    "values. As in the book, SGD is the slowest to get going, and the adaptive methods (AdaGrad, RMSProp, Adam) "
    "usually drop fastest at first (with these rates AdaGrad and RMSProp take almost the same first steps, so their "
    "curves start together). Each optimizer uses its usual learning rate.")


class MnistOptimizersView(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Optimizers on MNIST", EXPLANATION, parent)
        self.losses: dict[str, SeriesBuffer] = {}
        self._dirty = False
        self._build()
        self._timer = QTimer(self, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)

    def _build(self) -> None:
        self.steps = spin_box(10, 5000, 300, "Training steps (batches of 128 images) for each optimizer", step=50)
        self.hidden = QLineEdit("100, 100")
        self.hidden.setToolTip("Sizes of the hidden layers of the MLP, e.g. 100, 100")
        self.enabled: dict[str, QCheckBox] = {}
        form = QFormLayout()
        form.addRow("Steps", self.steps)
        form.addRow("Hidden layers", self.hidden)
        choices = QVBoxLayout()
        for i, name in enumerate(OPTIMIZERS):
            box = QCheckBox(f"{NAMES[name]} (lr {DEFAULT_LR[name]:g})")
            box.setChecked(True)
            box.setStyleSheet(f"color: {SERIES[i % len(SERIES)].name()}; font-weight: bold")
            self.enabled[name] = box
            choices.addWidget(box)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(QLabel("Optimizers"))
        side.addLayout(choices)
        side.addStretch(1)

        self.plot = plot_widget("Training loss", left="cross-entropy", bottom="step")
        item = self.plot.getPlotItem()
        add_legend(item)
        self.raw_items: dict[str, pg.PlotDataItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        for i, name in enumerate(OPTIMIZERS):
            colour = pg.mkColor(SERIES[i % len(SERIES)])
            faint = pg.mkColor(colour)
            faint.setAlpha(60)
            self.raw_items[name] = item.plot(pen=pg.mkPen(faint, width=1))
            self.curves[name] = item.plot(pen=pg.mkPen(colour, width=2.5), name=NAMES[name])
        self.controls = RunControls("Start", self.start, self.cancel)
        self.add_body(side, self.plot, self.controls)

    def chosen(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.enabled.items() if box.isChecked())

    def start(self) -> None:
        names = self.chosen()
        try:
            hidden = parse_sizes(self.hidden.text())
        except ValueError:
            self.show_problem("give the hidden layer sizes as numbers separated by commas, e.g. 100, 100.")
            return
        if not names:
            self.show_problem("choose at least one optimizer.")
            return
        steps, spec = self.steps.value(), ModelSpec(hidden=hidden)
        self.losses = {name: SeriesBuffer(2) for name in names}
        for item in (*self.raw_items.values(), *self.curves.values()):
            item.setData([], [])
        self.show_status(f"Training {spec.describe()} with {len(names)} optimizers, {steps} steps each…")

        def job(ctx):
            dataset = load_mnist()
            throttle, pending = Throttle(), []

            def on_step(step, now):
                pending.append((step, now))
                if throttle.due() or step == steps - 1:
                    ctx.report(list(pending))
                    pending.clear()

            result = compare_optimizers(dataset, names, steps, spec=spec, on_step=on_step,
                                        cancelled=lambda: ctx.cancelled)
            if pending:
                ctx.report(list(pending))
            return result

        self.controls.set_progress(0, steps, "Loading MNIST…")
        self.run(job, self._on_steps, self._on_done)
        self._timer.start()

    def busy_changed(self, busy: bool, slot: str) -> None:
        self.controls.set_busy(busy)
        if not busy:
            self._timer.stop()
            self.redraw()

    def _on_steps(self, bundle) -> None:
        for step, now in bundle:
            for name, loss in now.items():
                self.losses[name].extend([step + 1, loss])
        self._dirty = True
        last = bundle[-1][0] + 1
        self.controls.set_progress(last, self.steps.value(), f"Step {last} of {self.steps.value()}")

    def _on_done(self, result: dict[str, list[float]]) -> None:
        finals = [f"{NAMES[n]} {np.mean(v[-20:]):.3f}" for n, v in result.items() if v]
        steps = max((len(v) for v in result.values()), default=0)
        done = "Finished" if steps == self.steps.value() else f"Stopped at step {steps}"
        self.controls.set_progress(steps, self.steps.value(), done)
        self.show_status(f"{done}. Mean loss over the last 20 steps: " + ", ".join(finals) + ".")
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for name, buffer in self.losses.items():
            steps, losses = buffer.column(0), buffer.column(1)
            self.raw_items[name].setData(steps, losses)
            self.curves[name].setData(steps, centred_mean(losses, SMOOTHING))

    def shutdown(self) -> None:
        self._timer.stop()
        super().shutdown()
