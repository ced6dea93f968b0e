"""Chapter 3.5: softmax turns scores into probabilities; the book's formula overflows for large
scores and the stable one, which subtracts the largest score first, does not."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from engine.experiments.softmax_overflow import NOTES_SCORES, compare_softmax

from ..theme import ACCENT
from ..explore.common import ExploreView, WrappedLabel
from ..explore.plots import plot_widget, probability_axis

EXPLANATION = (
    "The output layer's <b>softmax</b> y<sub>k</sub> = exp(a<sub>k</sub>) / Σ exp(a<sub>i</sub>) turns any scores "
    "into probabilities: positive, adding up to 1, the largest score the most likely class (\"Deep Learning from "
    "Scratch\", 3.5). Written as it stands, it fails for large scores: exp(1010) is more than a float can hold "
    "(anything above about 709.78 becomes <i>inf</i>), and inf / inf is <i>nan</i>. Subtracting the largest score "
    "from all of them changes nothing (the factor exp(−max) cancels above and below) and keeps every exp() at most "
    "1. Type scores, or use the notes' examples.")
COLUMNS = ("score a", "exp(a)", "exp(a) / Σ exp(a)", "a − max(a)", "exp(a − max(a))", "stable softmax")


def parse_scores(text: str) -> np.ndarray:
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        values = np.array([float(p) for p in parts])
    except ValueError:
        raise ValueError("scores are numbers separated by commas, e.g. 1010, 1000, 990") from None
    if not 1 <= len(values) <= 12:
        raise ValueError("type between 1 and 12 scores")
    return values


class SoftmaxPage(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Softmax", EXPLANATION, parent)
        self.comparison = None
        self.scores = QLineEdit(", ".join(f"{s:g}" for s in NOTES_SCORES))
        self.scores.setToolTip("Scores (the last layer's outputs), separated by commas")
        self.scores.editingFinished.connect(lambda: self.when_shown(self.compute))
        row = QHBoxLayout()
        row.addWidget(self.scores, 1)
        for label, values in (("The notes' large scores", NOTES_SCORES), ("0.3, 2.9, 4.0", (0.3, 2.9, 4.0))):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, values=values: self.set_scores(values))
            row.addWidget(button)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Columns as wide as their texts (a narrow window scrolls the table), the spare width to the last.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = WrappedLabel()
        self.plot = plot_widget("Stable softmax: the probabilities", left="probability", bottom="class")
        probability_axis(self.plot.getPlotItem())
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=pg.mkBrush(ACCENT), pen=None)
        self.plot.getPlotItem().addItem(self.bars)
        main = QVBoxLayout()
        main.addLayout(row)
        main.addWidget(self.table, 2)
        main.addWidget(self.summary)
        main.addWidget(self.plot, 3)
        self.layout_.addWidget(self.status_label)
        self.layout_.addLayout(main, 1)
        self.when_shown(self.compute)

    def set_scores(self, values) -> None:
        self.scores.setText(", ".join(f"{v:g}" for v in values))
        self.when_shown(self.compute)

    def compute(self) -> None:
        try:
            scores = parse_scores(self.scores.text())
        except ValueError as e:
            self.show_problem(str(e))
            return
        self.show_status("")
        self.run(lambda ctx: compare_softmax(scores), on_done=self._show)

    def _show(self, c) -> None:
        self.comparison = c
        columns = (c.scores, c.exp, c.naive, c.shifted, c.exp_shifted, c.stable)
        self.table.setRowCount(len(c.scores))
        for col, values in enumerate(columns):
            for row, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(f"{value:.6e}" if col in (1, 2, 4, 5) else f"{value:g}"))
        # Tall enough for up to four rows and a horizontal scroll bar: the page scrolls rather than the table.
        table = self.table
        rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), 4)))
        table.setMinimumHeight(table.horizontalHeader().height() + rows + table.horizontalScrollBar().sizeHint().height()
                               + 2 * table.frameWidth())
        self.bars.setOpts(x=np.arange(len(c.stable)), height=c.stable)
        self.plot.getPlotItem().getAxis("bottom").setTicks([[(i, str(i)) for i in range(len(c.stable))]])
        naive = "nan: the formula as written fails" if np.isnan(c.naive).any() else "the same as the stable one"
        self.summary.setText(
            f"The formula as written gives <b>{', '.join(f'{v:.6e}' for v in c.naive)}</b> ({naive}); the stable "
            f"one <b>{', '.join(f'{v:.6e}' for v in c.stable)}</b>, which add up to {c.stable.sum():.6f}.")
