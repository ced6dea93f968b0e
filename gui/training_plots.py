"""Live plots of a training run: loss per step (raw and smoothed) and accuracy per epoch.

The worker's numbers land in NumPy buffers; one QTimer redraws a few times a second with setData,
so plotting never slows training down. The previous run stays visible, muted, for comparison."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .series_buffer import SeriesBuffer, Smoother
from .theme import (
    ACCENT,
    ACCENT_SOFT,
    MUTED,
    SECOND,
    EmptyPlotHint,
    add_legend,
    fit_to_scene,
    percent_axes,
    style_plot,
)

REDRAW_MS = 200
SMOOTHING = 0.05
LEGEND_ROOM = 18       # pixels: the accuracy legend's offset from the corner, and a gap above it


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None, loss_top: float = 2.5):
        """loss_top: the top of the loss axis before a run (a network that guesses starts at ln 10 ≈ 2.3,
        a trained one fine-tuned much lower); during a run the axis follows the losses."""
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget()
        self.accuracy_plot = pg.PlotWidget(axisItems=percent_axes())
        loss = style_plot(self.loss_plot, "Training loss", left="cross-entropy", bottom="step")
        accuracy = style_plot(self.accuracy_plot, "Accuracy", left="accuracy", bottom="epoch")
        for item in (loss, accuracy):
            item.setMouseEnabled(x=False, y=False)
        fit_to_scene(self.loss_plot, floor=(200, 160))       # room for a few ticks and the legend
        fit_to_scene(self.accuracy_plot, floor=(200, 140))
        # The loss falls from the top left: its legend goes top right. The accuracy climbs to the
        # top of a range zoomed onto it: its legend goes bottom right, under the last epochs.
        self._loss_legend = add_legend(loss)
        # In one row, as the plot is low and its axis makes room for the legend under the curves.
        self._accuracy_legend = add_legend(accuracy, offset=(-10, -10), columns=2)
        accuracy.getViewBox().sigResized.connect(self._mark_dirty)    # the room for the legend changes
        loss.setClipToView(True)
        loss.setDownsampling(auto=True, mode="mean")
        # Early in a run, mean-downsampling the first steps over the whole run's width can leave a
        # single value in view; auto-range then makes the y range zero-high and repaints forever
        # (~45 paints/s, measured by bench/latency.py), starving the GUI thread and the trainer.
        loss.getViewBox().setLimits(minYRange=0.01)
        self.plan(1000, 5)
        loss.setYRange(0, loss_top, padding=0)
        accuracy.setYRange(0.8, 1.0, padding=0.02)
        dashed = pg.mkPen(MUTED, width=1.5, style=Qt.PenStyle.DashLine)
        self._previous_loss = loss.plot(pen=dashed)
        self._raw = loss.plot(pen=pg.mkPen(ACCENT_SOFT, width=1), name="loss")
        self._smooth = loss.plot(pen=pg.mkPen(ACCENT, width=2.5), name="smoothed")
        self._previous_train = accuracy.plot(pen=dashed)
        self._previous_val = accuracy.plot(pen=dashed)
        self._train = accuracy.plot(pen=pg.mkPen(ACCENT, width=2.5), symbol="o", symbolSize=7,
                                    symbolBrush=ACCENT, symbolPen=None, name="train")
        self._val = accuracy.plot(pen=pg.mkPen(SECOND, width=2.5), symbol="s", symbolSize=7,
                                  symbolBrush=SECOND, symbolPen=None, name="validation")
        # Until a run starts, each plot says what will appear in it; the legends come with the curves.
        self._hints = [EmptyPlotHint(loss, "The loss of every step appears here once a run starts."),
                       EmptyPlotHint(accuracy, "The accuracy after each epoch appears here.")]
        self._set_empty(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.accuracy_plot, 2)

        self._smoother = Smoother(SMOOTHING)
        self.steps = SeriesBuffer(3)      # step, loss, smoothed loss
        self.epochs = SeriesBuffer(3)     # epoch, train accuracy, validation accuracy
        self._previous: tuple[SeriesBuffer, SeriesBuffer] | None = None
        self._dirty = False
        self._timer = QTimer(self, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

    def stop(self) -> None:
        """No more redraws (the window is closing)."""
        self._timer.stop()

    def begin_run(self) -> None:
        """Keep the finished run as the one to compare with, and start empty."""
        self._smoother = Smoother(SMOOTHING)
        self.loss_plot.getPlotItem().enableAutoRange(y=True)
        self._set_empty(False)         # and never again: the last run stays, for comparison
        if len(self.steps):
            if self._previous is None:   # the loss legend names the earlier run (dashed in both plots)
                self._loss_legend.addItem(self._previous_loss, "previous run (dashed)")
            self._previous = (self.steps, self.epochs)
            self.steps, self.epochs = SeriesBuffer(3), SeriesBuffer(3)
        self._dirty = True
        self.redraw()

    def _set_empty(self, empty: bool) -> None:
        for hint in self._hints:
            hint.setVisible(empty)
        for legend in (self._loss_legend, self._accuracy_legend):
            legend.setVisible(not empty)

    def preview(self, total_steps: int, epochs: int) -> None:
        """Before the first run, the axes of the run the settings would make (no effect after it)."""
        if self.showing_hints():
            self.plan(total_steps, epochs)

    def plan(self, total_steps: int, epochs: int) -> None:
        """Show the whole run's extent from the start, so the curves grow into it."""
        self.loss_plot.getPlotItem().setXRange(0, max(total_steps, 1), padding=0.02)
        self.accuracy_plot.getPlotItem().setXRange(0.5, max(epochs, 1) + 0.5, padding=0)
        self.accuracy_plot.getPlotItem().getAxis("bottom").setTickSpacing(major=max(1, epochs // 10), minor=1)

    def _mark_dirty(self, *_) -> None:
        self._dirty = True

    def add_steps(self, steps: np.ndarray, losses: np.ndarray) -> None:
        if not len(steps):
            return
        smooth = self._smoother(np.asarray(losses, float))
        self.steps.extend(np.column_stack([steps, losses, smooth]))
        self._dirty = True

    def add_epoch(self, epoch: int, train_accuracy: float, validation_accuracy: float | None) -> None:
        self.epochs.extend([epoch, train_accuracy, np.nan if validation_accuracy is None else validation_accuracy])
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        s, e = self.steps, self.epochs
        self._raw.setData(s.column(0), s.column(1))
        self._smooth.setData(s.column(0), s.column(2))
        self._train.setData(e.column(0), e.column(1))
        valid = ~np.isnan(e.column(2))
        self._val.setData(e.column(0)[valid], e.column(2)[valid])
        if self._previous:
            ps, pe = self._previous
            self._previous_loss.setData(ps.column(0), ps.column(2))
            self._previous_train.setData(pe.column(0), pe.column(1))
            self._previous_val.setData(pe.column(0), pe.column(2))
        accuracies = np.concatenate([e.column(1), e.column(2)[valid]])
        if len(accuracies):
            low = float(np.nanmin(accuracies))   # zoom in on the interesting band, in steps of 5%
            floor = min(np.floor((low - 0.01) * 20) / 20, 0.95)
            self.accuracy_plot.getPlotItem().setYRange(min(floor, self._floor_below_legend()), 1.0, padding=0.02)

    def _floor_below_legend(self) -> float:
        """The highest bottom of the accuracy axis that puts every point in the legend's columns
        (bottom right) above the legend, so that the last epochs' points are never under it."""
        item = self.accuracy_plot.getPlotItem()
        view, legend = item.getViewBox().boundingRect(), self._accuracy_legend.boundingRect()
        share = (legend.height() + LEGEND_ROOM) / view.height() if view.height() > 0 else 1.0
        if share >= 0.7 or view.width() <= 0:      # a plot too low to make room in: leave it
            return 1.0
        (left, right), _ = item.viewRange()
        start = right - (legend.width() + LEGEND_ROOM) / view.width() * (right - left)
        under = [y[x >= start] for x, y in (curve.getData() for curve in item.listDataItems())
                 if x is not None and len(x)]
        under = np.concatenate(under) if under else np.array([])
        under = under[np.isfinite(under)]
        if not len(under):
            return 1.0
        # A point v clears the legend when (v - floor) / (1 - floor) >= share.
        needed = (float(under.min()) - share) / (1 - share)
        return max(0.0, float(np.floor(needed * 20) / 20))

    def hints(self) -> list:
        """The text items that say what will appear in each plot before a run (loss, accuracy)."""
        return list(self._hints)

    def showing_hints(self) -> bool:
        """Whether the plots still say what will appear in them (no run has started)."""
        return all(hint.isVisible() for hint in self._hints)

    def point_counts(self) -> tuple[int, int]:
        """(loss points, epoch points) of the current run, as plotted."""
        return len(self._raw.getData()[0] if self._raw.getData()[0] is not None else []), \
            len(self._train.getData()[0] if self._train.getData()[0] is not None else [])
