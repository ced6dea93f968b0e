"""A wrapping grid of test digits with captions: true label, the network's answer, its confidence."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

from engine.experiments.inspection import TestPredictions

from ..digit_image import digit_pixmap

ICON = 56


class DigitGallery(QListWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(QSize(ICON + 28, ICON + 40))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)

    def show_digits(self, indices: np.ndarray, images: np.ndarray, predictions: TestPredictions,
                    limit: int = 300) -> None:
        """The test images at `indices` (uint8 rows of `images`), at most `limit` of them."""
        self.clear()
        predicted = predictions.predicted
        for index in indices[:limit]:
            index = int(index)
            probs = predictions.probabilities[index]
            true, guess = int(predictions.labels[index]), int(predicted[index])
            text = f"{true} → {guess}\n{probs[guess]:.0%}" if true != guess else f"{true}\n{probs[guess]:.0%}"
            item = QListWidgetItem(QIcon(digit_pixmap(images[index], ICON)), text)
            top = np.argsort(-probs)[:3]
            item.setToolTip(f"Test image #{index}: a {true}, read as {guess}.\n" +
                            "\n".join(f"{d}: {probs[d]:.1%}" for d in top))
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.addItem(item)

    def indices(self) -> list[int]:
        """The test-image indices shown, in order."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]
