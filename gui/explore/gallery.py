"""A wrapping grid of test digits with captions: true label, the network's answer, its confidence.
A digit can be enlarged (double-click) or sent to the Draw tab's sheet (right-click)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from engine.experiments.inspection import TestPredictions

from ..digit_image import digit_pixmap

ICON = 56
ENLARGED = 280


class EnlargedDigit(QDialog):
    """One test digit at ten times its size, with what the network made of it."""

    def __init__(self, image: np.ndarray, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(caption.splitlines()[0])
        picture = QLabel()
        picture.setPixmap(digit_pixmap(image, ENLARGED))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(caption)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.draw_button = buttons.addButton("Open on the Draw tab", QDialogButtonBox.ButtonRole.ActionRole)
        self.draw_button.setToolTip("Put this digit on the sheet, to draw over it and see the answer change")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(picture)
        layout.addWidget(text)
        layout.addWidget(buttons)


class DigitGallery(QListWidget):
    sendToDraw = Signal(object, str)     # the 28x28 uint8 image (ink bright), what it is

    def __init__(self, parent=None):
        super().__init__(parent)
        self._images: np.ndarray | None = None
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemDoubleClicked.connect(lambda item: self.enlarge(item.data(Qt.ItemDataRole.UserRole)))
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
        self._images = images
        predicted = predictions.predicted
        for index in indices[:limit]:
            index = int(index)
            probs = predictions.probabilities[index]
            true, guess = int(predictions.labels[index]), int(predicted[index])
            text = f"{true} → {guess}\n{probs[guess]:.0%}" if true != guess else f"{true}\n{probs[guess]:.0%}"
            item = QListWidgetItem(QIcon(digit_pixmap(images[index], ICON)), text)
            top = np.argsort(-probs)[:3]
            item.setToolTip(f"Test image #{index}: a {true}, read as {guess}.\n" +
                            "\n".join(f"{d}: {probs[d]:.1%}" for d in top) +
                            "\nDouble-click to enlarge; right-click to open it on the Draw tab.")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.addItem(item)

    def _item_of(self, index: int) -> QListWidgetItem | None:
        return next((self.item(i) for i in range(self.count()) if self.item(i).data(Qt.ItemDataRole.UserRole) == index),
                    None)

    def image(self, index: int) -> np.ndarray:
        """Test image `index` as 28x28 uint8, ink bright."""
        return np.asarray(self._images[index]).reshape(28, 28)

    def describe(self, index: int) -> str:
        item = self._item_of(index)
        return item.toolTip().rsplit("\n", 1)[0] if item is not None else f"Test image #{index}"

    def send(self, index: int) -> None:
        self.sendToDraw.emit(self.image(index), f"Test image #{index}")

    def enlarge(self, index: int) -> EnlargedDigit:
        dialog = EnlargedDigit(self.image(index), self.describe(index), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.draw_button.clicked.connect(lambda: (self.send(index), dialog.accept()))
        dialog.open()
        return dialog

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        index = item.data(Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        menu.addAction("Enlarge", lambda: self.enlarge(index))
        menu.addAction("Open on the Draw tab", lambda: self.send(index))
        menu.exec(self.viewport().mapToGlobal(pos))

    def indices(self) -> list[int]:
        """The test-image indices shown, in order."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]
