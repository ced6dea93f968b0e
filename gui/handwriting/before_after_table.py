"""The fine-tuning's scores before and after: the held-out samples of the user's, and MNIST's test set."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableWidget, QTableWidgetItem

from ..theme import BAD, GOOD

PERSONAL, MNIST = 0, 1          # rows
BEFORE, AFTER = 0, 1            # columns


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


class BeforeAfterTable(QTableWidget):
    def __init__(self):
        super().__init__(2, 2)
        self.setHorizontalHeaderLabels(["Before", "After"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("Accuracy before and after fine-tuning. The held-out samples are never trained on.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.name_rows("Held-out samples of yours", "MNIST test set")
        self.clear_scores()

    def name_rows(self, personal: str, mnist: str) -> None:
        self.setVerticalHeaderLabels([personal, mnist])
        self.resizeRowsToContents()      # all rows shown, no scroll bar: the table is as tall as they are
        self.setFixedHeight(self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
                            + sum(self.rowHeight(r) for r in range(self.rowCount())))

    def clear_scores(self) -> None:
        for row in range(2):
            for column in range(2):
                self.set_score(row, column, None)

    def set_score(self, row: int, column: int, value: float | None, change: float | None = None) -> None:
        """A score; with its change since before, in colour, if it changed by at least 0.05 points."""
        text = percent(value)
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if change is not None and abs(change) >= 0.0005:
            item.setText(f"{text}  ({change * 100:+.2f} points)")
            item.setForeground(GOOD if change > 0 else BAD)
        self.setItem(row, column, item)
