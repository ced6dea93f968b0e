"""Saving, renaming and removing the models of the list (a ⋯ button beside the model picker)."""
from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMenu, QMessageBox, QToolButton, QWidget

from engine.errors import EngineError
from engine.storage.paths import user_data_dir

from .model_library import ModelEntry, ModelLibrary, file_name_for
from .settings import read_text


class ModelSaver(QObject):
    """Saving a model of the list to a file the user picks (the Draw tab's menu, the Train tab's button)."""
    status = Signal(str)
    error = Signal(str, str)

    def __init__(self, library: ModelLibrary, settings: QSettings, window: QWidget):
        super().__init__(window)
        self.library, self.settings, self.window = library, settings, window

    def save_dialog(self, entry: ModelEntry | None = None) -> None:
        """Save `entry` (the active one by default) to a file the user picks."""
        entry = entry or self.library.active
        if entry is None:
            return
        folder = Path(read_text(self.settings, "paths/save", str(user_data_dir() / "models")))
        with contextlib.suppress(OSError):   # a folder that cannot be made: the dialog starts elsewhere
            folder.mkdir(parents=True, exist_ok=True)
        path, _ = QFileDialog.getSaveFileName(self.window, f"Save {entry.name}", str(folder / file_name_for(entry.name)),
                                              "ScratchNet models (*.npz)")
        if path:
            self.save(entry, path)

    def save(self, entry: ModelEntry, path: str | Path) -> bool:
        """Save and remember it under the file's name; on failure, say why."""
        try:
            self.library.save(entry, path)
        except EngineError as e:
            self.error.emit("Cannot save the model", str(e))
            return False
        self.settings.setValue("paths/save", str(Path(path).parent))
        self.status.emit(f"Saved {entry.name} to {path}; it will be in the list next time too.")
        return True


class ModelActions(ModelSaver):
    """Save, rename, remove: the ⋯ button's menu, for the active model."""

    def __init__(self, library: ModelLibrary, settings: QSettings, window: QWidget):
        super().__init__(library, settings, window)
        self.button = QToolButton()
        self.button.setText("⋯")
        self.button.setToolTip("Save the model, rename it, or take it off the list")
        self.button.setAccessibleName("Model actions")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.save_action = menu.addAction("Save as…", lambda: self.save_dialog())
        self.rename_action = menu.addAction("Rename…", lambda: self.rename())
        self.remove_action = menu.addAction("Remove from the list", lambda: self.remove())
        menu.aboutToShow.connect(self._update)
        self.button.setMenu(menu)
        library.activeChanged.connect(lambda _: self._update())
        self._update()

    def _update(self) -> None:
        entry = self.library.active
        self.save_action.setEnabled(entry is not None)
        self.rename_action.setEnabled(entry is not None)
        bundled = entry is not None and entry.origin == "bundled"
        self.remove_action.setEnabled(entry is not None and not bundled)
        self.remove_action.setToolTip("The models that come with ScratchNet stay in the list" if bundled else
                                      "The file, if it has one, stays on disk")

    def rename(self, entry: ModelEntry | None = None, name: str | None = None) -> bool:
        """Rename `entry` (the active one by default) to `name`, asked for when not given."""
        entry = entry or self.library.active
        if entry is None:
            return False
        if name is None:
            name, ok = QInputDialog.getText(self.window, "Rename the model", "Name in the model list:",
                                            QLineEdit.EchoMode.Normal, entry.name)
            if not ok:
                return False
        old = entry.name
        try:
            self.library.rename(entry, name)
        except ValueError as e:
            self.error.emit("Cannot rename the model", f"{e}.\n\nIt keeps its name {old!r}.")
            return False
        self.status.emit(f"{old} is now called {entry.name}.")
        return True

    def remove(self, entry: ModelEntry | None = None, confirm: bool = True) -> bool:
        """Take `entry` (the active one by default) off the list; a model in no file is lost then,
        so that is asked first."""
        entry = entry or self.library.active
        if entry is None:
            return False
        if confirm and entry.is_unsaved():
            answer = QMessageBox.question(
                self.window, "Remove an unsaved model?",
                f"{entry.name} is in no file: removing it from the list loses it.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return False
        try:
            self.library.remove(entry)
        except ValueError as e:
            self.error.emit("Cannot remove the model", str(e))
            return False
        kept = f" (its file {entry.path} stays on disk)" if entry.path is not None else ""
        self.status.emit(f"Removed {entry.name} from the list{kept}.")
        return True
