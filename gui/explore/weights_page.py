"""What the first layer looks for: each hidden unit's 784 weights as a 28x28 picture (MLP), or the
filters of the first convolution (CNN)."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.experiments.inspection import FirstLayer, first_layer_weights, tile
from engine.nn.network import Network

from .common import WrappedLabel
from .plots import DIVERGING, image_item, image_panel, show_image

EXPLANATION = {
    "affine": "Each square is one hidden unit of the first layer: its 784 weights laid out like the pixels they "
              "multiply. <b>Red</b> pixels push the unit up when there is ink there, <b>blue</b> ones push it down. "
              "Many look like blurry strokes or parts of digits: the patterns the unit learnt to look for.",
    "conv": "Each square is one filter of the first convolution, slid over the whole image: its output is high "
            "where the image has ink under its <b>red</b> weights and none under its <b>blue</b> ones. Trained "
            "filters tend to become detectors of edges and strokes at some angle (figure 7-24 of "
            "<i>Deep Learning from Scratch</i>, Saitoh Koki), though after a short training many still look noisy.",
}


class WeightsPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.weights: FirstLayer | None = None
        self.tiled: np.ndarray | None = None
        self.about = WrappedLabel()
        self.image = image_item(colour_map=DIVERGING)
        self.panel = image_panel(self.image)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.panel, 1)

    def show_network(self, network: Network) -> None:
        self.weights = first_layer_weights(network)
        if self.weights is None:
            self.tiled = None
            self.image.clear()
            self.about.setText("This network's first layer with weights is neither fully connected on the "
                               "pixels nor a convolution, so there is no picture of it.")
            return
        w = self.weights
        # Each picture on its own symmetric scale: units differ a lot in overall size.
        scaled = w.images / np.maximum(np.abs(w.images).max(axis=(1, 2), keepdims=True), 1e-12)
        self.tiled = tile(scaled)
        show_image(self.image, self.tiled, symmetric=True)
        self.panel.getPlotItem().autoRange(padding=0.01)
        count = f"{len(w.images)} hidden units" if w.kind == "affine" else \
            f"{len(w.images)} filters of {w.images.shape[1]}×{w.images.shape[2]}"
        self.about.setText(f"<b>{count}.</b> {EXPLANATION[w.kind]}")
