from __future__ import annotations

import numpy as np


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[true, predicted]."""
    return np.bincount(np.asarray(labels) * classes + np.asarray(predicted),
                       minlength=classes * classes).reshape(classes, classes)
