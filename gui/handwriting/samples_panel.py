"""The personal samples, per digit, as thumbnails of what the network sees: delete, relabel, export, import."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.storage.samples import SampleStore

from ..digit_image import digit_pixmap
from ..labels import WrappedLabel
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
        import_button = QPushButton("Import…")
        import_button.setToolTip("Add the samples of another samples folder, or of a folder of IDX files "
                                 "(such as an export); samples already here are skipped")
        import_button.clicked.connect(self.import_dialog)
        self.export_button = QPushButton("Export to IDX…")
        self.export_button.setToolTip("Write the samples as MNIST-style IDX files into a folder: a quarter of each "
                                      "digit's samples go to the test files, as fine-tuning holds them out. The folder "
                                      "loads with --data, with finetune --samples, and with Import.")
        self.export_button.clicked.connect(self.export_dialog)
        self.summary = WrappedLabel("Loading your samples…")

        actions = QHBoxLayout()
        actions.addWidget(self.delete_button)
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
        self.export_button.setEnabled(self.keeper.is_loaded and len(self.store) > 0)

    # Changing.
    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return

        def work():
            for sample_id in ids:
                self.store.delete(sample_id)
        self.keeper.submit(work, lambda _: self.status.emit(f"Deleted {sample_count(len(ids))}."),
                           title="Cannot delete the samples")

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
        folder = QFileDialog.getExistingDirectory(self, title, str(self.settings.value(setting, "")))
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
        folder = self._choose_folder("Import samples from a samples folder or an IDX folder", "paths/samples_import")
        if folder:
            self.import_from(folder)

    def import_from(self, folder: str) -> None:
        def done(report):
            message = f"Imported {sample_count(report.added)} from {folder}"
            if report.duplicates:
                message += f"; {report.duplicates} already here were skipped"
            if report.problems:
                message += f"; {len(report.problems)} damaged file(s) skipped"
            self.status.emit(message + ".")
        self.keeper.submit(lambda: self.store.import_from(folder), done, title="Cannot import the samples")
