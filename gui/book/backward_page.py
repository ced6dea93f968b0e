"""Chapter 5.5-5.6: one backward pass through a small network for your drawing, layer by layer: what
Softmax-with-Loss, Affine, Sigmoid and ReLU each do to the gradient, as pictures."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QFormLayout, QListWidget, QVBoxLayout

from engine.experiments.backward_pass import backward_trace
from engine.experiments.book_networks import one_of_each_network
from engine.experiments.inspection import tile

from ..explore.common import WrappedLabel
from ..theme import PANEL_BACKGROUND, set_background
from .drawing_page import DrawingPage
from .pictures import PicturePanel, arrange

EXPLANATION = (
    "Backpropagation (\"Deep Learning from Scratch\", 5.5-5.6) on a network with one layer of each kind: "
    "784 → Affine → ReLU (50) → Affine → Sigmoid (50) → Affine → 10 scores → Softmax-with-Loss. Forward, each "
    "layer keeps what its backward needs; backward, each turns the gradient arriving from above (dout) into the "
    "one it sends below (dx), and Affine layers also get their weights' gradients. Pick a layer on the left; "
    "blue is negative, red positive, white 0. Choose the answer t to see how the gradients change.")
SAY = {
    "loss": "Softmax-with-Loss starts backward with (y − t) / N: the probabilities minus the one-hot answer, "
            "divided by the batch size (N = 1 here). It is {top:+.3f} at the answer {t}: negative pushes its score "
            "up; every other class's positive value pushes its score down. The loss is {loss:.4f}.",
    "Affine": "Affine y = x·W + b: dW = xᵀ·dout (each weight's gradient is its input times the gradient at its "
              "output), db = dout, and dx = dout·Wᵀ goes down. {extra}",
    "Sigmoid": "Sigmoid multiplies dout by y(1 − y), its derivative, computed from its own output y: at most 0.25, "
               "near 0 for units that are saturated (y near 0 or 1). Here it ranges {low:.3f} to {high:.3f}.",
    "ReLU": "ReLU passes dout through where its input was positive (its mask, yellow) and blocks it elsewhere: "
            "{on} of {n} units were on, so {off} get a gradient of exactly 0.",
}


def strip(values: np.ndarray) -> np.ndarray:
    """Ten class values as one row of cells, other vectors as a grid."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(1, -1) if values.size == 10 else values


class LayerBackwardPage(DrawingPage):
    def __init__(self, canvas=None, parent=None):
        super().__init__("Backward on your drawing", EXPLANATION, canvas, one_of_each_network, parent)
        self.trace = None
        self.answer = QComboBox()
        self.answer.addItem("the digit the network reads", None)
        for d in range(10):
            self.answer.addItem(str(d), d)
        self.answer.currentIndexChanged.connect(lambda *_: self.when_shown(self.refresh, "drawing"))
        self.layers = QListWidget()
        self.layers.currentRowChanged.connect(lambda *_: self._show_layer())
        form = QFormLayout()
        form.addRow("Answer t", self.answer)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.layers, 1)
        self.source_label = WrappedLabel()
        self.graphics = pg.GraphicsLayoutWidget()
        set_background(self.graphics, PANEL_BACKGROUND)      # and again after a change of theme
        self.panels = [PicturePanel(self.graphics, 0, col) for col in range(3)]
        self.say = WrappedLabel()
        main = QVBoxLayout()
        main.addWidget(self.source_label)
        main.addWidget(self.graphics, 1)
        main.addWidget(self.say)
        self.add_body(side, main)
        self.layers.setMinimumWidth(200)
        self._columns = 3
        self.start()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Three captioned pictures side by side need about 450 pixels beside the list; below, one under another.
        columns = 3 if event.size().width() >= 760 else 1
        if columns != self._columns:
            self._columns = columns
            arrange(self.graphics, [(panel.label, panel.view) for panel in self.panels], columns)

    def settings(self):
        return self.answer.currentData()

    def compute(self, network, image, answer):
        digit = int(np.argmax(network.predict_proba(image))) if answer is None else answer
        return image, backward_trace(network, image, digit)

    def show_result(self, result) -> None:
        self.image, self.trace = result
        row = max(self.layers.currentRow(), 0)
        names = ["Softmax-with-Loss"] + [f"{layer.name} (layer {layer.index + 1})" for layer in self.trace.layers]
        self.layers.blockSignals(True)
        self.layers.clear()
        self.layers.addItems(names)
        self.layers.setCurrentRow(min(row, len(names) - 1))
        self.layers.blockSignals(False)
        read = int(np.argmax(self.trace.probabilities))
        self.source_label.setText(f"On {self.source}: the network reads <b>{read}</b>; answer t = "
                                  f"<b>{self.trace.label}</b>; loss {self.trace.loss:.4f}.")
        self._show_layer()

    def _show_layer(self) -> None:
        if self.trace is None or self.layers.currentRow() < 0:
            return
        row = self.layers.currentRow()
        if row == 0:
            t = np.eye(10)[self.trace.label]
            pictures = [(self.trace.probabilities, "y = softmax(scores)", False), (t, "t, the answer", False),
                        (self.trace.dscores, "(y − t) / N, sent down", True)]
            text = SAY["loss"].format(top=self.trace.dscores[self.trace.label], t=self.trace.label,
                                      loss=self.trace.loss)
        else:
            layer = self.trace.layers[row - 1]
            pictures, text = self._layer_pictures(layer)
        for panel, (values, caption, signed) in zip(self.panels, pictures):
            panel.show(strip(values), signed=signed, caption=caption)
        self.say.setText(text)

    def _layer_pictures(self, layer):
        dout = (layer.dout, "dout, arriving from above", True)
        if layer.name.startswith("Affine"):
            dW = layer.local["dW"]
            if dW.shape[0] == 784:        # the first layer: each unit's dW column is the image times its dout
                picture = (tile(dW.T.reshape(-1, 28, 28), 10), "dW = xᵀ·dout: 50 columns as 28×28 images", True)
                extra = ("For the first layer, the gradient of each unit's 784 weights is your drawing scaled by "
                         "that unit's dout: red where it should weigh the ink more, blue less. Nothing needs the "
                         "gradient of the image, so no dx is computed.")
                third = (self.image, "x, the input", False)
            else:
                picture = (dW, f"dW = xᵀ·dout, {dW.shape[0]}×{dW.shape[1]}", True)
                extra = f"Here W is {dW.shape[0]}×{dW.shape[1]}, and so is dW."
                third = (layer.dx, "dx = dout·Wᵀ, sent down", True)
            return [dout, picture, third], SAY["Affine"].format(extra=extra)
        if layer.name == "Sigmoid":
            factor = layer.local["y(1 - y)"]
            return [dout, (factor, "y(1 − y)", False), (layer.dx, "dx = dout × y(1 − y)", True)], \
                SAY["Sigmoid"].format(low=factor.min(), high=factor.max())
        mask = layer.local["mask"]
        on = int(mask.sum())
        return [dout, (mask, "the mask: input > 0", False), (layer.dx, "dx = dout where the mask is 1", True)], \
            SAY["ReLU"].format(on=on, n=mask.size, off=mask.size - on)
