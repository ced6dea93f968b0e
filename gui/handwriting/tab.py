"""The My handwriting tab: the personal samples on the left, fine-tuning on the right."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ..model_library import ModelLibrary
from ..scrolling import scrolling
from .finetune_panel import FinetunePanel
from .sample_keeper import SampleKeeper
from .samples_panel import SamplesPanel


class HandwritingTab(QWidget):
    status = Signal(str)
    error = Signal(str, str)

    def __init__(self, library: ModelLibrary, keeper: SampleKeeper, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.keeper = keeper
        self.samples = SamplesPanel(keeper, settings)
        self.finetune = FinetunePanel(library, keeper, settings)
        for panel in (self.samples, self.finetune):
            panel.status.connect(self.status)
        self.finetune.error.connect(self.error)
        keeper.failed.connect(self.error)
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.addWidget(self.samples, 1)
        layout.addSpacing(8)
        layout.addWidget(self.finetune, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(page))    # the fine-tuning column is tall: it scrolls in a small window

    def running_work(self) -> str | None:
        """For the window's quit question: the fine-tuning still going, in words."""
        return "fine-tuning on the My handwriting tab" if self.finetune.is_running() else None

    def stop_work(self) -> None:
        self.finetune.stop()

    def shutdown(self) -> None:
        """Stop fine-tuning and wait for it; finish the sample writes still queued."""
        self.finetune.shutdown()
        self.keeper.shutdown()
