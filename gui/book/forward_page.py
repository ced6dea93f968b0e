"""Chapter 3.4-3.6: the book's 3-layer network (784-50-100-10, sigmoid) on your drawing, each step
with its array's shape, and batch processing: the same answers for 100 images at a time, faster."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from engine.data.datasets import load_mnist, to_float
from engine.experiments.book_networks import three_layer_network
from engine.experiments.forward_pass import forward_steps, one_by_one_and_batched

from ..theme import ACCENT, MUTED, PANEL_BACKGROUND, set_background
from ..explore.common import WrappedLabel
from ..explore.plots import probability_axis, quiet_plot, text_colour
from .drawing_page import DrawingPage
from .pictures import PicturePanel, arrange

EXPLANATION = (
    "A network's forward pass is matrix products (\"Deep Learning from Scratch\", 3.4): the 784 pixels x times the "
    "784×50 weights W1 plus the biases b1 give the 50 sums a1; sigmoid turns them into z1; and so on to the 10 "
    "scores a3, which softmax makes probabilities y. The shapes must chain: (1, 784)·(784, 50) → (1, 50). "
    "The book runs its trained sample_weight.pkl here (93.52% on the test images); that file is a pickle, "
    "which this app never loads, so this page trains the same shape of network for two epochs when it opens. "
    "Stack 100 images into x, (100, 784), and the same code gives 100 answers at once: <b>batch processing</b> "
    "(3.6.3), the same accuracy, in much less time.")


def shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


class ForwardPassPage(DrawingPage):
    def __init__(self, canvas=None, parent=None):
        super().__init__("Forward pass on your drawing", EXPLANATION, canvas, three_layer_network, parent)
        self.steps = []
        self.batch_steps = []
        self.timing = None
        self.source_label = WrappedLabel()
        self.graphics = pg.GraphicsLayoutWidget()
        set_background(self.graphics, PANEL_BACKGROUND)      # and again after a change of theme
        self.graphics.setMinimumHeight(220)
        self.panels = [PicturePanel(self.graphics, 0, col) for col in range(5)]
        self.score_plots = []
        for col in (5, 6):
            label = self.graphics.addLabel("", row=0, col=col, color=text_colour().name(), size="9pt")
            plot = quiet_plot(self.graphics.addPlot(row=1, col=col))
            plot.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
            bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=pg.mkBrush(MUTED), pen=None)
            plot.addItem(bars)
            self.score_plots.append((label, plot, bars))
        probability_axis(self.score_plots[1][1])
        self.shapes = WrappedLabel()
        self.batch_button = QPushButton("Time one by one against 100 at a time")
        self.batch_button.setToolTip("Predict the 10,000 test images one by one, then 100 at a time, and compare")
        self.batch_button.clicked.connect(lambda: self.time_batches())
        self.batch_result = WrappedLabel()
        bottom = QHBoxLayout()
        bottom.addWidget(self.shapes, 2)
        batch = QVBoxLayout()
        batch.addWidget(self.batch_button)
        batch.addWidget(self.batch_result)
        batch.addStretch(1)
        bottom.addLayout(batch, 1)
        self.layout_.addWidget(self.status_label)
        self.layout_.addWidget(self.source_label)
        self.layout_.addWidget(self.graphics, 1)
        self.layout_.addLayout(bottom)
        self.batch_button.setEnabled(False)
        self._columns = 7
        self.start()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Seven captioned pictures need about 800 pixels in a row; a narrower page shows them in two rows.
        columns = 7 if event.size().width() >= 840 else 4      # the page's width: its plots may not be laid out yet
        if columns != self._columns:
            self._columns = columns
            cells = [(p.label, p.view) for p in self.panels] + [(label, plot) for label, plot, _ in self.score_plots]
            arrange(self.graphics, cells, columns)

    def network_ready(self) -> None:
        self.batch_button.setEnabled(True)

    def compute(self, network, image, settings):
        batch = to_float(load_mnist().test_images[:100])
        return forward_steps(network, image[None]), forward_steps(network, batch)

    def show_result(self, result) -> None:
        self.steps, self.batch_steps = result
        probabilities = self.steps[-1].values[0]
        digit = int(np.argmax(probabilities))
        self.source_label.setText(f"The network (two epochs here: {self.network_accuracy:.2%} of the test images "
                                  f"right) on {self.source}: it reads <b>{digit}</b> ({probabilities[digit]:.1%}).")
        for panel, step in zip(self.panels, self.steps[:5]):
            panel.show(step.values[0], caption=f"{step.formula}<br>{shape_text(step.shape)}")
        for (label, plot, bars), step in zip(self.score_plots, self.steps[5:]):
            values = step.values[0]
            brushes = [pg.mkBrush(ACCENT if d == digit else MUTED) for d in range(10)]
            bars.setOpts(height=values, brushes=brushes)
            label.setText(f"{step.formula}<br>{shape_text(step.shape)}", color=text_colour().name(), size="9pt")
            if step.formula.startswith("y"):
                plot.setYRange(0, 1)
        rows = "".join(
            f"<tr><td>{one.formula}</td><td>{shape_text(one.weight_shape) if one.weight_shape else ''}</td>"
            f"<td>{shape_text(one.shape)}</td><td>{shape_text(many.shape)}</td></tr>"
            for one, many in zip(self.steps, self.batch_steps))
        self.shapes.setText("<table cellspacing=6><tr><th align=left>step</th><th align=left>W</th>"
                            "<th align=left>one image</th><th align=left>a batch of 100</th></tr>" + rows + "</table>")

    def time_batches(self) -> None:
        network = self.network

        def job(ctx):
            dataset = load_mnist()
            return one_by_one_and_batched(network, to_float(dataset.test_images), dataset.test_labels,
                                          cancelled=lambda: ctx.cancelled)

        self.batch_result.setText("Predicting…")
        self.run(job, on_done=self._timed, slot="batches")

    def _timed(self, timing) -> None:
        if timing is None:
            return
        self.timing = timing
        self.batch_result.setText(
            f"One image at a time: <b>{timing.accuracy_one_by_one:.2%}</b> right in {timing.seconds_one_by_one:.2f} s. "
            f"{timing.batch_size} at a time: <b>{timing.accuracy_batched:.2%}</b> in {timing.seconds_batched:.3f} s, "
            f"{timing.seconds_one_by_one / max(timing.seconds_batched, 1e-9):.0f}× faster (CPU time, measured now): "
            "one large matrix product does the work of many small ones with far less Python around it.")

    def busy_changed(self, busy: bool, slot: str) -> None:
        if slot == "batches":
            self.batch_button.setEnabled(not busy and self.network is not None)
