"""The main window: tabs, menus, status bar; it wires the tabs to the shared model library."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget

from .appearance import apply_saved_theme, install_view_menu
from .draw_tab import DrawTab
from .explore import explore_tabs
from .handwriting import handwriting_tabs
from .help import install_help_menu
from .model_library import ModelLibrary
from .settings import app_settings
from .train_tab import TrainTab


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.setWindowTitle("ScratchNet")
        self.settings = app_settings()
        apply_saved_theme(self.settings)      # before the widgets, so they are built in its colours
        self.library = ModelLibrary(self)
        self.draw_tab = DrawTab(self.library, self.settings)
        self.train_tab = TrainTab(self.library, self.settings)
        self.canvas = self.draw_tab.canvas
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.draw_tab, "Draw")
        self.tabs.addTab(self.train_tab, "Train")
        extra = handwriting_tabs(self.library, self.settings, self.draw_tab, self.train_tab) + \
            explore_tabs(self.library, self.settings, self.canvas, self.train_tab)
        for title, widget in extra:
            self.tabs.addTab(widget, title)
        self.setCentralWidget(self.tabs)
        for tab in (self.draw_tab, self.train_tab):
            tab.status.connect(self.show_status)
            tab.error.connect(self.show_error)
        self._build_menus()
        problems = self.library.load_bundled()
        if problems:
            self.show_status("Some bundled models could not be loaded: " + "; ".join(problems))
        elif self.library.active:
            self.show_status(f"Ready. Model: {self.library.active.summary()}")
        self.resize(1180, 760)
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open model…", self.draw_tab.open_model_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, "&Save model…", self.train_tab.save_dialog, QKeySequence.StandardKey.Save)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        # Drawing commands, live only while the Draw tab is shown (Esc must not wipe a drawing
        # from another tab).
        self._draw_actions = [
            self._action(edit_menu, "&Undo stroke", self.canvas.undo, QKeySequence.StandardKey.Undo),
            self._action(edit_menu, "&Clear canvas", self.canvas.clear, QKeySequence(Qt.Key.Key_Escape)),
        ]
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.theme_actions = install_view_menu(self, self.settings)
        self.help_actions = install_help_menu(self)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _on_tab_changed(self, index: int) -> None:
        for action in self._draw_actions:
            action.setEnabled(self.tabs.widget(index) is self.draw_tab)

    # Public API (../shared/CONTRACT.md).
    def current_probabilities(self) -> np.ndarray:
        """The ten probabilities the window shows (all zeros while the canvas is blank)."""
        return self.draw_tab.current_probabilities()

    # Messages.
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)

    def show_error(self, title: str, message: str) -> None:
        """A window-modal message that does not block the event loop (training and plots go on)."""
        self.statusBar().showMessage(f"{title}: {message.splitlines()[0]}", 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("errorDialog")
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.train_tab.form.save()
        for i in range(self.tabs.count()):   # every tab with work in a thread stops it and waits
            shutdown = getattr(self.tabs.widget(i), "shutdown", None)
            if shutdown:
                shutdown()
        self.settings.sync()
        super().closeEvent(event)
