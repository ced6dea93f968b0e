"""The Experiments tab: the book's experiments, one view each, chosen from a list on the left.
A view is built the first time it is shown, so the window opens quickly."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QStackedWidget, QVBoxLayout, QWidget

from ..scrolling import fit_current_page
from .common import ExploreView
from .hyperparameter_view import HyperparameterView
from .init_explorer import InitExplorerView
from .mnist_optimizers import MnistOptimizersView
from .optimizer_playground import OptimizerPlayground
from .regularisation_view import RegularisationView

SETTING = "explore/experiment"


class ExperimentsTab(QWidget):
    def __init__(self, settings: QSettings | None = None, train_tab=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self._factories: list[tuple[str, Callable[[], ExploreView]]] = [
            ("Optimizer playground", OptimizerPlayground),
            ("Optimizers on MNIST", MnistOptimizersView),
            ("Initialisation explorer", InitExplorerView),
            ("Overfitting and regularisation", RegularisationView),
            ("Hyperparameter search", lambda: HyperparameterView(train_tab)),
        ]
        self._views: dict[int, ExploreView] = {}
        self.chooser = QListWidget()
        self.stack = QStackedWidget()
        for title, _ in self._factories:
            self.chooser.addItem(title)
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.stack.addWidget(holder)
        fit_current_page(self.stack)
        widest = max(self.chooser.fontMetrics().horizontalAdvance(title) for title, _ in self._factories)
        self.chooser.setFixedWidth(widest + 32)
        self.chooser.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.stack.currentChanged.connect(self._on_chosen)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.chooser)
        layout.addWidget(self.stack, 1)
        start = int(settings.value(SETTING, 0)) if settings is not None else 0
        self.chooser.setCurrentRow(min(max(start, 0), len(self._factories) - 1))
        self.stack.setCurrentIndex(self.chooser.currentRow())

    def view(self, row: int) -> ExploreView:
        """The view in that row of the list, built now if it was not yet."""
        if row not in self._views:
            view = self._factories[row][1]()
            self.stack.widget(row).layout().addWidget(view)
            self._views[row] = view
        return self._views[row]

    @property
    def playground(self) -> OptimizerPlayground:
        return self.view(0)

    @property
    def mnist_optimizers(self) -> MnistOptimizersView:
        return self.view(1)

    @property
    def init_explorer(self) -> InitExplorerView:
        return self.view(2)

    @property
    def regularisation(self) -> RegularisationView:
        return self.view(3)

    @property
    def hyperparameters(self) -> HyperparameterView:
        return self.view(4)

    def _on_chosen(self, row: int) -> None:
        """The stack shows another view (chosen in the list, or by a script through the stack)."""
        if self.isVisible():
            self.view(row)
        self.chooser.setCurrentRow(row)
        if self.settings is not None:
            self.settings.setValue(SETTING, row)

    def showEvent(self, event) -> None:
        self.view(self.chooser.currentRow())
        super().showEvent(event)

    def show_view(self, view: ExploreView) -> None:
        row = next(i for i, v in self._views.items() if v is view)
        self.chooser.setCurrentRow(row)

    def shutdown(self) -> None:
        for view in self._views.values():
            view.shutdown()
