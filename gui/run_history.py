"""Every training run of the session in a table: its settings, final accuracies and time, what it
changed against the run it is compared with, and whether the two started alike (same initial
weights, same batches: engine/training/same_start.py). Any run can be laid over the live plots, and
"Same start" puts a run's settings back in the form, seed and all, so that the next run differs
from it only in the setting the learner changes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.nn.builders import ModelSpec
from engine.training.records import History, TrainConfig
from engine.training.same_start import SameStart, compare

from .labels import WrappedLabel
from .series_buffer import Smoother
from .theme import SERIES
from .train_form import TrainForm
from .training_plots import SMOOTHING, TrainingPlots

COLUMNS = ("Run", "Settings", "Compared with", "Train", "Validation", "Test", "Time", "Plot")
PLOT_COLUMN = COLUMNS.index("Plot")
TEXT_COLUMN_WIDTH = 200           # pixels, for the settings and the comparison
OVERLAY_COLOURS = SERIES[2:]      # the current run's own curves keep the first two


@dataclass
class RunRecord:
    number: int
    spec: ModelSpec
    config: TrainConfig
    form: dict                   # the form's values that started it, for a same start
    status: str                  # as TrainResult.status
    history: History
    test_accuracy: float | None
    seconds: float
    compared_with: int | None = None
    comparison: SameStart | None = None

    def final(self, name: str) -> float | None:
        """The last epoch's train_accuracy or validation_accuracy (None before the first epoch ends)."""
        return getattr(self.history.epochs[-1], name) if self.history.epochs else None

    def describe(self) -> str:
        c = self.config
        return f"{self.spec.describe()}; {c.optimizer} lr {c.learning_rate:g}, batch {c.batch_size}, " \
               f"{c.epochs} epochs, seed {c.seed}"


class RunHistory(QWidget):
    def __init__(self, form: TrainForm, plots: TrainingPlots, parent: QWidget | None = None):
        super().__init__(parent)
        self.form, self.plots = form, plots
        self.runs: list[RunRecord] = []
        self.reference: int | None = None          # the run a same start was taken from
        self.overlays: dict[int, list[pg.PlotDataItem]] = {}
        self._running = False
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):       # wide enough to read, wrapped; a narrow window scrolls across
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, TEXT_COLUMN_WIDTH)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(60)     # a header and a row; the splitter above gives it more
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.same_start_button = QPushButton("Same start")
        self.same_start_button.setToolTip("Put the chosen run's settings, seed included, back in the form: change "
                                          "one setting and press Start, and the two runs begin from the same "
                                          "weights and see the same batches as far as that setting allows")
        self.same_start_button.clicked.connect(self.same_start)
        self.same_start_button.setEnabled(False)
        self.note = WrappedLabel("Every run of this session is listed here once it ends.")
        top = QHBoxLayout()
        top.addWidget(self.note, 1)
        top.addWidget(self.same_start_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    # Runs.
    def add(self, record: RunRecord) -> None:
        """A run ended: compare it with the same start's run, or else the run before it, and list it."""
        against = self.reference if self.reference is not None else (self.runs[-1].number if self.runs else None)
        if against is not None:
            earlier = self.run(against)
            record.compared_with = against
            record.comparison = compare((earlier.spec, earlier.config), (record.spec, record.config))
        self.runs.append(record)
        self._add_row(record)

    def run(self, number: int) -> RunRecord:
        return next(r for r in self.runs if r.number == number)

    def _add_row(self, record: RunRecord) -> None:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        status = "" if record.status == "finished" else f" ({record.status})"
        compared = f"Run {record.compared_with}: {record.comparison.summary()}" if record.comparison else "—"
        cells = (f"{record.number}{status}", record.describe(), compared, _percent(record.final("train_accuracy")),
                 _percent(record.final("validation_accuracy")), _percent(record.test_accuracy),
                 f"{record.seconds:.1f} s")
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, record.number)
            if column in (1, 2):
                item.setToolTip(text)
            self.table.setItem(row, column, item)
        plot = QTableWidgetItem("overlay")
        plot.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        plot.setCheckState(Qt.CheckState.Unchecked)
        plot.setData(Qt.ItemDataRole.UserRole, record.number)
        self.table.setItem(row, PLOT_COLUMN, plot)
        self.table.resizeRowToContents(row)
        self.table.blockSignals(False)
        self.table.scrollToItem(plot)

    # Same start.
    def selected(self) -> RunRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.run(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)) if rows else None

    def set_running(self, running: bool) -> None:
        """While a run is under way the form is locked, and so is a same start."""
        self._running = running
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.same_start_button.setEnabled(self.selected() is not None and not self._running)

    def same_start(self) -> None:
        record = self.selected()
        if record is None:
            return
        self.form.set_values(record.form)
        self.reference = record.number
        self.note.setText(f"Run {record.number}'s settings are in the form, seed {record.config.seed} included. "
                          f"Change one setting and press Start: the new run is compared with run {record.number}.")

    # Overlays.
    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == PLOT_COLUMN:
            self.set_overlay(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    def set_overlay(self, number: int, shown: bool) -> None:
        """Lay run `number`'s smoothed loss and its validation (else training) accuracy over the plots."""
        for plot, curve in zip(self._plot_items(), self.overlays.pop(number, [])):
            plot.removeItem(curve)
        if not shown:
            return
        record = self.run(number)
        pen = pg.mkPen(OVERLAY_COLOURS[(number - 1) % len(OVERLAY_COLOURS)], width=1.8, style=Qt.PenStyle.DotLine)
        losses = np.asarray(record.history.losses, float)
        loss_plot, accuracy_plot = self._plot_items()
        loss = loss_plot.plot(np.arange(1, len(losses) + 1), Smoother(SMOOTHING)(losses),
                                                       pen=pen, name=f"run {number}")
        epochs = record.history.epochs
        accuracy = [e.validation_accuracy if e.validation_accuracy is not None else e.train_accuracy for e in epochs]
        accuracy_curve = accuracy_plot.plot(
            [e.epoch for e in epochs], accuracy, pen=pen, symbol="t", symbolSize=6, symbolBrush=pen.color(),
            symbolPen=None, name=f"run {number}")
        self.overlays[number] = [loss, accuracy_curve]

    def _plot_items(self) -> tuple[pg.PlotItem, pg.PlotItem]:
        return self.plots.loss_plot.getPlotItem(), self.plots.accuracy_plot.getPlotItem()

    def overlaid(self) -> list[int]:
        return sorted(self.overlays)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"
