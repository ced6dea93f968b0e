"""The test digits the active model gets wrong, the most confidently wrong first."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.experiments.inspection import TestPredictions

from .common import WrappedLabel
from .gallery import DigitGallery

EXPLANATION = (
    "Every test digit the network misreads, the ones it was surest about first. Under each: the true digit, an "
    "arrow, what the network read, and how sure it was. Hover over a digit for its three most likely readings. "
    "Some are honest mistakes; many are digits a person would hesitate over too.")
LIMIT = 500


class MistakesPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel()
        self.gallery = DigitGallery()
        layout = QVBoxLayout(self)
        layout.addWidget(WrappedLabel(EXPLANATION))
        layout.addWidget(self.title)
        layout.addWidget(self.gallery, 1)

    def clear(self, message: str) -> None:
        self.gallery.clear()
        self.title.setText(message)

    def show_predictions(self, predictions: TestPredictions, images: np.ndarray) -> None:
        wrong = predictions.mistakes()
        more = f" (the first {LIMIT} shown)" if len(wrong) > LIMIT else ""
        self.title.setText(f"<b>{len(wrong):,} mistakes</b> among {len(predictions.labels):,} test images{more}.")
        self.gallery.show_digits(wrong, images, predictions, limit=LIMIT)
