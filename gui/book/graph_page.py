"""Chapter 5.1-5.4: the book's shopping examples as computational graphs, computed by MulLayer and
AddLayer; forward values, then backward gradients, node by node, with every input editable."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from engine.experiments.computational_graph import GRAPHS

from ..spin_box import spin_box
from ..theme import ACCENT, BAD
from ..explore.common import ExploreView, WrappedLabel
from .graph_view import GraphView, number

EXPLANATION = (
    "A <b>computational graph</b> breaks a calculation into nodes that each do one small thing "
    "(\"Deep Learning from Scratch\", 5.1). Going forward, values flow left to right (<span style='color:{}'>blue"
    "</span>): 2 apples at 100 with 10% tax cost 220. Going <b>backward</b>, each node multiplies the gradient "
    "arriving from its right by its own local derivative and passes it on (<span style='color:{}'>red</span>): "
    "a × node sends back the upstream gradient times the <i>other</i> input, a + node sends it back unchanged. "
    "What arrives at an input is how much the price moves per unit of it: 2.2 per yen of apple price. "
    "Step through it, or change the inputs.").format(ACCENT.name(), BAD.name())
INPUTS = {"apple": (100, "Apple price"), "apple_num": (2, "Apples"), "orange": (150, "Orange price"),
          "orange_num": (3, "Oranges"), "tax": (1.1, "Tax factor")}


class ComputationalGraphPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Computational graph", EXPLANATION, parent)
        self.trace, self.step = None, 0
        self.graph_choice = QComboBox()
        for key in GRAPHS:
            self.graph_choice.addItem(key.capitalize(), key)
        self.graph_choice.currentIndexChanged.connect(lambda *_: self.when_shown(self.compute))
        self.inputs = {}
        form = QFormLayout()
        form.addRow("Example", self.graph_choice)
        for key, (value, label) in INPUTS.items():
            spin = spin_box(0.0, 100000.0, value, label, 0.1 if key == "tax" else 1, 2)
            spin.valueChanged.connect(lambda *_: self.when_shown(self.compute))
            form.addRow(label, spin)
            self.inputs[key] = spin
        box = QGroupBox("Inputs")
        box.setLayout(form)
        buttons = QHBoxLayout()
        self.back_button, self.step_button = QPushButton("◀ Back"), QPushButton("Step ▶")
        self.play_button, self.all_button = QPushButton("Play"), QPushButton("Show all")
        for button in (self.back_button, self.step_button, self.play_button, self.all_button):
            buttons.addWidget(button)
        self.back_button.clicked.connect(lambda: self.go_to(self.step - 1))
        self.step_button.clicked.connect(lambda: self.go_to(self.step + 1))
        self.play_button.clicked.connect(lambda: self.play())
        self.all_button.clicked.connect(lambda: self.go_to(self.steps()))
        self.step_label = WrappedLabel()
        self.gradients_label = WrappedLabel()
        side = QVBoxLayout()
        side.addWidget(box)
        side.addWidget(self.gradients_label)
        side.addStretch(1)
        self.view = GraphView()
        main = QVBoxLayout()
        main.addLayout(buttons)
        main.addWidget(self.step_label)
        main.addWidget(self.view, 1)
        main.addWidget(QLabel("Blue above an edge: its value going forward. Red below: d price / d that value."))
        self.add_body(side, main)
        self._timer = QTimer(self, interval=700)
        self._timer.timeout.connect(self._advance)
        self.when_shown(self.compute)

    def compute(self) -> None:
        key = self.graph_choice.currentData()
        names = ("apple", "apple_num", "tax") if key == "apples" else tuple(INPUTS)
        for name, spin in self.inputs.items():
            spin.setEnabled(name in names)
        values = {name: self.inputs[name].value() for name in names}
        self.run(lambda ctx: (key, GRAPHS[key](**values)), on_done=self._show)

    def _show(self, result) -> None:
        key, self.trace = result
        self.view.set_graph(self.trace, key)
        names = [n for n in ("apple", "apple_num", "orange", "orange_num", "tax") if n in self.trace.gradients]
        self.gradients_label.setText(f"Price <b>{number(self.trace.price)}</b>. Backward: " + ", ".join(
            f"d{name} <b>{number(self.trace.gradients[name])}</b>" for name in names) + ".")
        self.go_to(self.steps())

    def steps(self) -> int:
        """Forward: one step per node; backward: one per node, plus the 1 the backward pass starts with."""
        return 2 * len(self.trace.nodes) + 1 if self.trace else 0

    def go_to(self, step: int) -> None:
        if self.trace is None:
            return
        nodes = self.trace.nodes
        self.step = max(0, min(step, self.steps()))
        inputs = {n for node in nodes for n in node.inputs} - {node.output for node in nodes}
        values = set(inputs) | {node.output for node in nodes[:self.step]}
        gradients: set[str] = set()
        backward = self.step - len(nodes)
        if backward >= 1:
            gradients.add(nodes[-1].output)
            for node in reversed(nodes[len(nodes) - (backward - 1):]):
                gradients.update(node.inputs)
        self.view.reveal(values, gradients)
        self.step_label.setText(self._describe(backward))
        self.back_button.setEnabled(self.step > 0)
        self.step_button.setEnabled(self.step < self.steps())

    def _describe(self, backward: int) -> str:
        nodes, v, g = self.trace.nodes, self.trace.values, self.trace.gradients
        if self.step == 0:
            return "Forward: the inputs are given. Press Step."
        if backward <= 0:
            node = nodes[self.step - 1]
            a, b = node.inputs
            return f"Forward {self.step}: {a} {node.op} {b} = {number(v[a])} {node.op} {number(v[b])} = " \
                   f"<b>{number(v[node.output])}</b> ({node.output})."
        if backward == 1:
            return "Backward starts at the end: d price / d price = <b>1</b>."
        node = nodes[len(nodes) - (backward - 1)]
        a, b = node.inputs
        upstream = number(g[node.output])
        if node.op == "+":
            return f"Backward through +: it passes {upstream} on to both {a} and {b} unchanged."
        return (f"Backward through ×: {upstream} × {b} ({number(v[b])}) = <b>{number(g[a])}</b> goes to {a}; "
                f"{upstream} × {a} ({number(v[a])}) = <b>{number(g[b])}</b> goes to {b}.")

    def play(self) -> None:
        self.go_to(0)
        self._timer.start()

    def _advance(self) -> None:
        if self.step >= self.steps():
            self._timer.stop()
            return
        self.go_to(self.step + 1)
