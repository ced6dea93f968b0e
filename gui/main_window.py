"""The main window: tabs, menus, status bar; it wires the tabs to the shared model library."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget

from engine.errors import EngineError
from engine.storage.paths import user_data_dir

from .appearance import apply_saved_theme, install_view_menu
from .background import threads_running
from .book import book_tabs
from .canvas import redo_keys
from .draw_tab import DrawTab
from .error_report import log_path
from .explore import explore_tabs
from .handwriting import handwriting_tabs
from .help import install_help_menu
from .model_library import ModelLibrary
from .settings import app_settings, settings_warnings
from .train_tab import TrainTab

QUIT_POLL_MS = 100     # while quitting waits for runs to stop so that their models can be saved


class MainWindow(QMainWindow):
    probabilities_shown = Signal(int)    # the canvas revision whose probabilities the window now shows

    def __init__(self):
        super().__init__()
        self.setWindowTitle("ScratchNet")
        self._closing = False
        self.settings = app_settings()
        apply_saved_theme(self.settings)      # before the widgets, so they are built in its colours
        self.library = ModelLibrary(self.settings, self)
        self.draw_tab = DrawTab(self.library, self.settings)
        self.train_tab = TrainTab(self.library, self.settings)
        self.canvas = self.draw_tab.canvas
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.draw_tab, "Draw")
        self.tabs.addTab(self.train_tab, "Train")
        extra = handwriting_tabs(self.library, self.settings, self.draw_tab, self.train_tab) + \
            book_tabs(self.settings, self.canvas, self.train_tab) + explore_tabs(self.library, self.canvas)
        for title, widget in extra:
            self.tabs.addTab(widget, title)
            sender = getattr(widget, "sendToDraw", None)     # a digit to put on the sheet (Inspect)
            if sender is not None:
                sender.connect(self._picture_to_draw)
        self.setCentralWidget(self.tabs)
        for tab in (self.draw_tab, self.train_tab):
            tab.status.connect(self.show_status)
            tab.error.connect(self.show_error)
        self.draw_tab.shown.connect(self.probabilities_shown)
        self._quit_timer = QTimer(self, interval=QUIT_POLL_MS)
        self._quit_timer.timeout.connect(self._quit_when_runs_stopped)
        self._build_menus()
        problems = self.library.load()
        warnings = settings_warnings.take()
        if problems:
            self.show_status("Some models could not be loaded: " + "; ".join(problems))
        elif warnings:
            self.show_status(f"Some settings were not usable, so their defaults apply: {', '.join(warnings)} "
                             f"(the values are in {log_path()})")
        elif self.library.active:
            self.show_status(f"Ready. Model: {self.library.active.summary()}")
        self.resize(1180, 760)
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open model…", self.draw_tab.open_model_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, "&Save model…", self._save_model, QKeySequence.StandardKey.Save).setStatusTip(
            "On the Train tab, the last run's model; elsewhere the model the Draw tab uses")
        file_menu.addSeparator()
        self._action(file_menu, "Open &image…", self._open_image_dialog, QKeySequence("Ctrl+Shift+O"))
        self._action(file_menu, "Save &drawing…", self.draw_tab.images.save_dialog, QKeySequence("Ctrl+Shift+S"))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        # Drawing commands, live only while the Draw tab is shown (Esc must not wipe a drawing
        # from another tab, Ctrl+Z must not undo one).
        undo = self._action(edit_menu, "&Undo", self.canvas.undo, QKeySequence.StandardKey.Undo)
        redo = self._action(edit_menu, "&Redo", self.canvas.redo)
        redo.setShortcuts(redo_keys())
        self._draw_actions = [
            undo, redo,
            self._action(edit_menu, "&Clear canvas", self.canvas.clear, QKeySequence(Qt.Key.Key_Escape)),
            self._action(edit_menu, "&Paste image", self.draw_tab.images.paste, QKeySequence.StandardKey.Paste),
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

    def _save_model(self) -> None:
        if self.tabs.currentWidget() is self.train_tab:
            self.train_tab.save_dialog()
        else:
            self.draw_tab.model_actions.save_dialog()

    def _open_image_dialog(self) -> None:
        self.tabs.setCurrentWidget(self.draw_tab)
        self.draw_tab.images.open_dialog()

    def _picture_to_draw(self, gray: np.ndarray, what: str) -> None:
        self.draw_tab.images.show(gray, what)
        self.tabs.setCurrentWidget(self.draw_tab)

    # Public API (../shared/CONTRACT.md).
    def current_probabilities(self) -> np.ndarray:
        """The ten probabilities the window shows (all zeros while the canvas is blank). It computes
        nothing: after a change of the drawing, wait for probabilities_shown with canvas.revision()."""
        return self.draw_tab.current_probabilities()

    def model_names(self) -> list[str]:
        """The names in the model list, in order."""
        return self.library.names()

    def open_image(self, path) -> bool:
        """What File > Open image does: the image goes onto the canvas and is predicted. False (with
        a message) when the file cannot be read."""
        self.tabs.setCurrentWidget(self.draw_tab)
        return self.draw_tab.images.open(path)

    def pages(self) -> list[str]:
        """The title of every page of every tab that has pages (the Book's, Inspect's), in tab order."""
        return [title for tab, title in self._pages()]

    def show_page(self, title: str) -> None:
        """Bring up the tab that holds the page with that title, and the page in it."""
        for tab, page in self._pages():
            if page == title:
                self.tabs.setCurrentWidget(tab)
                tab.show_page(title)
                return
        raise KeyError(f"no page is called {title!r}; the pages are: {', '.join(self.pages())}")

    def _pages(self) -> list[tuple]:
        tabs = [self.tabs.widget(i) for i in range(self.tabs.count())]
        return [(tab, title) for tab in tabs if hasattr(tab, "page_titles") for title in tab.page_titles()]

    def saliency(self) -> np.ndarray:
        """The current drawing's saliency map, (28, 28) floats: each pixel's ink times the gradient of
        the answer's score (zeros while the canvas is blank)."""
        return self.draw_tab.explainer.saliency()

    # Messages.
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)

    def show_error(self, title: str, message: str) -> None:
        """A window-modal message that does not block the event loop (training and plots go on)."""
        self.statusBar().showMessage(f"{title}: {message.splitlines()[0]}", 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)   # messages quote file names and model records
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("errorDialog")
        box.open()

    # Quitting.
    def _tab_widgets(self) -> list:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def _running_work(self) -> list[str]:
        """What the tabs are still training, in words."""
        return [text for tab in self._tab_widgets() if (text := getattr(tab, "running_work", lambda: None)())]

    def ask_to_save(self, text: str, details: str) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel, asked in a modal dialog."""
        box = QMessageBox(QMessageBox.Icon.Question, "Quit ScratchNet", text,
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard |
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("quitDialog")
        box.setInformativeText(details)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        return QMessageBox.StandardButton(box.exec())

    def _may_close(self) -> bool:
        """Nothing is lost silently: unsaved models and runs still going are saved, discarded, or the
        quit is cancelled, as the user says. Saving a run still going stops it first; the window then
        closes once its model is in (see _quit_when_runs_stopped)."""
        unsaved, running = self.library.unsaved(), self._running_work()
        if not unsaved and not running:
            return True
        folder = user_data_dir() / "models"
        lines = []
        if unsaved:
            lines.append("Not saved: " + ", ".join(e.name for e in unsaved) + ".")
        if running:
            lines.append("Still running: " + "; ".join(running) + ". Save stops it and keeps its model as it is then.")
        lines.append(f"Save puts the models in {folder}, and they are in the model list next time. "
                     "Discard loses them.")
        count = len(unsaved) + len(running)
        answer = self.ask_to_save(f"Save the {'model' if count == 1 else 'models'} made in this session?",
                                  "\n\n".join(lines))
        self._quit_timer.stop()
        if answer == QMessageBox.StandardButton.Discard:
            return True
        if answer != QMessageBox.StandardButton.Save:
            return False
        if running:
            for tab in self._tab_widgets():
                if getattr(tab, "running_work", lambda: None)():
                    tab.stop_work()
            self.show_status("Stopping the runs; their models are saved and the window closes when they are in…")
            self._quit_timer.start()
            return False
        return self._save_unsaved(folder)

    def _quit_when_runs_stopped(self) -> None:
        if self._running_work():
            return
        self._quit_timer.stop()
        if self._save_unsaved(user_data_dir() / "models"):
            self.close()

    def _save_unsaved(self, folder: Path) -> bool:
        try:
            saved = self.library.save_unsaved(folder)
        except EngineError as e:
            self.show_error("Cannot save the models", f"{e}\n\nScratchNet stays open; quit again and choose "
                                                      "Discard to leave without them.")
            return False
        if saved:
            self.show_status(f"Saved {len(saved)} model(s) in {folder}")
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:        # asked again while the first close waits for a step to end
            event.ignore()
            return
        if not self._may_close():
            event.ignore()
            return
        self._closing = True
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.train_tab.form.save()
        if threads_running():
            self.statusBar().showMessage("Closing once the work under way has reached the end of its step…")
            self.statusBar().repaint()
        for i in range(self.tabs.count()):   # every tab with work in a thread stops it and waits
            shutdown = getattr(self.tabs.widget(i), "shutdown", None)
            if shutdown:
                shutdown()
        self.settings.sync()
        super().closeEvent(event)
