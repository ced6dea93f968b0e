"""The personal samples, per digit, as thumbnails of what the network sees: delete (and undo it),
relabel, export, import (sample folders, IDX folders, image files)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.storage.samples import Sample, SampleStore, is_idx_folder

from ..digit_image import digit_pixmap
from ..labels import WrappedLabel
from ..settings import read_text
from ..picture import image_name_filter
from .image_import import images_in, import_images, import_summary, label_from_name, label_paths
from .labelling import sample_count, samples_of
from .sample_keeper import SampleKeeper

THUMB = 56
ALL = -1


def readable_path(path: Path) -> str:
    """The path with the home folder written as ~, as people read it."""
    try:
        return str(Path("~") / Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)


class SamplesPanel(QWidget):
    status = Signal(str)

    def __init__(self, keeper: SampleKeeper, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.keeper, self.settings = keeper, settings
        self._icons: dict[str, QIcon] = {}
        self._deleted: list[list[Sample]] = []     # batches of deleted samples, for Undo (this session)
        self._build()
        keeper.changed.connect(self.refresh)
        keeper.loaded.connect(self._on_loaded)
        self.refresh()

    @property
    def store(self) -> SampleStore:
        return self.keeper.store

    def _build(self) -> None:
        self.digits = QListWidget()
        self.digits.setIconSize(QSize(28, 28))
        self.digits.setUniformItemSizes(True)
        self.digits.setSpacing(1)
        self.digits.setFixedWidth(170)
        blank = QPixmap(28, 28)
        blank.fill(QColor(0, 0, 0, 0))
        self._no_icon = QIcon(blank)    # keeps every row as tall as those with a thumbnail
        self.digits.setToolTip("Your samples per digit; pick one to see its samples")
        for key in [ALL, *range(10)]:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.digits.addItem(item)
        self.digits.setCurrentRow(0)
        self.digits.currentRowChanged.connect(lambda _: self._fill_thumbnails())

        self.thumbnails = QListWidget()
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMB, THUMB))
        self.thumbnails.setGridSize(QSize(THUMB + 14, THUMB + 26))
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.setUniformItemSizes(True)
        self.thumbnails.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.thumbnails.setToolTip("What the network sees of each sample (28×28). "
                                   "Select some to delete or relabel them.")
        self.thumbnails.itemSelectionChanged.connect(self._update_buttons)
        delete_key = QAction(self.thumbnails)
        delete_key.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence(Qt.Key.Key_Backspace)])
        delete_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.triggered.connect(self.delete_selected)
        self.thumbnails.addAction(delete_key)

        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected samples (Del)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.relabel_button = QPushButton("Relabel as…")
        self.relabel_button.setToolTip("Say the selected samples are another digit")
        relabel_menu = QMenu(self.relabel_button)
        for digit in range(10):
            relabel_menu.addAction(str(digit), lambda d=digit: self.relabel_selected(d))
        self.relabel_button.setMenu(relabel_menu)
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setToolTip("Bring back the samples deleted last (Ctrl+Z here)")
        self.undo_button.clicked.connect(self.undo_delete)
        undo_key = QAction(self)
        undo_key.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        undo_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo_key.triggered.connect(self.undo_delete)
        self.addAction(undo_key)
        import_button = QPushButton("Import…")
        import_button.setToolTip("Add samples from elsewhere; samples already here are skipped")
        import_menu = QMenu(import_button)
        import_menu.addAction("Image files (PNG, JPEG…)…", self.image_files_dialog).setToolTip(
            "A file's digit comes from its name (7.png, 7_b.png) or its folder's (7/x.png)")
        import_menu.addAction("A folder: samples, IDX files or images…", self.import_dialog)
        import_menu.setToolTipsVisible(True)
        import_button.setMenu(import_menu)
        self.export_button = QPushButton("Export to IDX…")
        self.export_button.setToolTip("Write the samples as MNIST-style IDX files into a folder: a quarter of each "
                                      "digit's samples go to the test files, as fine-tuning holds them out. The folder "
                                      "loads with --data, with finetune --samples, and with Import.")
        self.export_button.clicked.connect(self.export_dialog)
        self.summary = WrappedLabel("Loading your samples…")

        actions = QHBoxLayout()
        actions.addWidget(self.delete_button)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.relabel_button)
        actions.addStretch(1)
        actions.addWidget(import_button)
        actions.addWidget(self.export_button)
        lists = QHBoxLayout()
        lists.addWidget(self.digits)
        lists.addWidget(self.thumbnails, 1)
        box = QGroupBox("My samples")
        inner = QVBoxLayout(box)
        inner.addWidget(self.summary)
        inner.addLayout(lists, 1)
        inner.addLayout(actions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        self._update_buttons()

    # Showing.
    def _icon(self, sample) -> QIcon:
        icon = self._icons.get(sample.id)
        if icon is None:
            icon = self._icons[sample.id] = QIcon(digit_pixmap(sample.vector, THUMB))
        return icon

    def selected_digit(self) -> int:
        item = self.digits.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ALL

    def _on_loaded(self, problems: list) -> None:
        if problems:
            self.status.emit(f"{len(problems)} damaged sample file(s) skipped: {problems[0]}")
        self.refresh()

    def refresh(self) -> None:
        if not self.keeper.is_loaded:
            return
        counts = self.store.counts()
        samples = self.store.samples()
        self.summary.setText(f"{sample_count(len(samples))} in {readable_path(self.store.folder)}" if samples
                             else "No samples yet. Draw a digit in the Draw tab and press its key (or a button "
                                  "under the canvas) to keep it here.")
        latest = {s.label: s for s in samples}
        for row in range(self.digits.count()):
            item = self.digits.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            if key == ALL:
                item.setText(f"All digits: {len(samples)}")
                item.setIcon(self._no_icon)
            else:
                item.setText(f"{key}:  {sample_count(int(counts[key]))}")
                item.setIcon(self._icon(latest[key]) if key in latest else self._no_icon)
        self._fill_thumbnails()

    def _fill_thumbnails(self) -> None:
        digit = self.selected_digit()
        selected = {item.data(Qt.ItemDataRole.UserRole) for item in self.thumbnails.selectedItems()}
        samples = sorted(self.store.samples(None if digit == ALL else digit), key=lambda s: s.label)
        self.thumbnails.setUpdatesEnabled(False)
        self.thumbnails.clear()
        for sample in samples:
            item = QListWidgetItem(self._icon(sample), str(sample.label))
            item.setData(Qt.ItemDataRole.UserRole, sample.id)
            item.setToolTip(f"A {sample.label}, {sample.source} {sample.created[:16].replace('T', ' ')} UTC")
            self.thumbnails.addItem(item)
            item.setSelected(sample.id in selected)
        self.thumbnails.setUpdatesEnabled(True)
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.thumbnails.selectedItems()]

    def _update_buttons(self) -> None:
        chosen = bool(self.thumbnails.selectedItems())
        self.delete_button.setEnabled(chosen)
        self.relabel_button.setEnabled(chosen)
        self.undo_button.setEnabled(bool(self._deleted))
        self.export_button.setEnabled(self.keeper.is_loaded and len(self.store) > 0)

    # Changing.
    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return

        deleted: list[Sample] = []     # filled in the worker, read on the GUI thread once it is done

        def work():
            for sample_id in ids:
                sample = self.store.get(sample_id)
                self.store.delete(sample_id)
                deleted.append(sample)

        def done(_):
            self._deleted.append(deleted)
            self.status.emit(f"Deleted {sample_count(len(ids))}. “Undo delete” (Ctrl+Z) brings them back.")

        def failed(message: str):
            if deleted:                    # those deleted before the failure can still come back
                self._deleted.append(deleted)
            self.keeper.failed.emit("Cannot delete the samples", message)
            self.refresh()
        self.keeper.submit(work, done, failed)

    def undo_delete(self) -> None:
        if not self._deleted or self.keeper.busy():
            return
        batch = self._deleted.pop()

        def work():
            for sample in batch:
                self.store.restore(sample)
        self.keeper.submit(work, lambda _: self.status.emit(f"Brought back {sample_count(len(batch))}."),
                           title="Cannot bring the samples back")

    def relabel_selected(self, digit: int) -> None:
        ids = self.selected_ids()
        if not ids:
            return

        def work():
            for sample_id in ids:
                self.store.relabel(sample_id, digit)

        def done(_):
            self.status.emit(f"Relabelled {sample_count(len(ids))} as {digit} "
                             f"(now {samples_of(int(self.store.counts()[digit]), digit)}).")
        self.keeper.submit(work, done, title="Cannot relabel the samples")

    def _choose_folder(self, title: str, setting: str) -> str:
        folder = QFileDialog.getExistingDirectory(self, title, read_text(self.settings, setting))
        if folder:
            self.settings.setValue(setting, folder)
        return folder

    def export_dialog(self) -> None:
        folder = self._choose_folder("Export the samples as IDX files into a folder", "paths/samples_export")
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str) -> None:
        def done(counts):
            train, test = counts
            self.status.emit(f"Exported {train} training and {test} test samples to {folder} as IDX files.")
        self.keeper.submit(lambda: self.store.export_idx(folder), done, title="Cannot export the samples")

    def import_dialog(self) -> None:
        folder = self._choose_folder("Import a samples folder, an IDX folder or a folder of images",
                                     "paths/samples_import")
        if folder:
            self.import_from(folder)

    def image_files_dialog(self) -> None:
        start = str(self.settings.value("paths/samples_images", ""))
        paths, _ = QFileDialog.getOpenFileNames(self, "Import image files as samples (7.png, 7_b.png, 7/x.png…)",
                                                start, image_name_filter())
        if not paths:
            return
        self.settings.setValue("paths/samples_images", str(Path(paths[0]).parent))
        unlabelled = [p for p in paths if label_from_name(Path(p)) is None]
        digit = None
        if unlabelled:
            choice, ok = QInputDialog.getItem(
                self, "Which digit?", f"{len(unlabelled)} of the images have no digit in their name "
                f"(such as 7.png or 7_b.png).\nWhich digit are they? (Cancel skips them.)",
                [str(d) for d in range(10)], 0, False)
            digit = int(choice) if ok else None
        self.import_images(paths, digit)

    def import_images(self, paths: list, digit_for_unlabelled: int | None = None) -> None:
        """Image files as samples, labelled by their names (or `digit_for_unlabelled`; else skipped)."""
        labelled, skipped = label_paths(paths, digit_for_unlabelled)
        self.keeper.submit(lambda: import_images(self.store, labelled),
                           lambda report: self.status.emit(import_summary(report, f"{len(paths)} image file(s)",
                                                                          skipped)),
                           title="Cannot import the images")

    def import_from(self, folder: str) -> None:
        path = Path(folder)
        if path.is_dir() and not any(path.glob("*.npz")) and not is_idx_folder(path):
            images = images_in(path)
            if images:
                self.import_images(images)
                return
        self.keeper.submit(lambda: self.store.import_from(folder),
                           lambda report: self.status.emit(import_summary(report, folder)),
                           title="Cannot import the samples")
