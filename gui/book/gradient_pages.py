"""Chapter 4.4: the gradient of f(x0, x1) = x0² + x1² as a field of arrows (figure 4-9), and
gradient descent down it from (-3, 4) (figure 4-10) with a learning rate that can be too large or
too small."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

from engine.experiments.differentiation import DESCENT_START, descent_path, function_2, gradient_field
from engine.nn.numerical import numerical_gradient

from ..spin_box import spin_box
from ..theme import ACCENT, MUTED, SECOND
from ..explore.common import ExploreView, WrappedLabel
from ..explore.plots import plot_widget

FIELD_EXPLANATION = (
    "The <b>gradient</b> of f(x0, x1) = x0² + x1² is the vector of its partial derivatives, (∂f/∂x0, ∂f/∂x1) "
    "= (2x0, 2x1) (\"Deep Learning from Scratch\", 4.4). Computed here with numerical_gradient at every point of "
    "a grid, and drawn as arrows of −gradient, as in figure 4-9: they all point to the lowest point (0, 0), and "
    "are longer where the bowl is steeper. Click the plot for the gradient there. (The notes write ∂f/∂x0 = "
    "2x0 + x1²; that is a slip: x1² does not change with x0, so its derivative is 0, and the book has 2x0.)")
DESCENT_EXPLANATION = (
    "<b>Gradient descent</b> (4.4.1) repeats x ← x − η·∇f(x): a step downhill, its length the learning rate η "
    "times the slope. From (−3, 4) with η = 0.1 it reaches (0, 0) within 100 steps. Too large a rate overshoots "
    "further at every step (η = 10 would grow x twentyfold per step; here it stops near 1e13 only because there "
    "x + h rounds to x and the numerical gradient becomes 0). Too small a rate hardly moves. The path is "
    "gradient_descent's, with numerical_gradient.")
NOTES_POINTS = ((3.0, 4.0), (0.0, 2.0), (3.0, 0.0))
GRID = np.arange(-2.0, 2.5, 0.25)           # the book's grid for figure 4-9
PRESETS = (("η 0.1, 20 steps (figure 4-10)", 0.1, 20), ("η 0.1, 100 steps", 0.1, 100),
           ("η 10: too large", 10.0, 100), ("η 1e-10: too small", 1e-10, 100))


def arrow_segments(points: np.ndarray, vectors: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Line pairs (for connect="pairs") drawing an arrow from each point along its vector × scale."""
    starts, ends = points, points + vectors * scale
    length = np.linalg.norm(ends - starts, axis=1, keepdims=True)
    direction = np.divide(ends - starts, length, out=np.zeros_like(ends), where=length > 0)
    head = np.minimum(length, 0.08)
    pieces = [starts, ends]
    for angle in (math.radians(150), math.radians(-150)):
        c, s = math.cos(angle), math.sin(angle)
        rotated = np.column_stack([c * direction[:, 0] - s * direction[:, 1], s * direction[:, 0] + c * direction[:, 1]])
        pieces += [ends, ends + rotated * head]
    xy = np.stack(pieces, axis=1).reshape(-1, 2)
    return xy[:, 0], xy[:, 1]


class GradientFieldPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Gradients", FIELD_EXPLANATION, parent)
        self.points = self.gradients = None
        self.picked: tuple[np.ndarray, np.ndarray] | None = None
        self.notes_label = WrappedLabel()
        self.picked_label = WrappedLabel("Click the plot for the gradient at that point.")
        side = QVBoxLayout()
        side.addWidget(self.notes_label)
        side.addWidget(self.picked_label)
        side.addWidget(self.status_label)
        side.addStretch(1)
        self.plot = plot_widget("−∇f(x0, x1), figure 4-9", left="x1", bottom="x0")
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        item.setRange(xRange=(-2.2, 2.7), yRange=(-2.2, 2.7), padding=0)
        item.setMouseEnabled(x=False, y=False)
        self.arrows = item.plot(pen=pg.mkPen(ACCENT, width=1.2), connect="pairs")
        self.picked_item = item.plot(pen=pg.mkPen(SECOND, width=2.5), connect="pairs")
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        body = QHBoxLayout()
        body.addLayout(side, 1)
        body.addWidget(self.plot, 2)
        self.layout_.addLayout(body, 1)
        self.when_shown(self.compute)

    def compute(self) -> None:
        def job(ctx):
            notes = [(p, numerical_gradient(function_2, np.array(p))) for p in NOTES_POINTS]
            return gradient_field(GRID, GRID), notes

        self.run(job, on_done=self._show)

    def _show(self, result) -> None:
        (self.points, self.gradients, _), notes = result
        self.scale = 0.22 / np.abs(self.gradients).max()
        self.arrows.setData(*arrow_segments(self.points, -self.gradients, self.scale))
        lines = "".join(f"<tr><td>({p[0]:g}, {p[1]:g})</td><td>→</td><td>({g[0]:.6g}, {g[1]:.6g})</td></tr>"
                        for p, g in notes)
        self.notes_label.setText("numerical_gradient(f, x) at the notes' points (exact: (6, 8), (0, 4), (6, 0)):"
                                 f"<table cellspacing=4>{lines}</table>")

    def _clicked(self, event) -> None:
        if self.points is None:
            return
        where = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.pick(where.x(), where.y())

    def pick(self, x0: float, x1: float) -> None:
        point = np.array([x0, x1])
        self.run(lambda ctx: (point, numerical_gradient(function_2, point.copy())), on_done=self._picked, slot="pick")

    def _picked(self, result) -> None:
        point, gradient = self.picked = result
        self.picked_item.setData(*arrow_segments(point[None], -gradient[None], self.scale))
        self.picked_label.setText(f"At ({point[0]:.3f}, {point[1]:.3f}): ∇f = (<b>{gradient[0]:.4f}</b>, "
                                  f"<b>{gradient[1]:.4f}</b>); the arrow is −∇f, the way down.")


class GradientDescentPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Gradient descent", DESCENT_EXPLANATION, parent)
        self.path: np.ndarray | None = None
        self.rate_exponent = QSlider(Qt.Orientation.Horizontal)
        self.rate_exponent.setRange(-100, 10)          # tenths of a power of ten: 1e-10 to 10
        self.rate_exponent.setValue(-10)
        self.rate_label = QLabel()
        self.steps = spin_box(1, 1000, 20, "How many steps")
        self.rate_exponent.valueChanged.connect(lambda *_: self.when_shown(self.compute))
        self.steps.valueChanged.connect(lambda *_: self.when_shown(self.compute))
        form = QFormLayout()
        form.addRow("Learning rate η", self.rate_label)
        form.addRow(self.rate_exponent)
        form.addRow("Steps", self.steps)
        box = QGroupBox("From (−3, 4)")
        column = QVBoxLayout(box)
        column.addLayout(form)
        for text, lr, steps in PRESETS:
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, lr=lr, steps=steps: self.set_run(lr, steps))
            column.addWidget(button)
        self.result = WrappedLabel()
        side = QVBoxLayout()
        side.addWidget(box)
        side.addWidget(self.result)
        side.addStretch(1)
        self.plot = plot_widget("x0² + x1²: contours and the path, figure 4-10", left="x1", bottom="x0")
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        item.setRange(xRange=(-3.5, 3.5), yRange=(-4.5, 4.5), padding=0)
        for r in (1, 2, 3, 4, 5):
            angles = np.linspace(0, 2 * np.pi, 200)
            item.plot(r * np.cos(angles), r * np.sin(angles), pen=pg.mkPen(MUTED, width=1))
        item.addLine(x=0, pen=pg.mkPen(MUTED, style=Qt.PenStyle.DashLine))
        item.addLine(y=0, pen=pg.mkPen(MUTED, style=Qt.PenStyle.DashLine))
        self.path_item = item.plot(pen=pg.mkPen(ACCENT, width=1), symbol="o", symbolSize=6, symbolBrush=ACCENT,
                                   symbolPen=None)
        self.add_body(side, self.plot)
        self._show_rate()
        self.when_shown(self.compute)

    def learning_rate(self) -> float:
        return float(f"{10 ** (self.rate_exponent.value() / 10):.3g}")

    def set_run(self, lr: float, steps: int) -> None:
        self.rate_exponent.blockSignals(True)
        self.rate_exponent.setValue(round(10 * math.log10(lr)))
        self.rate_exponent.blockSignals(False)
        self.steps.setValue(steps)
        self.when_shown(self.compute)

    def _show_rate(self) -> None:
        self.rate_label.setText(f"{self.learning_rate():g}")

    def compute(self) -> None:
        self._show_rate()
        lr, steps = self.learning_rate(), self.steps.value()
        self.run(lambda ctx: (lr, steps, descent_path(DESCENT_START, lr, steps)), on_done=self._show)

    def _show(self, result) -> None:
        lr, steps, self.path = result
        inside = np.all(np.abs(self.path) < 50, axis=1)
        shown = self.path[: int(np.argmin(inside)) if not inside.all() else len(self.path)]
        self.path_item.setData(shown[:, 0], shown[:, 1])
        last = self.path[-1]
        off = "" if inside.all() else f" The path leaves the plot after {len(shown) - 1} steps."
        self.result.setText(f"After {steps} steps with η = {lr:g}: x = (<b>{last[0]:.8e}</b>, <b>{last[1]:.8e}</b>), "
                            f"f(x) = {function_2(last):.4g}.{off}")
