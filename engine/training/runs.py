"""From a ModelSpec, a TrainConfig and a dataset to a Trainer, and from a finished Trainer to a SavedModel."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..nn.builders import ModelSpec
from ..nn.calibration import calibrate
from ..data.datasets import Dataset, Split, to_float, train_validation_split
from ..storage.model_file import SavedModel
from .records import TrainConfig, TrainResult
from .trainer import Trainer


def splits(dataset: Dataset, config: TrainConfig, dtype=np.float32) -> tuple[Split, Split | None, Split]:
    train, validation = train_validation_split(dataset.train_images, dataset.train_labels,
                                               config.validation, config.seed, dtype, config.train_size)
    test = Split(to_float(dataset.test_images, dtype), dataset.test_labels)
    return train, (validation if len(validation) else None), test


def new_trainer(spec: ModelSpec, config: TrainConfig, dataset: Dataset) -> Trainer:
    network = spec.build(config.seed)
    train, validation, test = splits(dataset, config, network.dtype)
    return Trainer(network, train, config, validation, test)


def resume_trainer(saved: SavedModel, dataset: Dataset, epochs: int | None = None) -> Trainer:
    """Continue a saved run where it stopped (optionally for more epochs than first planned)."""
    if saved.train_config is None or saved.optimizer is None:
        raise ValueError("this model file has no training state to resume from")
    config = saved.train_config if epochs is None else replace(saved.train_config, epochs=epochs)
    train, validation, test = splits(dataset, config, saved.network.dtype)
    return Trainer(saved.network, train, config, validation, test,
                   optimizer=saved.optimizer, step=saved.step, history=saved.history)


def to_saved_model(trainer: Trainer, spec: ModelSpec | None, dataset_name: str = "MNIST",
                   notes: dict | None = None, measure_test: bool = True) -> SavedModel:
    """The trained network with its record; its test accuracy is measured here, and its
    temperature fitted on the validation split (engine/nn/calibration.py)."""
    test, validation = trainer.test, trainer.validation
    accuracy = trainer.accuracy(test.x, test.t) if test is not None and measure_test else None
    if validation is not None and len(validation) and measure_test:
        calibrate(trainer.network, validation.x, validation.t)
    return SavedModel(trainer.network, spec, trainer.config, trainer.history, accuracy,
                      trainer.optimizer, trainer.step, dataset_name, dict(notes or {}))


def train(spec: ModelSpec, config: TrainConfig, dataset: Dataset, **callbacks) -> tuple[SavedModel, TrainResult]:
    """Train from scratch in one call (no pause or stop): for scripts and tests."""
    trainer = new_trainer(spec, config, dataset)
    result = trainer.run(**callbacks)
    return to_saved_model(trainer, spec, dataset.name, measure_test=result.usable), result
