"""Optimizer playground (book 6.1, figures 6-1 to 6-8): six update rules walk down the same surface
from the same start, side by side, step by step."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from engine.experiments.optimizer_paths import OptimizerPath, optimizer_paths
from engine.experiments.surfaces import SURFACES, Surface
from engine.nn.optimizers import OPTIMIZERS

from .. import theme
from ..theme import MUTED, SERIES, set_title
from .common import ExploreView
from .plots import contour_lines, plot_grid, quiet_plot, text_colour

NAMES = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad", "rmsprop": "RMSProp",
         "adam": "Adam"}
ANIMATION_FRAMES = 90          # a run plays in about three seconds, whatever its length
FRAME_MS = 33
GRID = 160
DOTTED_STEPS = 80

EXPLANATION = (
    "Each optimizer starts at the same point (the square) and follows the gradient of the surface downhill "
    "towards the minimum (+). <b>SGD</b> steps straight down the steepest slope, so in a narrow valley it zigzags. "
    "<b>Momentum</b> and <b>Nesterov</b> gather speed like a rolling ball. <b>AdaGrad</b>, <b>RMSProp</b> and "
    "<b>Adam</b> give each direction its own step size, so they cut across a valley more directly. "
    "Change the learning rates or the number of steps, pick another surface, or click a plot to start from there. "
    "The steps are taken by the same optimizer code that trains the networks. (The study notes write AdaGrad's "
    "update with a plus sign, W ← W + η·∂L/∂W / √h, which would climb; the book, and this code, subtract.)")


def surface_contours(surface: Surface) -> list[tuple[np.ndarray, np.ndarray]]:
    xs, ys, z = surface.grid(GRID)
    return [contour_lines(xs, ys, z, level) for level in surface.levels]


class OptimizerPlayground(ExploreView):
    def __init__(self, parent=None):
        super().__init__("Optimizer playground", EXPLANATION, parent)
        self.surface: Surface = SURFACES["bowl"]
        self.start_point: tuple[float, float] | None = None
        self.paths: dict[str, OptimizerPath] = {}
        self._contours: dict[str, list] = {}
        self._frame = 0
        self._build()
        self._rerun = QTimer(self, singleShot=True, interval=250)
        self._rerun.timeout.connect(self.compute)
        self._animation = QTimer(self, interval=FRAME_MS)
        self._animation.timeout.connect(self._advance)
        self._apply_surface_defaults()

    # Layout.
    def _build(self) -> None:
        self.surface_combo = QComboBox()
        for key, surface in SURFACES.items():
            self.surface_combo.addItem(surface.title.split("  ")[0], key)
        self.surface_combo.setToolTip("The function the optimizers minimise")
        self.surface_combo.currentIndexChanged.connect(self._on_surface_chosen)
        self.steps = QSpinBox()
        self.steps.setRange(1, 5000)
        self.steps.setToolTip("How many updates each optimizer makes")
        self.steps.valueChanged.connect(self._schedule_rerun)
        self.rates: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        form.addRow("Surface", self.surface_combo)
        form.addRow("Steps", self.steps)
        rates_box = QGroupBox("Learning rates")
        rates_form = QFormLayout(rates_box)
        for i, name in enumerate(OPTIMIZERS):
            spin = QDoubleSpinBox()
            spin.setDecimals(5)
            spin.setRange(0.00001, 50.0)
            spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
            spin.valueChanged.connect(self._schedule_rerun)
            spin.setToolTip(f"The learning rate of {NAMES[name]}")
            label = QLabel(NAMES[name])
            label.setStyleSheet(f"color: {SERIES[i % len(SERIES)].name()}; font-weight: bold")
            rates_form.addRow(label, spin)
            self.rates[name] = spin
        reset = QPushButton("Reset")
        reset.setToolTip("The surface's own start, steps and learning rates")
        reset.clicked.connect(self._apply_surface_defaults)
        replay = QPushButton("Replay")
        replay.setToolTip("Watch the walk again")
        replay.clicked.connect(self.replay)
        buttons = QHBoxLayout()
        buttons.addWidget(reset)
        buttons.addWidget(replay)
        self.surface_note = QLabel()
        self.surface_note.setWordWrap(True)
        self.step_label = QLabel()
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(rates_box)
        side.addLayout(buttons)
        side.addWidget(self.step_label)
        side.addWidget(self.surface_note)
        self.status_label.lines = 0           # below everything else: nothing moves when it changes
        self.status_label.setVisible(False)
        side.addWidget(self.status_label)
        side.addStretch(1)

        # Wide enough for the longest titles ("diverged after 1000 steps"), so that the plots do not
        # change size as the titles change during the walk.
        self.graphics = plot_grid(floor=(3 * 180, 300))
        self.plots: dict[str, pg.PlotItem] = {}
        self.path_items: dict[str, pg.PlotDataItem] = {}
        self._heads: dict[str, pg.ScatterPlotItem] = {}
        self._contour_items: dict[str, list[pg.PlotDataItem]] = {}
        self._start_items: dict[str, pg.ScatterPlotItem] = {}
        self._minimum_items: dict[str, pg.ScatterPlotItem] = {}
        text = text_colour()
        for i, name in enumerate(OPTIMIZERS):
            plot = quiet_plot(self.graphics.addPlot(row=i // 3, col=i % 3))
            colour = SERIES[i % len(SERIES)]
            self._minimum_items[name] = plot.plot(pen=None, symbol="+", symbolSize=14,
                                                  symbolPen=pg.mkPen(text, width=2))
            self._start_items[name] = plot.plot(pen=None, symbol="s", symbolSize=8, symbolBrush=text, symbolPen=None)
            self.path_items[name] = plot.plot(pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4,
                                              symbolBrush=colour, symbolPen=None)
            self._heads[name] = plot.plot(pen=None, symbol="o", symbolSize=11, symbolBrush=colour,
                                          symbolPen=pg.mkPen(text, width=1))
            self._contour_items[name] = []
            self.plots[name] = plot
        theme.signals.changed.connect(self._recolour)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.graphics.setToolTip("Click a plot to start every optimizer from that point")

        body = QHBoxLayout()
        body.addLayout(side, 0)
        body.addWidget(self.graphics, 1)
        self.layout_.addLayout(body, 1)

    def _recolour(self) -> None:
        """The start, the minimum and the walkers' outline are drawn in the text colour of the theme."""
        text = text_colour()
        for name in self.plots:
            self._minimum_items[name].setSymbolPen(pg.mkPen(text, width=2))
            self._start_items[name].setSymbolBrush(text)
            self._heads[name].setSymbolPen(pg.mkPen(text, width=1))
        if self.paths:
            self._draw_frame(self._frame)

    # Choices.
    def _on_surface_chosen(self) -> None:
        self.surface = SURFACES[self.surface_combo.currentData()]
        self._apply_surface_defaults()

    def _apply_surface_defaults(self) -> None:
        surface = self.surface
        self.start_point = None
        for widget in (self.steps, *self.rates.values()):
            widget.blockSignals(True)
        self.steps.setValue(surface.steps)
        for name, spin in self.rates.items():
            spin.setValue(surface.learning_rates[name])
        for widget in (self.steps, *self.rates.values()):
            widget.blockSignals(False)
        self.surface_note.setText(surface.about)
        for plot in self.plots.values():
            plot.setXRange(*surface.x_range, padding=0)
            plot.setYRange(*surface.y_range, padding=0)
        self._draw_contours()
        self.when_shown(self.compute)

    def set_surface(self, key: str) -> None:
        self.surface_combo.setCurrentIndex(self.surface_combo.findData(key))

    def set_start(self, x: float, y: float) -> None:
        self.start_point = (float(x), float(y))
        self.when_shown(self.compute)

    def learning_rates(self) -> dict[str, float]:
        return {name: spin.value() for name, spin in self.rates.items()}

    def _schedule_rerun(self) -> None:
        self.when_shown(self._rerun.start)

    def _on_click(self, event) -> None:
        for plot in self.plots.values():
            if plot.sceneBoundingRect().contains(event.scenePos()):
                point = plot.vb.mapSceneToView(event.scenePos())
                x0, x1 = self.surface.x_range
                y0, y1 = self.surface.y_range
                if x0 <= point.x() <= x1 and y0 <= point.y() <= y1:
                    self.set_start(point.x(), point.y())
                return

    # Computing and drawing.
    def compute(self) -> None:
        self._rerun.stop()
        surface, rates, steps, start = self.surface, self.learning_rates(), self.steps.value(), self.start_point
        need_contours = surface.key not in self._contours

        def job(ctx):
            contours = surface_contours(surface) if need_contours else None
            return surface.key, contours, optimizer_paths(surface, rates, steps, start)

        self.run(job, on_done=self._show_paths)

    def contours(self, name: str) -> list[pg.PlotDataItem]:
        """The contour lines drawn in the plot of optimizer `name`."""
        return list(self._contour_items[name])

    def _draw_contours(self) -> None:
        lines = self._contours.get(self.surface.key)
        pen = pg.mkPen(MUTED, width=1)
        for name, plot in self.plots.items():
            for item in self._contour_items[name]:
                plot.removeItem(item)
            self._contour_items[name] = []
            for x, y in lines or []:
                item = pg.PlotDataItem(x, y, pen=pen, connect="finite")
                item.setZValue(-10)
                plot.addItem(item)
                self._contour_items[name].append(item)
            self._minimum_items[name].setData(*np.array(self.surface.minima).T)

    def _show_paths(self, result) -> None:
        key, contours, paths = result
        if key != self.surface.key:
            return
        if contours is not None:
            self._contours[key] = contours
            self._draw_contours()
        self.paths = paths
        start = next(iter(paths.values())).points[0]
        for name in self.plots:
            self._start_items[name].setData([start[0]], [start[1]])
        self.replay()

    def replay(self) -> None:
        self._frame = 0
        self._animation.start()
        self._advance()

    def _advance(self) -> None:
        if not self.paths:
            self._animation.stop()
            return
        longest = max(p.steps for p in self.paths.values())
        self._draw_frame(self._frame)
        if self._frame >= longest:
            self._animation.stop()
        else:
            self._frame = min(self._frame + int(np.ceil(longest / ANIMATION_FRAMES)), longest)

    def finish_animation(self) -> None:
        """Jump to the end of the walk."""
        self._animation.stop()
        if self.paths:
            self._frame = max(p.steps for p in self.paths.values())
            self._draw_frame(self._frame)

    def animating(self) -> bool:
        return self._animation.isActive()

    def _draw_frame(self, frame: int) -> None:
        text = text_colour().name()
        for name, path in self.paths.items():
            shown = path.points[:frame + 1]
            dots = path.steps <= DOTTED_STEPS      # on long walks the dots would hide the line
            self.path_items[name].setData(shown[:, 0], shown[:, 1], symbol="o" if dots else None)
            self._heads[name].setData(shown[-1:, 0], shown[-1:, 1])
            k = len(shown) - 1
            note = f"diverged after {k} steps" if path.diverged and k == path.steps else f"f = {path.values[k]:.3g}"
            # Two short lines rather than one long one, so the plots can be narrow.
            set_title(self.plots[name], f"<b>{NAMES[name]}</b> · lr {path.lr:g}<br>{note}", color=text, size="9pt")
        self.step_label.setText(f"Step {frame} of {self.steps.value()}")

    def shutdown(self) -> None:
        self._rerun.stop()
        self._animation.stop()
        super().shutdown()
