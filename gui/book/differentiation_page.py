"""Chapter 4.3: the derivative of 0.01x² + 0.1x by forward and central differences, the tangent line
they give, and what happens as h shrinks towards 1e-50, in float64 and in float32."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

from engine.experiments.differentiation import estimate, estimates_over_h, function_1, tangent_line

from ..spin_box import spin_box
from ..theme import ACCENT, MUTED, SECOND, SERIES, add_legend
from ..explore.common import ExploreView, WrappedLabel
from ..explore.plots import plot_widget
from .pictures import flexible

EXPLANATION = (
    "A derivative is the slope at a point: (f(x+h) − f(x)) / h as h goes to 0 (\"Deep Learning from Scratch\", "
    "4.3). A computer cannot take h to 0. The <b>forward difference</b> with a small h is the slope of a chord, "
    "not of the tangent, and is off by about h·f″/2; the <b>central difference</b> (f(x+h) − f(x−h)) / 2h is "
    "much closer. But h cannot be too small either: f(x+h) and f(x) then agree in almost every digit, and their "
    "difference is mostly <b>rounding error</b>; at h = 1e-50, x + h is x exactly and the slope comes out 0. "
    "The book's h = 1e-4 is a compromise for float64; float32 (7 digits instead of 16) needs a larger one.")
FLOOR = 1e-17          # zero errors are drawn here on the logarithmic axis


class NumericalDifferentiationPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Numerical differentiation", EXPLANATION, parent)
        self.current = {}
        self.tangents = {}
        self.x = spin_box(0.0, 20.0, 5.0, "Where to take the derivative", 0.5, 2)
        self.exponent = QSlider(Qt.Orientation.Horizontal)
        self.exponent.setRange(-50, 0)
        self.exponent.setValue(-4)
        self.exponent.setToolTip("h = 10 to this power")
        self.h_label = QLabel()
        for signal in (self.x.valueChanged, self.exponent.valueChanged):
            signal.connect(lambda *_: self.when_shown(self.compute))
        form = QFormLayout()
        form.addRow("x", self.x)
        form.addRow("h", self.h_label)
        form.addRow(self.exponent)
        presets = QHBoxLayout()
        for text, exponent in (("h = 1e-4 (the book)", -4), ("h = 1e-50 (too small)", -50)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, e=exponent: self.exponent.setValue(e))
            presets.addWidget(button)
        self.table = WrappedLabel()
        box = QGroupBox("The derivative of f(x) = 0.01x² + 0.1x")
        column = QVBoxLayout(box)
        column.addLayout(form)
        column.addLayout(presets)
        column.addWidget(self.table)
        self.notes = WrappedLabel()
        side = QVBoxLayout()
        side.addWidget(box)
        side.addWidget(self.notes)
        side.addStretch(1)

        self.function_plot = plot_widget("f(x) = 0.01x² + 0.1x, tangent at x", bottom="x")
        xs = np.arange(0.0, 20.0, 0.1)
        self.function_plot.plot(xs, function_1(xs), pen=pg.mkPen(ACCENT, width=2.5))
        self.tangent_item = self.function_plot.plot(pen=pg.mkPen(SECOND, width=2))
        self.point_item = self.function_plot.plot(pen=None, symbol="o", symbolBrush=SECOND, symbolPen=None)
        self.error_plot = plot_widget("Error of each estimate at x = 5", left="error", bottom="h")
        item = self.error_plot.getPlotItem()
        item.setLogMode(x=True, y=True)
        add_legend(item, offset=(10, -10))
        styles = {("forward", "float64"): (SERIES[0], Qt.PenStyle.SolidLine),
                  ("central", "float64"): (SERIES[2], Qt.PenStyle.SolidLine),
                  ("forward", "float32"): (SERIES[0], Qt.PenStyle.DashLine),
                  ("central", "float32"): (SERIES[2], Qt.PenStyle.DashLine)}
        self.error_items = {key: item.plot(pen=pg.mkPen(colour, width=2, style=style), name=f"{key[0]}, {key[1]}")
                            for key, (colour, style) in styles.items()}
        self.h_line = item.addLine(x=-4, pen=pg.mkPen(MUTED, style=Qt.PenStyle.DashLine))
        flexible(self.function_plot, self.error_plot)
        main = QHBoxLayout()
        main.addWidget(self.function_plot)
        main.addWidget(self.error_plot)
        self.add_body(side, main)
        self.when_shown(self.compute)
        self.when_shown(self.compute_curves, "curves")

    def h(self) -> float:
        return 10.0 ** self.exponent.value()

    def compute(self) -> None:
        x, h = self.x.value(), self.h()
        self.h_label.setText(f"1e{self.exponent.value()}")

        def job(ctx):
            return x, h, {dtype.__name__: estimate(x, h, dtype) for dtype in (np.float64, np.float32)}, \
                tangent_line(function_1, x)

        self.run(job, on_done=self._show)

    def _show(self, result) -> None:
        x, h, self.current, (slope, intercept) = result
        xs = np.array([0.0, 20.0])
        self.tangent_item.setData(xs, slope * xs + intercept)
        self.point_item.setData([x], [function_1(x)])
        self.h_line.setValue(np.log10(h))
        rows = "".join(f"<tr><td>{name}</td><td>{e.forward:.16g}</td><td>{e.central:.16g}</td></tr>"
                       for name, e in self.current.items())
        exact = next(iter(self.current.values())).exact
        rounded = " (float32 holds this h as 0: 0/0 is nan)" if self.current["float32"].h_used == 0 else ""
        self.table.setText(f"<table cellspacing=4><tr><th></th><th align=left>forward</th><th align=left>central"
                           f"</th></tr>{rows}</table>true slope 0.02·{x:g} + 0.1 = {exact:.16g}{rounded}.<br>"
                           f"Tangent: slope {slope:.16g} by numerical_diff (h = 1e-4).")

    def compute_curves(self) -> None:
        def job(ctx):
            return {name: estimates_over_h(5.0, dtype=dtype) for name, dtype in
                    (("float64", np.float64), ("float32", np.float32))}, \
                {x: tangent_line(function_1, x)[0] for x in (5.0, 10.0)}

        self.run(job, on_done=self._show_curves, slot="curves")

    def _show_curves(self, result) -> None:
        curves, self.tangents = result
        for (kind, name), item in self.error_items.items():
            estimates = [e for e in curves[name] if np.isfinite(getattr(e, kind))]
            errors = [max(getattr(e, f"{kind}_error"), FLOOR) for e in estimates]
            item.setData([e.h for e in estimates], errors)
        self.notes.setText("The notes' tangent slopes, by numerical_diff: at 5, <b>{:.16g}</b>; at 10, <b>{:.16g}</b>"
                           " (exact: 0.2 and 0.3). On the right, an error of 0 is drawn at 1e-17, and float32's curves stop where"
                           " h rounds to 0.".format(self.tangents[5.0], self.tangents[10.0]))
