"""`evaluate`: accuracy, confusion matrix and calibration of a model on the test set."""
from __future__ import annotations

import json
import sys

import numpy as np

from engine.data.datasets import load_mnist, to_float, train_validation_split
from engine.errors import EngineError
from engine.nn.calibration import expected_calibration_error, fit_temperature, logits, probabilities_at
from engine.storage.model_file import load_model, save_model
from engine.training.metrics import confusion_matrix

from .options import model_path


def validation_temperature(model, data) -> float | None:
    """The temperature fitted on the validation split the model was trained without (None if its
    record does not say which images those were)."""
    config = model.train_config
    if config is None or config.validation == 0:
        return None
    _, validation = train_validation_split(data.train_images, data.train_labels, config.validation, config.seed,
                                           model.network.dtype)
    return fit_temperature(logits(model.network, validation.x), validation.t)


def run(args) -> int:
    path = model_path(args)
    model = load_model(path)
    data = load_mnist(args.data)
    if len(data.test_labels) == 0:
        raise EngineError(f"{data.name} has no test images to evaluate on")
    scores = logits(model.network, to_float(data.test_images, model.network.dtype))
    confusion = confusion_matrix(data.test_labels, scores.argmax(axis=1), classes=max(data.classes, 10))
    accuracy = float(np.trace(confusion) / confusion.sum())
    stored = model.network.temperature
    temperature = validation_temperature(model, data) if stored is None or args.calibrate else stored
    if args.calibrate:
        if temperature is None:
            raise EngineError("the model's record does not say which training images were held out for "
                              "validation, so there is nothing to fit its temperature on")
        model.network.temperature = temperature
        save_model(path, model)
    before = expected_calibration_error(probabilities_at(scores, None), data.test_labels)
    after = None if temperature is None else expected_calibration_error(probabilities_at(scores, temperature),
                                                                         data.test_labels)
    if args.json:
        print(json.dumps({"accuracy": accuracy, "n": int(confusion.sum()), "confusion": confusion.tolist(),
                          "ece_before": before, "ece_after": after, "temperature": temperature,
                          "temperature_stored": model.network.temperature is not None}))
        return 0
    print(f"{model.describe()}\n{data.name} test set: {accuracy:.2%} of {confusion.sum():,} images correct\n")
    width = max(5, len(str(confusion.max())) + 1)
    print("true\\pred" + "".join(f"{c:>{width}}" for c in range(len(confusion))))
    for label, row in enumerate(confusion):
        print(f"{label:>9}" + "".join(f"{v:>{width}}" for v in row))
    print(f"\nExpected calibration error: {before:.2%} as trained", end="")
    if temperature is None:
        print(" (no validation split known to calibrate on)")
    else:
        where = "saved in the model" if model.network.temperature is not None else \
            "fitted on the validation split now; --calibrate saves it"
        print(f", {after:.2%} with temperature {temperature:.3f} ({where})")
    if args.calibrate:
        print(f"Saved the temperature into {path}", file=sys.stderr)
    return 0
