"""A bar chart of the ten softmax probabilities, the top digit highlighted."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from .theme import ACCENT, MUTED, fit_to_scene, style_plot


class ProbabilityChart(pg.PlotWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        item = style_plot(self, left="probability")
        item.setMouseEnabled(x=False, y=False)
        item.setXRange(-0.6, 9.6, padding=0)
        item.setYRange(0, 1, padding=0.02)
        item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        item.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self._bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.72, brush=MUTED, pen=None)
        item.addItem(self._bars)
        fit_to_scene(self, floor=(160, 160))
        self.setToolTip("The network's softmax output: how likely it finds each digit.")
        self._values = np.zeros(10)

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        values = np.zeros(10) if probabilities is None else np.asarray(probabilities, dtype=float)
        self._values = values
        brushes = [pg.mkBrush(MUTED) for _ in range(10)]
        if probabilities is not None:
            brushes[int(values.argmax())] = pg.mkBrush(ACCENT)
        self._bars.setOpts(height=values, brushes=brushes)

    def values(self) -> np.ndarray:
        return self._values.copy()
