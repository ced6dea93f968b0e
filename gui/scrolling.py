"""Pages that scroll rather than cut themselves off when the window is smaller than they need."""
from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QSizePolicy, QStackedWidget, QTabWidget, QWidget


def scrolling(widget: QWidget) -> QScrollArea:
    """A frameless scroll area around a page: the page gets at least the room it needs (its minimum
    size) and scroll bars appear when the window is smaller than that, instead of cutting it off."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def fit_current_page(pages: QStackedWidget | QTabWidget) -> None:
    """Let a stack of pages ask only for the room its current page needs. A stack asks for the
    largest minimum of all its pages, so one tall hidden page would make every page scroll."""
    def follow(current: int) -> None:
        for index in range(pages.count()):
            page = pages.widget(index)
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
            page.updateGeometry()

    pages.currentChanged.connect(follow)
    follow(pages.currentIndex())
