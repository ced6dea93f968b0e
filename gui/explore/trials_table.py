"""The search's best trials, best first; selecting one chooses it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from engine.experiments.hyperparameter_search import Trial

TOP_ROWS = 10
COLUMNS = (("rate", "learning rate"), ("decay", "weight decay λ"),
           ("validation", "accuracy on the validation images"), ("training", "accuracy on the training images"))


class TrialsTable(QTableWidget):
    def __init__(self):
        super().__init__(0, len(COLUMNS))
        self.setHorizontalHeaderLabels([name for name, _ in COLUMNS])
        for col, (_, tip) in enumerate(COLUMNS):
            self.horizontalHeaderItem(col).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self._ranked: list[Trial] = []

    def show_trials(self, finished: list[Trial]) -> None:
        """The best TOP_ROWS of `finished`, the best selected (without a selection signal: the
        caller redraws what depends on the choice)."""
        self._ranked = sorted(finished, key=lambda t: -t.validation_accuracy)[:TOP_ROWS]
        self.blockSignals(True)
        self.setRowCount(len(self._ranked))
        for row, t in enumerate(self._ranked):
            for col, text in enumerate((f"{t.lr:.2g}", f"{t.weight_decay:.2g}", f"{t.validation_accuracy:.1%}",
                                        f"{t.train_accuracy:.1%}")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, col, item)
        if self._ranked:
            self.selectRow(0)
        self.blockSignals(False)

    def selected_trial(self) -> Trial | None:
        rows = self.selectionModel().selectedRows()
        return self._ranked[rows[0].row()] if rows and rows[0].row() < len(self._ranked) else None
