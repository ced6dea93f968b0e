"""Live prediction: the drawing goes to a worker thread (preprocessing + network), results come
back as signals. Requests that pile up while the worker is busy collapse into the newest one, so
the prediction never lags behind the pen."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.nn.network import Network
from engine.data.preprocess import to_mnist


def read_drawing(network: Network | None, image: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, int]:
    """(probabilities or None when blank, the 28x28 field the network sees, how many digits side by
    side the ink looks like) for a rendered drawing."""
    processed = to_mnist(image)
    if processed.blank or network is None:
        return None, processed.image(), processed.digits
    return network.predict_proba(processed.vector), processed.image(), processed.digits


def predict_drawing(network: Network | None, image: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """(probabilities or None when blank, the 28x28 field the network sees) for a rendered drawing."""
    return read_drawing(network, image)[:2]


class _PredictionWorker(QObject):
    done = Signal(int, object, object, int)

    @Slot(int, object, object)
    def predict(self, revision: int, network: Network | None, image: np.ndarray) -> None:
        self.done.emit(revision, *read_drawing(network, image))


class LivePredictor(QObject):
    """Feeds drawings to a prediction thread; emits `updated` with each fresh result."""

    updated = Signal(int, object, object)   # drawing revision, probabilities (10,) or None, 28x28 field
    counted = Signal(int, int)              # drawing revision, digits side by side (just before `updated`)
    _request = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("prediction")
        self._worker = _PredictionWorker()
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.predict)
        self._worker.done.connect(self._on_done)
        self._thread.start()
        self._busy = False
        self._pending: tuple[int, Network | None, np.ndarray] | None = None

    def request(self, revision: int, network: Network | None, image: np.ndarray) -> None:
        if self._busy:
            self._pending = (revision, network, image)
        else:
            self._busy = True
            self._request.emit(revision, network, image)

    def _on_done(self, revision: int, probabilities, field, digits: int) -> None:
        self._busy = False
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.request(*pending)
        self.counted.emit(revision, digits)
        self.updated.emit(revision, probabilities, field)

    def busy(self) -> bool:
        return self._busy or self._pending is not None

    def shutdown(self) -> None:
        self._thread.quit()
        self._thread.wait(5000)
