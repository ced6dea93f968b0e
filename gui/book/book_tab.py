"""The Book tab: "Deep Learning from Scratch" (Saitoh Koki), chapter by chapter. A tree of chapters
and pages on the left, the chosen page on the right; a page is built the first time it is shown,
so the window opens quickly."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QScrollArea, QStackedWidget, QTreeWidget, QTreeWidgetItem,
                               QWidget)

from ..explore.common import ExploreView
from ..settings import read_text

SETTING = "book/page"
TITLE_ROLE = Qt.ItemDataRole.UserRole


class PageScroller(QScrollArea):
    """A page fills the space there is and scrolls only below its minimum size, rather than forcing the
    window open. (QScrollArea's own resizing gives wrapped text its preferred height, so pages scrolled
    even when they fitted.)"""

    def __init__(self):
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        self.fit()

    def fit(self) -> None:
        page = self.widget()
        if page is not None:
            least, room = page.minimumSizeHint(), self.viewport().size()
            page.resize(max(least.width(), room.width()), max(least.height(), room.height()))


class BookTab(QWidget):
    def __init__(self, chapters: list[tuple[str, list[tuple[str, Callable[[], ExploreView]]]]],
                 settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self._factories: dict[str, Callable[[], ExploreView]] = {}
        self._rows: dict[str, int] = {}
        self._views: dict[str, ExploreView] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(14)
        self.stack = QStackedWidget()
        for chapter, pages in chapters:
            top = QTreeWidgetItem([chapter])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)          # a heading: choosing it shows its first page
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setData(0, TITLE_ROLE, pages[0][0])
            self.tree.addTopLevelItem(top)
            for title, factory in pages:
                if title in self._factories:
                    raise ValueError(f"two pages are called {title!r}")
                item = QTreeWidgetItem([title])
                item.setData(0, TITLE_ROLE, title)
                top.addChild(item)
                self._items[title] = item
                self._factories[title] = factory
                self._rows[title] = self.stack.count()
                self.stack.addWidget(PageScroller())
        self.tree.expandAll()
        metrics = self.tree.fontMetrics()
        widest = max(metrics.horizontalAdvance(self.tree.topLevelItem(i).text(0)) * 1.1
                     for i in range(self.tree.topLevelItemCount()))
        widest = max(widest, max(metrics.horizontalAdvance(t) + 14 for t in self._factories))
        self.tree.setFixedWidth(int(widest) + 28)
        self.tree.currentItemChanged.connect(self._on_item)
        self.tree.itemClicked.connect(lambda item: self.show_page(item.data(0, TITLE_ROLE)))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        layout.addWidget(self.stack, 1)
        start = read_text(settings, SETTING) if settings is not None else ""
        self.show_page(start if start in self._factories else next(iter(self._factories)))

    # Pages.
    def page_titles(self) -> list[str]:
        return list(self._factories)

    def page(self, title: str) -> ExploreView:
        """The page with that title, built now if it was not yet."""
        if title not in self._views:
            view = self._factories[title]()
            self.stack.widget(self._rows[title]).setWidget(view)
            view.setVisible(True)       # else it shows only at the next event loop turn, after a repaint
            self._views[title] = view
        return self._views[title]

    def current_title(self) -> str:
        return self.tree.currentItem().data(0, TITLE_ROLE)

    def show_page(self, title: str) -> None:
        """Choose the page in the tree (it is built when the tab is on screen)."""
        if title not in self._factories:
            raise KeyError(f"the Book has no page {title!r}")
        self.tree.setCurrentItem(self._items[title])

    def _on_item(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        if item.parent() is None:                           # a chapter: go to its first page
            self.show_page(item.data(0, TITLE_ROLE))
            return
        title = item.data(0, TITLE_ROLE)
        if self.isVisible():
            self.page(title)
        self.stack.setCurrentIndex(self._rows[title])
        if self.settings is not None:
            self.settings.setValue(SETTING, title)

    def showEvent(self, event) -> None:
        self.page(self.current_title())
        super().showEvent(event)

    def shutdown(self) -> None:
        for view in self._views.values():
            view.shutdown()
