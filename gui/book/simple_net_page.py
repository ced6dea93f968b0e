"""Chapter 4.4.2: simpleNet, a 2x3 weight matrix, its loss for x = (0.6, 0.9) and t = (0, 0, 1), and
the gradient dL/dW by numerical_gradient, for the notes' weights, the book's, or random ones."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHeaderView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from engine.experiments.two_layer_net import SIMPLE_NET_T, SIMPLE_NET_WEIGHTS, SIMPLE_NET_X, simple_net_gradient

from ..spin_box import spin_box
from ..explore.common import ExploreView, WrappedLabel

EXPLANATION = (
    "The gradient of a network's loss with respect to its weights says how the loss changes as each weight "
    "does (\"Deep Learning from Scratch\", 4.4.2). simpleNet has one 2×3 weight matrix W: scores p = x·W, "
    "probabilities softmax(p), loss = cross-entropy against t. numerical_gradient nudges each of the six "
    "weights by ±1e-4 and gives dL/dW, also 2×3. A negative entry means: increase that weight and the loss falls. "
    "The weights are random; choose the ones printed in the notes or the book to get their numbers, or edit W.")
RANDOM = "random"


def matrix_table(rows: int, columns: int, editable: bool) -> QTableWidget:
    table = QTableWidget(rows, columns)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    if not editable:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setMaximumHeight(34 * rows + 30)
    return table


class SimpleNetPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("simpleNet's gradient", EXPLANATION, parent)
        self.result = None
        self.weights = QComboBox()
        for name in SIMPLE_NET_WEIGHTS:
            self.weights.addItem(name, name)
        self.weights.addItem("random (np.random.randn)", RANDOM)
        self.seed = spin_box(0, 9999, 0, "The random weights' seed")
        self.answer = QComboBox()
        for k in range(3):
            self.answer.addItem(f"class {k}", k)
        self.answer.setCurrentIndex(int(np.argmax(SIMPLE_NET_T)))
        form = QFormLayout()
        form.addRow("Weights", self.weights)
        form.addRow("Seed", self.seed)
        form.addRow("Answer t", self.answer)
        box = QGroupBox(f"x = ({SIMPLE_NET_X[0]}, {SIMPLE_NET_X[1]})")
        box.setLayout(form)
        self.weights.currentIndexChanged.connect(self._weights_chosen)
        self.seed.valueChanged.connect(self._weights_chosen)
        self.answer.currentIndexChanged.connect(lambda *_: self.when_shown(self.compute))
        side = QVBoxLayout()
        side.addWidget(box)
        side.addStretch(1)
        self.w_table = matrix_table(2, 3, editable=True)
        self.w_table.itemChanged.connect(lambda *_: self.when_shown(self.compute))
        self.dw_table = matrix_table(2, 3, editable=False)
        self.outputs = WrappedLabel()
        main = QVBoxLayout()
        main.addWidget(WrappedLabel("<b>W</b> (editable)"))
        main.addWidget(self.w_table)
        main.addWidget(self.outputs)
        main.addWidget(WrappedLabel("<b>dL/dW</b> by numerical_gradient"))
        main.addWidget(self.dw_table)
        main.addStretch(1)
        self.add_body(side, main)
        self._weights_chosen()

    def _weights_chosen(self, *_) -> None:
        key = self.weights.currentData()
        self.seed.setEnabled(key == RANDOM)
        self.run(lambda ctx, key=key, seed=self.seed.value(): simple_net_gradient(
            None if key == RANDOM else SIMPLE_NET_WEIGHTS[key], seed=seed).W, on_done=self._set_weights, slot="w")

    def _set_weights(self, W: np.ndarray) -> None:
        self._fill(self.w_table, W)
        self.when_shown(self.compute)

    @staticmethod
    def _fill(table: QTableWidget, values: np.ndarray) -> None:
        table.blockSignals(True)
        for (i, j), value in np.ndenumerate(values):
            table.setItem(i, j, QTableWidgetItem(f"{value:.8g}"))
        table.blockSignals(False)

    def current_weights(self) -> np.ndarray:
        try:
            return np.array([[float(self.w_table.item(i, j).text()) for j in range(3)] for i in range(2)])
        except (AttributeError, ValueError):
            raise ValueError("every weight must be a number") from None

    def compute(self) -> None:
        try:
            W = self.current_weights()
        except ValueError as e:
            self.show_problem(str(e))
            return
        self.show_status("")
        t = np.eye(3)[self.answer.currentData()]
        self.run(lambda ctx: simple_net_gradient(W, SIMPLE_NET_X, t), on_done=self._show)

    def _show(self, result) -> None:
        self.result = result
        self._fill(self.dw_table, result.dW)
        p = result.scores
        self.outputs.setText(f"Scores p = x·W = ({', '.join(f'{v:.8f}' for v in p)}), the largest is class "
                             f"{int(np.argmax(p))}. Loss = cross_entropy_error(softmax(p), t) = "
                             f"<b>{result.loss:.10f}</b>.")
