"""The Draw tab's label bar: "This is a: 0 1 ... 9". A click, or the digit's key while the Draw tab is
shown, keeps the drawing as a personal sample of that digit."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget


class LabelBar(QWidget):
    labelled = Signal(int)     # the digit the user says the drawing is

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        caption = QLabel("This is a:")
        caption.setToolTip("Teach the network your handwriting: say which digit you drew. The drawing is kept "
                           "as a personal sample (see the My handwriting tab) and the canvas clears for the next one.")
        layout.addWidget(caption)
        self.buttons: list[QPushButton] = []
        for digit in range(10):
            button = QPushButton(str(digit))
            button.setToolTip(f"This drawing is a {digit}: keep it as a sample (key {digit})")
            button.setAccessibleName(f"Label as {digit}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # the canvas keeps the keyboard
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            button.setMinimumWidth(28)
            button.clicked.connect(lambda _=False, d=digit: self.labelled.emit(d))
            layout.addWidget(button, 1)
            self.buttons.append(button)
            # A window-wide key, but a shortcut of a hidden widget does not fire: the keys work while
            # the Draw tab is shown, whichever of its widgets has the focus, and nowhere else.
            shortcut = QShortcut(QKeySequence(str(digit)), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda d=digit: self.labelled.emit(d))

    def set_drawing_present(self, present: bool) -> None:
        """The buttons are enabled only when there is something to label (the keys then say so)."""
        for button in self.buttons:
            button.setEnabled(present)
