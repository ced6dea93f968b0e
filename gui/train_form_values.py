"""The Train tab form's values: how a text or a stored setting becomes a checked value, and a preset
becomes the form's values."""
from __future__ import annotations

import math

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from engine.training.presets import Preset
from engine.training.records import TrainConfig

MNIST_TRAINING_IMAGES = 60000   # the bundled MNIST's training set, which the app trains on


def images_trained_on(config: TrainConfig) -> int:
    """How many training images a run of these settings learns from (the validation images held out)."""
    available = MNIST_TRAINING_IMAGES - config.validation
    return min(config.train_size, available) if config.train_size else available


def parse_sizes(text: str) -> tuple[int, ...]:
    values = tuple(int(v) for v in text.replace(",", " ").split())
    if not values or min(values) < 1 or max(values) > 4096:
        raise ValueError
    return values


def preset_values(preset: Preset) -> dict:
    """A preset as the form's values."""
    spec, config = preset.spec, preset.config
    return {
        "arch": spec.arch, "hidden": ", ".join(map(str, spec.hidden)), "channels": ", ".join(map(str, spec.channels)),
        "kernel": spec.kernel, "activation": spec.activation, "init": spec.init, "init_std": spec.init_std,
        "batchnorm": spec.batchnorm, "dropout": spec.dropout, "optimizer": config.optimizer, "lr": config.learning_rate,
        "batch_size": config.batch_size, "epochs": config.epochs, "weight_decay": config.weight_decay,
        "label_smoothing": config.label_smoothing, "schedule": config.schedule, "augment": config.augment,
        "validation": config.validation, "train_size": config.train_size or 0, "seed": config.seed,
    }


def as_bool(value) -> bool:
    if value in (True, "true", "True", 1, "1"):
        return True
    if value in (False, "false", "False", 0, "0"):
        return False
    raise ValueError(f"not true or false: {value!r}")


def index_of(combo: QComboBox, value) -> int:
    index = combo.findData(value)
    if index < 0:
        raise ValueError(f"not a choice: {value!r}")
    return index


def sizes_text(value) -> str:
    text = ", ".join(value) if isinstance(value, list) else str(value)   # QSettings splits "16, 32" into a list
    parse_sizes(text)
    return text


def in_range(spin, value):
    """`value` as the spin box's kind of number, if it is one within the box's range."""
    number = float(value)
    integral = not isinstance(spin, QDoubleSpinBox)
    if not math.isfinite(number) or (integral and number != int(number)) \
            or not spin.minimum() <= number <= spin.maximum():
        raise ValueError(f"out of range: {value!r}")
    return int(number) if integral else number
