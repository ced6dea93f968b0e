"""What is on the canvas (strokes, and perhaps a picture under them) and its undo/redo history.

A Drawing is immutable, so the history keeps whole states rather than commands: undoing a Clear or
an opened image is as simple as undoing a stroke, and states share their arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HISTORY_LIMIT = 200    # states kept for Undo; a picture is at most 1 MB and shared between states


@dataclass(frozen=True)
class Drawing:
    strokes: tuple[np.ndarray, ...] = ()     # (n, 2) float32 points in canvas units
    picture: np.ndarray | None = None        # square uint8 gray, dark ink on light paper (gui/picture.py)

    def is_blank(self) -> bool:
        return not self.strokes and self.picture is None

    def with_stroke(self, points: np.ndarray) -> Drawing:
        return Drawing(self.strokes + (points,), self.picture)


class History:
    """The current Drawing, the states before it (Undo) and those undone since (Redo)."""

    def __init__(self):
        self.current = Drawing()
        self._undo: list[Drawing] = []
        self._redo: list[Drawing] = []

    def change(self, drawing: Drawing) -> None:
        self._undo.append(self.current)
        del self._undo[:-HISTORY_LIMIT]
        self._redo.clear()
        self.current = drawing

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self.current)
        self.current = self._undo.pop()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self.current)
        self.current = self._redo.pop()
        return True

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def forget(self) -> None:
        """Start afresh from a blank sheet with nothing to undo."""
        self.current, self._undo, self._redo = Drawing(), [], []
