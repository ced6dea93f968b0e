"""From a drawing on the canvas and a digit to a personal sample on disk."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.data.preprocess import to_mnist
from engine.storage.samples import Sample, SampleStore

from ..strokes import render_for_network
from .label_bar import LabelBar
from .sample_keeper import SampleKeeper


def keep_drawing(store: SampleStore, digit: int, strokes: list[np.ndarray], pen_width: float) -> Sample:
    """Render and preprocess the strokes exactly as the canvas does for the network, and save."""
    processed = to_mnist(render_for_network(strokes, pen_width))
    if processed.blank:
        raise ValueError("no digit was found in the drawing")
    return store.add(digit, processed.vector, strokes, pen_width)


def sample_count(count: int) -> str:
    return f"{count} sample{'s' if count != 1 else ''}"


def samples_of(count: int, digit: int) -> str:
    return f"{sample_count(count)} of {digit}"


class DrawingLabeller(QObject):
    """Wires the label bar to the Draw tab's canvas: label, clear for the next one, confirm."""

    status = Signal(str)
    error = Signal(str, str)

    def __init__(self, draw_tab, keeper: SampleKeeper, bar: LabelBar, parent: QObject | None = None):
        super().__init__(parent)
        self.draw_tab, self.keeper, self.bar = draw_tab, keeper, bar
        self.canvas = draw_tab.canvas
        bar.labelled.connect(self.label)
        self.canvas.changed.connect(self._update_bar)
        self.canvas.strokeStarted.connect(self._update_bar)
        self._update_bar()

    def _update_bar(self) -> None:
        self.bar.set_drawing_present(not self.canvas.is_blank())

    def label(self, digit: int) -> None:
        if self.canvas.is_blank():
            self.status.emit(f"Draw a {digit} first, then press {digit} to keep it as a sample.")
            return
        strokes, pen_width = self.canvas.strokes(), self.canvas.pen_width()
        probabilities = self.draw_tab.current_probabilities()
        read_as = int(np.argmax(probabilities)) if probabilities.any() else None
        self.canvas.clear()     # ready for the next sample at once; the file is written in a worker

        def saved(sample: Sample) -> None:
            message = f"Saved as a {digit} ({samples_of(int(self.keeper.store.counts()[digit]), digit)})"
            if read_as is not None and read_as != digit:
                message += f"; the network had read it as a {read_as}"
            self.status.emit(message + ".")

        def failed(message: str) -> None:
            if self.canvas.is_blank():
                self.canvas.set_strokes(strokes)
            self.error.emit("Cannot keep the sample",
                            f"{message}\n\nThe drawing is back on the canvas if it was empty.")

        self.keeper.submit(lambda: keep_drawing(self.keeper.store, digit, strokes, pen_width), saved, failed)
