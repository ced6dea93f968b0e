"""Chapter 7.2-7.4: one filter sliding over your drawing. The window under the filter at one position
is one row of the im2col matrix; that row times the filter is one pixel of the feature map."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QFormLayout, QPushButton, QSlider, QVBoxLayout

from engine.experiments.convolution import FILTERS, convolve, learnt_filters
from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model

from ..spin_box import spin_box
from ..theme import PANEL_BACKGROUND, SECOND, set_background
from ..explore.common import WrappedLabel
from .drawing_page import DrawingPage
from .pictures import PicturePanel

EXPLANATION = (
    "A convolution layer slides a small filter over the image (\"Deep Learning from Scratch\", 7.2): at each "
    "position it multiplies the filter with the pixels under it and adds them up, one pixel of the <b>feature "
    "map</b>, which is bright where the image looks like the filter. The engine does not slide anything: "
    "<b>im2col</b> (7.4.3) copies every window into one row of a matrix (here, one row per output pixel), and "
    "one matrix product with the filter computes the whole map at once. Move the position, play it, or pick "
    "another filter (a hand-made one, or one the bundled CNN learnt).")
LEARNT = "learnt"
FRAME_MS = 25


class ConvolutionPage(DrawingPage):
    def __init__(self, canvas=None, parent=None):
        super().__init__("Convolution on your drawing", EXPLANATION, canvas, None, parent)
        self.trace = None
        self.filter_choice = QComboBox()
        for name in FILTERS:
            self.filter_choice.addItem(name, name)
        self.filter_choice.addItem("learnt by the bundled CNN", LEARNT)
        self.learnt_index = spin_box(1, 32, 1, "Which of the CNN's first-layer filters (5×5)")
        self.stride = spin_box(1, 3, 1, "How far the filter moves each time")
        self.pad = spin_box(0, 3, 1, "Zeros added around the image")
        for widget in (self.learnt_index, self.stride, self.pad):
            widget.valueChanged.connect(lambda *_: self.when_shown(self.refresh, "drawing"))
        self.filter_choice.currentIndexChanged.connect(lambda *_: self.when_shown(self.refresh, "drawing"))
        self.position = QSlider(Qt.Orientation.Horizontal)
        self.position.valueChanged.connect(lambda *_: self._show_position())
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(lambda: self.play())
        form = QFormLayout()
        form.addRow("Filter", self.filter_choice)
        form.addRow("CNN filter", self.learnt_index)
        form.addRow("Stride", self.stride)
        form.addRow("Padding", self.pad)
        form.addRow("Position", self.position)
        form.addRow(self.play_button)
        self.row_text = WrappedLabel()
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.row_text)
        side.addStretch(1)
        self.source_label = WrappedLabel()
        self.graphics = pg.GraphicsLayoutWidget()
        set_background(self.graphics, PANEL_BACKGROUND)      # and again after a change of theme
        # Two by two: at every window size each square picture gets more room than in one row of four.
        self.image_panel = PicturePanel(self.graphics, 0, 0)
        self.filter_panel = PicturePanel(self.graphics, 0, 1)
        self.columns_panel = PicturePanel(self.graphics, 2, 0, square=False)    # 784 rows: stretched
        self.map_panel = PicturePanel(self.graphics, 2, 1)
        self.window_box = pg.RectROI((0, 0), (3, 3), pen=pg.mkPen(SECOND, width=2), movable=False, resizable=False,
                                     rotatable=False)
        self.image_panel.view.addItem(self.window_box)
        self.row_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(SECOND, width=2))
        self.columns_panel.view.addItem(self.row_line)
        for handle in self.window_box.getHandles():
            self.window_box.removeHandle(handle)
        main = QVBoxLayout()
        main.addWidget(self.source_label)
        main.addWidget(self.graphics, 1)
        self.add_body(side, main)
        self._timer = QTimer(self, interval=FRAME_MS)
        self._timer.timeout.connect(self._advance)
        self.start()

    def settings(self):
        return self.filter_choice.currentData(), self.learnt_index.value(), self.stride.value(), self.pad.value()

    def compute(self, network, image, settings):
        choice, index, stride, pad = settings
        if choice == LEARNT:
            kernel = learnt_filters(load_model(bundled_model("default_cnn.npz")).network)[index - 1]
        else:
            kernel = np.array(FILTERS[choice])
        return convolve(image, kernel, stride, pad)

    def show_result(self, trace) -> None:
        self.trace = trace
        self.learnt_index.setEnabled(self.filter_choice.currentData() == LEARNT)
        oh, ow = trace.feature_map.shape
        self.source_label.setText(
            f"On {self.source}: a {trace.size}×{trace.size} filter, stride {trace.stride}, padding {trace.pad}: the "
            f"{trace.padded.shape[0]}×{trace.padded.shape[1]} padded image gives a {oh}×{ow} feature map; im2col "
            f"makes a {trace.columns.shape[0]}×{trace.columns.shape[1]} matrix, one row per output pixel.")
        self.image_panel.show(trace.padded, signed=False, caption=f"padded {trace.padded.shape[0]}×{trace.padded.shape[1]}")
        self.filter_panel.show(trace.kernel, signed=True, caption=f"filter {trace.size}×{trace.size}")
        self.columns_panel.show(trace.columns, signed=False,
                                caption=f"im2col {trace.columns.shape[0]}×{trace.columns.shape[1]}")
        self.window_box.setSize((trace.size, trace.size))
        self.position.blockSignals(True)
        self.position.setRange(0, oh * ow - 1)
        self.position.setValue(min(self.position.value(), oh * ow - 1) if self.position.value() else oh * ow // 2)
        self.position.blockSignals(False)
        self._show_position()

    def _show_position(self) -> None:
        trace = self.trace
        if trace is None:
            return
        oh, ow = trace.feature_map.shape
        k = self.position.value()
        i, j = divmod(k, ow)
        self.window_box.setPos((j * trace.stride, i * trace.stride))
        self.row_line.setValue(trace.row_of(i, j) + 0.5)
        built = np.full(oh * ow, np.nan)
        built[:k + 1] = trace.feature_map.ravel()[:k + 1]
        self.map_panel.show(built.reshape(oh, ow), signed=True,
                            caption=f"feature map {oh}×{ow}")
        self.map_panel.item.setRect(QRectF(0, 0, ow, oh))
        row = trace.columns[trace.row_of(i, j)]
        terms = " + ".join(f"{p:.2f}·{w:.2f}" for p, w in zip(row[:4], trace.kernel.ravel()[:4]))
        self.row_text.setText(f"Position ({i}, {j}) is im2col row {trace.row_of(i, j)}: the {row.size} pixels of "
                              f"the window. Row · filter = {terms} + … = <b>{trace.feature_map[i, j]:.4f}</b>, "
                              "the feature map's pixel there.")

    def play(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.play_button.setText("Play")
            return
        if self.position.value() >= self.position.maximum():
            self.position.setValue(0)
        self.play_button.setText("Pause")
        self._timer.start()

    def _advance(self) -> None:
        if self.trace is None or self.position.value() >= self.position.maximum():
            self._timer.stop()
            self.play_button.setText("Play")
            return
        step = max(1, self.trace.feature_map.shape[1] // 7)
        self.position.setValue(min(self.position.value() + step, self.position.maximum()))
