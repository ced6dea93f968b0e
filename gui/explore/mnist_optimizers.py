"""Optimizers on MNIST (book figure 6-9): the same network trained with each update rule from the
same starting weights on the same batches, the loss curves growing side by side."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from engine.nn.builders import ModelSpec
from engine.data.datasets import load_mnist
from engine.experiments.optimizers_on_mnist import compare_optimizers
from engine.nn.optimizers import DEFAULT_LR, OPTIMIZERS

from ..series_buffer import SeriesBuffer
from ..spin_box import spin_box
from ..labels import WrappedLabel
from ..theme import SERIES, legend_html
from ..train_form_values import parse_sizes
from .common import ExploreView, RunControls, Throttle
from .optimizer_playground import NAMES
from .plots import centred_mean, plot_widget

REDRAW_MS = 150
SMOOTHING = 5          # steps averaged on each side
LOSS_TOP = 2.5         # a little above ln 10, where an untrained network starts

EXPLANATION = (
    "The playground's six optimizers now train a real network to read digits, as in figure 6-9 of "
    "<i>Deep Learning from Scratch</i> (Saitoh Koki). Every one starts from the same random weights and sees the "
    "same batches of 128 training images, so the only difference is the update rule; each uses its usual "
    "learning rate. The curves show the training loss (cross-entropy) after each step, smoothed; the faint lines "
    "are the raw values. In the book SGD is the slowest and the adaptive methods (AdaGrad, RMSProp, Adam) drop "
    "fastest at first; which is fastest here depends on the network and the number of steps, and the line under "
    "the buttons says how your run went. AdaGrad's curve is dashed: with these rates it takes almost the same "
    "first steps as RMSProp, and would hide under it.")
DASHED = {"adagrad"}   # drawn dashed and on top: it starts on RMSProp's curve


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
        item.setMouseEnabled(x=False, y=False)
        self.raw_items: dict[str, pg.PlotDataItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        for i, name in enumerate(OPTIMIZERS):
            colour = pg.mkColor(SERIES[i % len(SERIES)])
            faint = pg.mkColor(colour)
            faint.setAlpha(60)
            self.raw_items[name] = item.plot(pen=pg.mkPen(faint, width=1))
            style = Qt.PenStyle.DashLine if name in DASHED else Qt.PenStyle.SolidLine
            self.curves[name] = item.plot(pen=pg.mkPen(colour, width=2.5, style=style), name=NAMES[name])
            if name in DASHED:
                self.curves[name].setZValue(1)
        # The legend above the plot, where it covers no curve however small the plot is.
        self.legend = WrappedLabel(legend_html(
            [(pg.mkColor(SERIES[i % len(SERIES)]), NAMES[name]) for i, name in enumerate(OPTIMIZERS)],
            dashed={NAMES[name] for name in DASHED}))
        main = QVBoxLayout()
        main.addWidget(self.legend)
        main.addWidget(self.plot, 1)
        self.controls = RunControls("Start", self.start, self.cancel)
        self.add_body(side, main, self.controls)
        self.show_status("Press Start to train the network once with each optimizer checked on the left.")
        self._plan()
        self.steps.valueChanged.connect(self._plan)

    def _plan(self) -> None:
        """The axes of the run to come: every step, and the loss from where it starts (ln 10 ≈ 2.3, the
        loss of a network that guesses) down to 0."""
        if not self.busy():
            self.plot.getPlotItem().setXRange(0, self.steps.value(), padding=0.02)
            self.plot.getPlotItem().setYRange(0, LOSS_TOP, padding=0)

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
        self._plan()
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
        steps = max((len(v) for v in result.values()), default=0)
        done = "Finished" if steps == self.steps.value() else f"Stopped at step {steps}"
        self.controls.set_progress(steps, self.steps.value(), done)
        self.show_status(f"{done}. {ranking(result)}")
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for name, buffer in self.losses.items():
            steps, losses = buffer.column(0), buffer.column(1)
            self.raw_items[name].setData(steps, losses)
            self.curves[name].setData(steps, centred_mean(losses, SMOOTHING))
        highest = max((float(np.nanmax(b.column(1))) for b in self.losses.values() if len(b)), default=0.0)
        if np.isfinite(highest) and highest > LOSS_TOP:     # a loss that climbs stays in view
            self.plot.getPlotItem().setYRange(0, highest * 1.05, padding=0)

    def shutdown(self) -> None:
        self._timer.stop()
        super().shutdown()


def ranking(result: dict[str, list[float]], last: int = 20) -> str:
    """What the run shows, in words: the optimizers from the lowest loss at the end to the highest
    (each one's mean over its last steps, as single steps are noisy)."""
    finals = sorted(((float(np.mean(v[-last:])), n) for n, v in result.items() if v))
    if not finals:
        return "No step was taken."
    order = ", ".join(f"{NAMES[n]} {loss:.3f}" for loss, n in finals)
    if len(finals) == 1:
        return f"Mean loss over the last {last} steps: {order}."
    return (f"Lowest loss at the end: {NAMES[finals[0][1]]}; highest: {NAMES[finals[-1][1]]}. "
            f"Mean over the last {last} steps: {order}.")
