"""Chapter 4.2: the sum of squares and the cross-entropy error of a prediction side by side, and
why a network learns from a loss rather than from its accuracy."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from engine.data.datasets import load_mnist, to_float
from engine.experiments.loss_functions import (NOTES_LABEL, NOTES_PREDICTION, along_one_weight, both_losses,
                                               scored_highest)
from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model

from ..spin_box import spin_box
from ..theme import ACCENT, MUTED, SECOND, big_font, percent_axes
from ..explore.common import ExploreView, WrappedLabel
from ..explore.plots import plot_widget, probability_axis, text_colour
from .pictures import flexible

EXPLANATION = (
    "A <b>loss function</b> says in one number how far the network's output y is from the answer t "
    "(\"Deep Learning from Scratch\", 4.2). The <b>sum of squares error</b> is ½ Σ (y<sub>k</sub> − t<sub>k</sub>)²; "
    "the <b>cross-entropy error</b> is −Σ t<sub>k</sub> log(y<sub>k</sub> + 10<sup>−7</sup>), which for a one-hot t "
    "is just −log of the probability given to the right answer (the 10<sup>−7</sup> keeps log(0) from being −∞). "
    "Edit the ten probabilities and the answer. (The notes write the first as a mean, 1/n Σ; the book's, used "
    "here, is half the sum, and gives the notes' 0.0975.) Below: why not learn from the accuracy directly?")
WHY = (
    "One weight of the bundled Small MLP moved around its trained value, all else fixed, on 300 test images. "
    "The accuracy (right) only jumps when a prediction flips, and is flat in between, so its derivative is 0: "
    "it cannot tell which way to move the weight. The loss (left) changes smoothly, and its slope does.")
DIGITS = range(10)


class LossFunctionsPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Loss functions", EXPLANATION, parent)
        self.losses: tuple[float, float] | None = None
        self.along = None
        self.column = 3
        grid = QGridLayout()
        self.y = []
        for d in DIGITS:
            spin = spin_box(0.0, 1.0, NOTES_PREDICTION[d], f"The probability the network gives to {d}", 0.05, 3)
            spin.valueChanged.connect(lambda *_: self.when_shown(self.compute, "losses"))
            grid.addWidget(QLabel(f"y{d}"), d % 5, 2 * (d // 5))
            grid.addWidget(spin, d % 5, 2 * (d // 5) + 1)
            self.y.append(spin)
        self.label = QComboBox()
        for d in DIGITS:
            self.label.addItem(str(d), d)
        self.label.setCurrentIndex(NOTES_LABEL)
        self.label.currentIndexChanged.connect(lambda *_: self.when_shown(self.compute, "losses"))
        grid.addWidget(QLabel("answer t"), 5, 0)
        grid.addWidget(self.label, 5, 1)
        box = QGroupBox("The prediction y")
        column = QVBoxLayout(box)
        column.addLayout(grid)
        for text, digit in (("The notes: 2 scored highest", 2), ("The notes: 7 scored highest", 7)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, digit=digit: self.set_prediction(
                scored_highest(NOTES_PREDICTION, digit), NOTES_LABEL))
            column.addWidget(button)
        self.sum_label = QLabel()
        column.addWidget(self.sum_label)
        side = QVBoxLayout()
        side.addWidget(box)
        side.addStretch(1)

        self.mse_label, self.cee_label = QLabel(), QLabel()
        for label in (self.mse_label, self.cee_label):
            label.setFont(big_font(self, 1.3))
        values = QVBoxLayout()          # one above the other: side by side they would widen a narrow page
        values.setSpacing(0)
        values.addWidget(self.mse_label)
        values.addWidget(self.cee_label)
        self.bars_plot = plot_widget("y, the answer t in blue", left="probability", bottom="digit")
        probability_axis(self.bars_plot.getPlotItem())
        self.bars_plot.getPlotItem().getAxis("bottom").setTicks([[(d, str(d)) for d in DIGITS]])
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, pen=None, brush=pg.mkBrush(MUTED))
        self.bars_plot.getPlotItem().addItem(self.bars)
        self.loss_plot = plot_widget(None, left="cross-entropy", bottom="change of the weight")
        self.accuracy_plot = plot_widget(None, left="accuracy", bottom="change of the weight", axis_items=percent_axes())
        self.loss_item = self.loss_plot.plot(pen=pg.mkPen(ACCENT, width=2.5))
        self.accuracy_item = self.accuracy_plot.plot(pen=pg.mkPen(SECOND, width=2.5))
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.getPlotItem().addLine(x=0, pen=pg.mkPen(MUTED, style=Qt.PenStyle.DashLine))
        another = QPushButton("Another weight")
        another.clicked.connect(lambda: self.next_weight())
        self.why = WrappedLabel(WHY)
        self.slopes = WrappedLabel()
        why_row = QHBoxLayout()
        why_row.addWidget(self.why, 1)
        why_row.addWidget(another)
        curves = QHBoxLayout()
        curves.addWidget(self.loss_plot)
        curves.addWidget(self.accuracy_plot)
        flexible(self.bars_plot, self.loss_plot, self.accuracy_plot)
        main = QVBoxLayout()
        main.addLayout(values)
        main.addWidget(self.bars_plot, 2)
        main.addLayout(why_row)
        main.addLayout(curves, 3)
        main.addWidget(self.slopes)
        self.add_body(side, main)
        self.when_shown(self.compute, "losses")
        self.when_shown(self.compute_along, "along")

    def prediction(self) -> np.ndarray:
        return np.array([spin.value() for spin in self.y])

    def set_prediction(self, y, label: int) -> None:
        for spin, value in zip(self.y, y):
            spin.blockSignals(True)
            spin.setValue(float(value))
            spin.blockSignals(False)
        self.label.setCurrentIndex(label)
        self.when_shown(self.compute, "losses")

    def compute(self) -> None:
        y, label = self.prediction(), self.label.currentData()
        self.run(lambda ctx: (y, label, both_losses(y, label)), on_done=self._show_losses, slot="losses")

    def _show_losses(self, result) -> None:
        y, label, self.losses = result
        mse, cee = self.losses
        self.mse_label.setText(f"sum of squares  {mse:.4f}")
        self.cee_label.setText(f"cross-entropy  {cee:.4f}")
        self.bars.setOpts(height=y, brushes=[pg.mkBrush(ACCENT if d == label else MUTED) for d in DIGITS])
        total = float(y.sum())
        self.sum_label.setText(f"Σ y = {total:.3g}" + ("" if abs(total - 1) < 1e-9 else
                                                    " (a softmax's outputs add up to 1)"))

    def next_weight(self) -> None:
        self.column = (self.column + 1) % 10
        self.when_shown(self.compute_along, "along")

    def compute_along(self) -> None:
        column = self.column

        def job(ctx):
            # Its own copy of the model: along_one_weight moves a weight in place, and a run it
            # replaces may still be going.
            network = load_model(bundled_model("small_mlp.npz")).network
            dataset = load_mnist()
            return along_one_weight(network, to_float(dataset.test_images[:300]), dataset.test_labels[:300],
                                    column=column)

        self.run(job, on_done=self._show_along, slot="along")

    def _show_along(self, along) -> None:
        self.along = along
        self.loss_item.setData(along.offsets, along.losses)
        self.accuracy_item.setData(along.offsets, along.accuracies, stepMode=None)
        text = text_colour().name()
        self.loss_plot.getPlotItem().setTitle(f"loss as {along.name} moves", color=text, size="10pt")
        self.accuracy_plot.getPlotItem().setTitle(f"accuracy as {along.name} moves", color=text, size="10pt")
        self.slopes.setText(f"At the trained value (dashed): d loss / d{along.name} = <b>{along.loss_slope:.4g}</b>, "
                            f"d accuracy / d{along.name} = <b>{along.accuracy_slope:g}</b> (central differences, "
                            "h = 0.01).")
