"""Word-wrapped labels that are as tall as their text, for layouts inside scroll areas."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class WrappedLabel(QLabel):
    """A word-wrapped label exactly as tall as its text at its current width (a plain QLabel asks
    for the height it would need at a much narrower width, leaving gaps around the text)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def hasHeightForWidth(self) -> bool:
        # Its size hint already follows its width. Claiming a height for width would make a scroll
        # area around it size the whole page by the preferred heights of its plots.
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.heightForWidth(event.size().width()) != event.size().height():
            self.updateGeometry()


class StatusLine(WrappedLabel):
    """A wrapped line of text that always keeps room for `lines` lines, so that what is below it does
    not move when its text changes from one line to two (or from nothing to something)."""

    def __init__(self, text: str = "", lines: int = 2, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.lines = lines

    def reserved(self) -> int:
        margins = self.contentsMargins()
        return self.lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.reserved()))

    def resizeEvent(self, event) -> None:
        QLabel.resizeEvent(self, event)
        if max(self.heightForWidth(event.size().width()), self.reserved()) != event.size().height():
            self.updateGeometry()
