"""The models the app knows: the bundled ones, those trained in this session, those opened from
disk; one of them is active (the one the Draw tab uses)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.storage.model_file import SavedModel, load_model
from engine.storage.paths import bundled_model

BUNDLED = (("Default CNN", "default_cnn.npz"), ("Small MLP", "small_mlp.npz"))


@dataclass
class ModelEntry:
    name: str
    model: SavedModel
    path: Path | None = None     # where it is stored, if anywhere
    origin: str = "file"         # "bundled", "trained" or "file"

    def summary(self) -> str:
        accuracy = self.model.test_accuracy
        acc = f"{accuracy:.2%} on the {self.model.dataset} test set" if accuracy is not None else "test accuracy unknown"
        params = self.model.network.parameter_count()
        return f"{self.model.describe()} · {params:,} weights · {acc}"


class ModelLibrary(QObject):
    entriesChanged = Signal()
    activeChanged = Signal(object)    # the new active ModelEntry

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._entries: list[ModelEntry] = []
        self._active = -1

    def load_bundled(self) -> list[str]:
        """Load the bundled models; returns the problems met (a missing or damaged file)."""
        problems = []
        for name, filename in BUNDLED:
            try:
                self.add(ModelEntry(name, load_model(bundled_model(filename)), bundled_model(filename), "bundled"),
                         activate=self._active < 0)
            except Exception as e:  # noqa: BLE001 - reported to the user, the app carries on
                problems.append(f"{name}: {e}")
        return problems

    def entries(self) -> list[ModelEntry]:
        return list(self._entries)

    @property
    def active(self) -> ModelEntry | None:
        return self._entries[self._active] if self._active >= 0 else None

    def active_index(self) -> int:
        return self._active

    def add(self, entry: ModelEntry, activate: bool = True) -> ModelEntry:
        # A model trained again, or a file opened again, replaces its older entry.
        for i, old in enumerate(self._entries):
            if old.name == entry.name and old.origin == entry.origin:
                self._entries[i] = entry
                break
        else:
            self._entries.append(entry)
        self.entriesChanged.emit()
        if activate:
            self.set_active(self._entries.index(entry))
        return entry

    def open_file(self, path: Path | str) -> ModelEntry:
        """Load a model file and make it active. Raises ModelFileError; the active model is kept then."""
        path = Path(path)
        return self.add(ModelEntry(path.name, load_model(path), path, "file"))

    def set_active(self, index: int) -> None:
        if 0 <= index < len(self._entries) and index != self._active:
            self._active = index
            self.activeChanged.emit(self._entries[index])
        elif index == self._active and index >= 0:
            self.activeChanged.emit(self._entries[index])
