"""Live prediction: the drawing goes to a worker thread (preprocessing + network), results come
back as signals. Requests that pile up while the worker is busy collapse into the newest one, so
the prediction never lags behind the pen."""
from __future__ import annotations

import logging
import traceback

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.nn.network import Network
from engine.data.preprocess import to_mnist

from .background import keep_until_finished, wait_for

log = logging.getLogger(__name__)


def read_drawing(network: Network | None, image: np.ndarray, drawing: bool = False
                 ) -> tuple[np.ndarray | None, np.ndarray, int]:
    """(probabilities or None when blank, the 28x28 field the network sees, how many digits side by
    side the ink looks like) for a rendered drawing (`drawing`: strokes alone, no picture under them)."""
    processed = to_mnist(image, drawing)
    if processed.blank or network is None:
        return None, processed.image(), processed.digits
    return network.predict_proba(processed.vector), processed.image(), processed.digits


class _PredictionWorker(QObject):
    done = Signal(int, object, object, int)
    failed = Signal(int, str)

    @Slot(int, object, object, bool)
    def predict(self, revision: int, network: Network | None, image: np.ndarray, drawing: bool) -> None:
        try:
            with np.errstate(all="ignore"):
                probabilities, field, digits = read_drawing(network, image, drawing)
            if probabilities is not None and not np.all(np.isfinite(probabilities)):
                raise ValueError("the model's scores overflow (NaN or infinite)")
        except Exception as e:  # noqa: BLE001 - any failure is reported, and the next drawing is tried again
            log.warning("a prediction failed:\n%s", traceback.format_exc())
            self.failed.emit(revision, f"{type(e).__name__}: {e}" if not isinstance(e, ValueError) else str(e))
        else:
            self.done.emit(revision, probabilities, field, digits)


class LivePredictor(QObject):
    """Feeds drawings to a prediction thread; emits `updated` with each fresh result."""

    updated = Signal(int, object, object)   # drawing revision, probabilities (10,) or None, 28x28 field
    failed = Signal(int, str)               # drawing revision, why the model could not read it
    counted = Signal(int, int)              # drawing revision, digits side by side (just before `updated`)
    _request = Signal(int, object, object, bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("prediction")
        self._worker = _PredictionWorker()
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.predict)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        keep_until_finished(self._thread, self._worker)
        self._thread.start()
        self._busy = False
        self._pending: tuple[int, Network | None, np.ndarray, bool] | None = None

    def request(self, revision: int, network: Network | None, image: np.ndarray, drawing: bool = False) -> None:
        """Read `image` (`drawing`: the canvas's strokes alone, every one meant) with `network`."""
        if self._busy:
            self._pending = (revision, network, image, drawing)
        else:
            self._busy = True
            self._request.emit(revision, network, image, drawing)

    def _on_done(self, revision: int, probabilities, field, digits: int) -> None:
        self._next()
        self.counted.emit(revision, digits)
        self.updated.emit(revision, probabilities, field)

    def _next(self) -> None:
        """The worker is free again (whether it succeeded or not): send it the newest request."""
        self._busy = False
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.request(*pending)

    def _on_failed(self, revision: int, message: str) -> None:
        self._next()
        self.failed.emit(revision, message)

    def busy(self) -> bool:
        return self._busy or self._pending is not None

    def shutdown(self) -> None:
        self._thread.quit()
        wait_for(self._thread)
