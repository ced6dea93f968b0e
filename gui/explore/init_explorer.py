"""Initialisation explorer (book 6.2): histograms of each hidden layer's activations in a 5-layer
network, for four ways of choosing the starting weights, under sigmoid, tanh or ReLU."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton

from engine.experiments.activation_stats import INITIALISATIONS, LayerStats, activation_stats

from ..theme import SERIES, set_title
from .common import ExploreView
from .plots import plot_grid, quiet_plot, text_colour

LAYERS = 5
ACTIVATION_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}

EXPLANATION = (
    "Before any training, 1000 random inputs go through five layers of 100 units. Each row starts the weights "
    "differently; each column is one layer; each histogram shows how the layer's outputs are spread. "
    "With <b>std 1</b> the weights are too large: sigmoid and tanh outputs pile up at their ends (saturated, "
    "so their gradients vanish) and ReLU outputs explode. With <b>std 0.01</b> they are too small: every unit "
    "gives nearly the same output and the network cannot tell its units apart. <b>Xavier</b> (std √(1/n)) keeps "
    "sigmoid and tanh outputs spread out, <b>He</b> (std √(2/n)) does the same for ReLU. "
    "For ReLU, the zeros (about half of the outputs) are left out of the histograms. Each histogram counts the "
    "100,000 outputs of one layer (1000 inputs × 100 units), its title gives their standard deviation, and the "
    "histograms of a row share their scale.")


class InitExplorerView(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Initialisation explorer", EXPLANATION, parent)
        self.activation = "sigmoid"
        self.stats: dict[str, list[LayerStats]] = {}
        self._build()
        self.when_shown(self.compute)

    def _build(self) -> None:
        choice = QHBoxLayout()
        choice.addWidget(QLabel("Activation:"))
        self.buttons = QButtonGroup(self)
        for key, name in ACTIVATION_NAMES.items():
            button = QRadioButton(name)
            button.setChecked(key == self.activation)
            button.toggled.connect(lambda on, key=key: on and self.set_activation(key))
            self.buttons.addButton(button)
            choice.addWidget(button)
        choice.addSpacing(20)
        self.status_label.lines = 2           # "Computing…", then what is shown: room kept for two lines
        choice.addWidget(self.status_label, 1)
        self.layout_.addLayout(choice)

        # Five histograms of at least ~90 px across; four rows of a two-line title, a histogram of at
        # least ~60 px and its axis.
        self.graphics = plot_grid(floor=(5 * 90 + 40, 4 * 115 + 30))
        text = text_colour()
        self.plots: dict[tuple[str, int], pg.PlotItem] = {}
        self.histograms: dict[tuple[str, int], pg.PlotDataItem] = {}
        for col in range(LAYERS):
            self.graphics.addLabel(f"<b>Layer {col + 1}</b>", row=0, col=col + 1, color=text.name())
        for row, (label, _, _) in enumerate(INITIALISATIONS):
            colour = pg.mkColor(SERIES[row % len(SERIES)])
            fill = pg.mkColor(colour)
            fill.setAlpha(150)
            self.graphics.addLabel(f"<b>{label}</b>", row=row + 1, col=0, angle=-90, color=text.name())
            for col in range(LAYERS):
                plot = quiet_plot(self.graphics.addPlot(row=row + 1, col=col + 1))
                plot.getAxis("left").setStyle(showValues=False)
                _three_ticks(plot, 0.0, 1.0)
                plot.setXRange(0.0, 1.0, padding=0.1)
                set_title(plot, "&nbsp;<br>&nbsp;", color=text.name(), size="8pt")   # the room the titles take
                curve = plot.plot(stepMode="center", fillLevel=0, pen=pg.mkPen(colour, width=1), brush=fill)
                self.plots[(label, col)] = plot
                self.histograms[(label, col)] = curve
        self.layout_.addWidget(self.graphics, 1)

    def set_activation(self, activation: str) -> None:
        self.activation = activation
        for button in self.buttons.buttons():
            if button.text() == ACTIVATION_NAMES[activation] and not button.isChecked():
                button.setChecked(True)
        self.when_shown(self.compute)

    def compute(self) -> None:
        activation = self.activation

        def job(ctx):
            return activation, {label: activation_stats(activation, init, std)
                                for label, init, std in INITIALISATIONS}

        self.show_status(f"Computing {ACTIVATION_NAMES[activation]}…")
        self.run(job, on_done=self._show)

    def _show(self, result) -> None:
        activation, stats = result
        if activation != self.activation:
            return
        self.stats = stats
        text = text_colour().name()
        for label, layers in stats.items():
            # One scale per row, so that a layer whose outputs collapse or leave the range looks it.
            top = max(float((s.counts / s.values.size).max()) for s in layers) or 1.0
            for s in layers:
                col = s.layer - 1
                self.histograms[(label, col)].setData(s.edges, s.counts / s.values.size)
                extra = f", {s.zeros:.0%} zeros" if activation == "relu" else ""
                if s.outside >= 0.005:
                    extra += f", {s.outside:.0%} > {s.edges[-1]:g}"
                plot = self.plots[(label, col)]
                # The standard deviation, and below it what the histogram leaves out: narrow titles.
                set_title(plot, f"std {s.std:.3g}<br>{extra.lstrip(', ') or '&nbsp;'}", color=text, size="8pt")
                plot.setXRange(s.edges[0], s.edges[-1], padding=0.1)   # room for the end ticks' labels
                _three_ticks(plot, s.edges[0], s.edges[-1])
                plot.setYRange(0, top, padding=0.05)
        self.show_status(f"{ACTIVATION_NAMES[activation]}: the outputs of 1000 random inputs, layer by layer.")


def _three_ticks(plot: pg.PlotItem, low: float, high: float) -> None:
    """The two ends of the range and its middle: in a plot 90 px wide, more would run together."""
    values = (low, (low + high) / 2, high)
    plot.getAxis("bottom").setTicks([[(v, f"{v:.3g}") for v in values], []])
