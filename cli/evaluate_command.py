"""`evaluate`: accuracy and confusion matrix of a model on the test set."""
from __future__ import annotations

import json

import numpy as np

from engine.errors import EngineError
from engine.data.datasets import load_mnist, to_float
from engine.training.metrics import confusion_matrix
from engine.storage.model_file import load_model

from .options import model_path


def run(args) -> int:
    model = load_model(model_path(args))
    data = load_mnist(args.data)
    if len(data.test_labels) == 0:
        raise EngineError(f"{data.name} has no test images to evaluate on")
    predicted = model.network.predict(to_float(data.test_images, model.network.dtype))
    confusion = confusion_matrix(data.test_labels, predicted, classes=max(data.classes, 10))
    accuracy = float(np.trace(confusion) / confusion.sum())
    if args.json:
        print(json.dumps({"accuracy": accuracy, "n": int(confusion.sum()), "confusion": confusion.tolist()}))
        return 0
    print(f"{model.describe()}\n{data.name} test set: {accuracy:.2%} of {confusion.sum():,} images correct\n")
    width = max(5, len(str(confusion.max())) + 1)
    print("true\\pred" + "".join(f"{c:>{width}}" for c in range(len(confusion))))
    for label, row in enumerate(confusion):
        print(f"{label:>9}" + "".join(f"{v:>{width}}" for v in row))
    return 0
