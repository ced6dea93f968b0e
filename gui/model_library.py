"""The models the app knows: the bundled ones, those trained or fine-tuned in this session, those
opened from disk; one of them is active (the one the Draw tab uses).

Every model that has a file (saved or opened) is remembered in the settings under its name, and so
is the active one, so that the list comes back as it was after a restart."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from engine.storage.model_file import SavedModel, load_model, save_model
from engine.storage.paths import bundled_model

from .settings import read_text

log = logging.getLogger(__name__)

BUNDLED = (("Default CNN", "default_cnn.npz"), ("Small MLP", "small_mlp.npz"))
REMEMBERED_KEY = "models/remembered"     # JSON: [{"name": ..., "path": ...}, ...] in list order
ACTIVE_KEY = "models/active"             # the active entry's key (see ModelEntry.key)


@dataclass(eq=False)
class ModelEntry:
    name: str
    model: SavedModel
    path: Path | None = None     # where it is stored, if anywhere
    origin: str = "file"         # "bundled", "trained", "finetuned" or "file"

    def summary(self) -> str:
        accuracy = self.model.test_accuracy
        acc = f"{accuracy:.2%} on the {self.model.dataset} test set" if accuracy is not None else "test accuracy unknown"
        params = self.model.network.parameter_count()
        return f"{self.model.describe()} · {params:,} weights · {acc}"

    def is_unsaved(self) -> bool:
        """Made in this session and in no file yet: it is lost when the app quits."""
        return self.path is None

    def key(self) -> str | None:
        """What identifies it across restarts (None for a model in no file)."""
        if self.origin == "bundled":
            return f"bundled:{self.name}"
        return f"file:{same_file(self.path)}" if self.path is not None else None


def same_file(path: Path | str) -> Path:
    """A path in the form two paths of one file share."""
    return Path(path).expanduser().resolve()


def file_name_for(name: str) -> str:
    """A model's name as a file name: "Run 2 (14:03)" -> "Run-2-14-03.npz"."""
    return (re.sub(r"[^\w.]+", "-", name).strip("-.") or "model") + ".npz"


class ModelLibrary(QObject):
    entriesChanged = Signal()         # added, removed or renamed
    activeChanged = Signal(object)    # the new active ModelEntry

    def __init__(self, settings: QSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings     # None: nothing is remembered
        self._entries: list[ModelEntry] = []
        self._active = -1

    # Start-up.
    def load(self) -> list[str]:
        """The bundled models, then the remembered files, then the remembered active model (or the
        first); returns the problems met. A remembered file that has gone is forgotten."""
        remembered = self._remembered()      # read before adding the bundled ones rewrites it
        problems = self.load_bundled(activate=False)
        for item in remembered:
            path = Path(item.get("path", ""))
            if self._entry_of_file(path) is not None:
                continue
            try:
                self._insert(ModelEntry(self.unique_name(str(item.get("name") or path.stem)), load_model(path), path))
            except Exception as e:  # noqa: BLE001 - reported to the user, the app carries on
                problems.append(f"{item.get('name') or path.name} ({path}): {e}; it is no longer listed")
        self._remember()
        wanted = read_text(self.settings, ACTIVE_KEY, "") if self.settings is not None else ""
        keys = [e.key() for e in self._entries]
        if self._entries:
            self.set_active(keys.index(wanted) if wanted in keys else 0)
        return problems

    def load_bundled(self, activate: bool = True) -> list[str]:
        """Load the bundled models; returns the problems met (a missing or damaged file)."""
        problems = []
        for name, filename in BUNDLED:
            try:
                self.add(ModelEntry(name, load_model(bundled_model(filename)), bundled_model(filename), "bundled"),
                         activate=activate and self._active < 0)
            except Exception as e:  # noqa: BLE001 - reported to the user, the app carries on
                problems.append(f"{name}: {e}")
        return problems

    # Reading.
    def entries(self) -> list[ModelEntry]:
        return list(self._entries)

    def names(self) -> list[str]:
        return [e.name for e in self._entries]

    @property
    def active(self) -> ModelEntry | None:
        return self._entries[self._active] if self._active >= 0 else None

    def active_index(self) -> int:
        return self._active

    def index_of(self, entry: ModelEntry) -> int:
        return next((i for i, e in enumerate(self._entries) if e is entry), -1)

    def unsaved(self) -> list[ModelEntry]:
        return [e for e in self._entries if e.is_unsaved()]

    def unique_name(self, name: str, ignore: ModelEntry | None = None) -> str:
        """`name`, or "name (2)", "name (3)"... if another entry has it already."""
        taken = {e.name for e in self._entries if e is not ignore}
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name} ({n})"
        return candidate

    # Changes.
    def add(self, entry: ModelEntry, activate: bool = True) -> ModelEntry:
        """Add an entry (its name made unique in the list) and, by default, make it active."""
        entry.name = self.unique_name(entry.name)
        self._insert(entry)
        self._remember()
        if activate:
            self.set_active(len(self._entries) - 1)
        return entry

    def _insert(self, entry: ModelEntry) -> None:
        self._entries.append(entry)
        self.entriesChanged.emit()

    def open_file(self, path: Path | str) -> ModelEntry:
        """Load a model file and make it active; a file already in the list is only made active.
        Raises ModelFileError; the active model is kept then."""
        path = Path(path)
        known = self._entry_of_file(path)
        if known is not None:
            self.set_active(self.index_of(known))
            return known
        return self.add(ModelEntry(path.stem, load_model(path), path, "file"))

    def _entry_of_file(self, path: Path, ignore: ModelEntry | None = None) -> ModelEntry | None:
        target = same_file(path)
        return next((e for e in self._entries
                     if e is not ignore and e.path is not None and same_file(e.path) == target), None)

    def set_active(self, index: int) -> None:
        if not 0 <= index < len(self._entries):
            return
        self._active = index
        entry = self._entries[index]
        if self.settings is not None and entry.key() is not None:
            self.settings.setValue(ACTIVE_KEY, entry.key())
        self.activeChanged.emit(entry)

    def rename(self, entry: ModelEntry, name: str) -> None:
        """Raises ValueError for an empty name or one another entry has."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a model needs a name")
        if name != entry.name and name in self.names():
            raise ValueError(f"another model in the list is called {name!r}")
        entry.name = name
        self._remember()
        if entry is self.active and self.settings is not None and entry.key() is not None:
            self.settings.setValue(ACTIVE_KEY, entry.key())
        self.entriesChanged.emit()

    def remove(self, entry: ModelEntry) -> None:
        """Take an entry off the list (its file, if any, stays on disk). A bundled model cannot be
        removed; when the active one goes, the one before it becomes active."""
        if entry.origin == "bundled":
            raise ValueError(f"{entry.name} comes with ScratchNet and stays in the list")
        index = self.index_of(entry)
        if index < 0:
            return
        was_active = index == self._active
        del self._entries[index]
        if was_active:
            self._active = min(max(index - 1, 0), len(self._entries) - 1)
        elif self._active > index:
            self._active -= 1
        self._remember()
        self.entriesChanged.emit()
        if was_active and self._active >= 0:
            self.set_active(self._active)

    def mark_saved(self, entry: ModelEntry, path: Path | str, name: str | None = None) -> None:
        """The entry's model was saved to `path`: it is remembered from now on, under `name` (by
        default the file's name). An entry of the file it overwrote leaves the list."""
        replaced = self._entry_of_file(Path(path), ignore=entry)
        if replaced is not None and replaced.origin != "bundled":
            self.remove(replaced)
        entry.path = Path(path)
        entry.name = self.unique_name(name or entry.path.stem, ignore=entry)
        self._remember()
        if entry is self.active and self.settings is not None:
            self.settings.setValue(ACTIVE_KEY, entry.key())
        self.entriesChanged.emit()

    def save(self, entry: ModelEntry, path: Path | str, name: str | None = None) -> None:
        """Save the entry's model to `path` (atomically) and remember it; raises EngineError."""
        save_model(path, entry.model)
        self.mark_saved(entry, path, name)

    def save_unsaved(self, folder: Path) -> list[Path]:
        """Save every model in no file yet into `folder`, named after it (never over another file),
        and remember them. Raises EngineError; the models saved before the error stay saved."""
        saved = []
        for entry in self.unsaved():
            path = folder / file_name_for(entry.name)
            n = 1
            while path.exists():
                n += 1
                path = folder / file_name_for(f"{entry.name} {n}")
            self.save(entry, path, entry.name)
            saved.append(path)
        return saved

    # Settings.
    def _remembered(self) -> list[dict]:
        if self.settings is None:
            return []
        try:
            items = json.loads(read_text(self.settings, REMEMBERED_KEY, "[]"))
        except (ValueError, RecursionError):
            log.warning("the remembered model list is damaged; starting with the bundled models")
            return []
        return [i for i in items if isinstance(i, dict) and isinstance(i.get("path"), str) and i["path"]
                and isinstance(i.get("name", ""), str)] if isinstance(items, list) else []

    def _remember(self) -> None:
        if self.settings is None:
            return
        items = [{"name": e.name, "path": str(e.path)} for e in self._entries
                 if e.origin != "bundled" and e.path is not None]
        self.settings.setValue(REMEMBERED_KEY, json.dumps(items))
