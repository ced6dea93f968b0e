"""Chapter 3.2: the activation functions and their derivatives on one plot, and why a network needs
a non-linear one: three linear layers in a row are one linear layer."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from engine.experiments.activation_curves import activation_curves, stacked_layers

from ..spin_box import spin_box
from ..theme import ACCENT, MUTED, SERIES
from ..explore.common import ExploreView, WrappedLabel
from ..explore.plots import plot_widget, text_colour
from .pictures import flexible

EXPLANATION = (
    "A neuron adds up its weighted inputs and passes the sum through an <b>activation function</b> h "
    "(\"Deep Learning from Scratch\", 3.2). The perceptron's <b>step</b> jumps from 0 to 1; <b>sigmoid</b> "
    "1/(1+e<sup>−x</sup>) is its smooth version; <b>ReLU</b> max(0, x) lets positive sums through; <b>tanh</b> "
    "is a sigmoid from −1 to 1; the <b>identity</b> changes nothing. Dashed: each derivative h′(x), what "
    "backpropagation multiplies by (the step's is 0 everywhere but at 0, so nothing can learn through it). "
    "Below, why h must bend: with the identity, layers in a row are a single layer, however many you stack.")
NAMES = ("step", "sigmoid", "ReLU", "tanh", "identity")
STACK_ACTIVATIONS = {"identity (linear)": "identity", "ReLU": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


class ActivationFunctionsPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Activation functions", EXPLANATION, parent)
        self.curves, self.stack = [], None
        self.shown = {name: QCheckBox(name) for name in NAMES}
        functions = QGroupBox("Functions")
        column = QVBoxLayout(functions)
        for i, (name, box) in enumerate(self.shown.items()):
            box.setChecked(True)
            box.setStyleSheet(f"color: {SERIES[i].name()}; font-weight: bold")
            box.toggled.connect(self._draw_curves)
            column.addWidget(box)
        self.derivatives = QCheckBox("derivatives (dashed)")
        self.derivatives.setChecked(True)
        self.derivatives.toggled.connect(self._draw_curves)
        column.addWidget(self.derivatives)
        stack_box = QGroupBox("Layers in a row")
        form = QFormLayout(stack_box)
        self.stack_activation = QComboBox()
        for label, key in STACK_ACTIVATIONS.items():
            self.stack_activation.addItem(label, key)
        self.layers = spin_box(2, 8, 3, "How many layers, each 8 units wide (1 in, 1 out)")
        self.seed = spin_box(0, 9999, 0, "Which random weights")
        again = QPushButton("Other random weights")
        again.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        form.addRow("Between layers", self.stack_activation)
        form.addRow("Layers", self.layers)
        form.addRow("Weights", self.seed)
        form.addRow(again)
        for widget in (self.stack_activation, self.layers, self.seed):
            signal = widget.currentIndexChanged if isinstance(widget, QComboBox) else widget.valueChanged
            signal.connect(lambda *_: self.when_shown(self.compute_stack, "stack"))
        side = QVBoxLayout()
        side.addWidget(functions)
        side.addWidget(stack_box)
        side.addStretch(1)

        self.curve_plot = plot_widget("h(x), and h′(x) dashed (colours as in the list)", bottom="x")
        self.curve_plot.getPlotItem().setYRange(-1.6, 2.1)
        self.stack_plot = plot_widget(None, left="output", bottom="input x")
        self.stack_item = self.stack_plot.plot(pen=pg.mkPen(ACCENT, width=2.5), name="the layers")
        self.line_item = self.stack_plot.plot(pen=pg.mkPen(MUTED, width=1.5, style=Qt.PenStyle.DashLine))
        self.stack_note = WrappedLabel()
        self.stack_note.setMinimumWidth(260)     # a narrow wrapped label asks for a very tall row
        flexible(self.curve_plot, self.stack_plot)
        main = QVBoxLayout()
        main.addWidget(self.curve_plot, 3)
        lower = QWidget()
        row = QHBoxLayout(lower)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.stack_plot, 2)
        row.addWidget(self.stack_note, 1)
        flexible(lower)
        main.addWidget(lower, 2)
        self.add_body(side, main)
        self.when_shown(self.compute_curves, "curves")
        self.when_shown(self.compute_stack, "stack")

    def compute_curves(self) -> None:
        self.run(lambda ctx: activation_curves(np.linspace(-5, 5, 1001)), on_done=self._got_curves, slot="curves")

    def _got_curves(self, curves) -> None:
        self.curves = curves
        self._draw_curves()

    def _draw_curves(self) -> None:
        item = self.curve_plot.getPlotItem()
        item.clear()
        x = np.linspace(-5, 5, 1001)
        for i, curve in enumerate(self.curves):
            if not self.shown[curve.name].isChecked():
                continue
            colour = SERIES[i]
            # The step is drawn as a jump, not as a steep line through (0, 0.5).
            item.plot(x, curve.y, pen=pg.mkPen(colour, width=2.5), name=curve.name,
                      connect=np.abs(np.diff(curve.y, append=curve.y[-1])) < 0.5)
            if self.derivatives.isChecked():
                item.plot(x, curve.dy, pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine))

    def compute_stack(self) -> None:
        activation, layers, seed = self.stack_activation.currentData(), self.layers.value(), self.seed.value()
        self.run(lambda ctx: stacked_layers(activation, layers, seed=seed), on_done=self._got_stack, slot="stack")

    def _got_stack(self, stack) -> None:
        self.stack = stack
        self.stack_item.setData(stack.x, stack.y)
        self.line_item.setData(stack.x, stack.slope * stack.x + stack.intercept)
        name = self.stack_activation.currentText()
        self.stack_plot.getPlotItem().setTitle(f"{self.layers.value()} layers, {name} between them",
                                               color=text_colour().name(), size="10pt")
        if self.stack_activation.currentData() == "identity":
            self.stack_note.setText(
                f"A straight line: the layers are one layer y = {stack.slope:.4g}·x + {stack.intercept:.4g}, "
                f"its weight the product W1·W2·… of theirs. The layers' outputs are that line to within "
                f"<b>{stack.deviation:.1e}</b> (rounding). So the book says: with h(x) = cx, three layers compute "
                "c·c·c·x, which one layer with weight c³ does as well.")
        else:
            self.stack_note.setText(
                f"It bends: the closest straight line (dashed) misses it by up to <b>{stack.deviation:.3g}</b>. "
                "No single linear layer can do what these layers do; each extra layer can bend it more.")
