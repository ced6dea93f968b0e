"""What a run is told (TrainConfig) and what it reports (EpochReport, History, TrainResult)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from ..data.augment import AUGMENTATIONS
from ..nn.optimizers import DEFAULT_LR, OPTIMIZERS
from ..nn.schedules import SCHEDULES


@dataclass(frozen=True)
class TrainConfig:
    """How to train (what to train is a ModelSpec)."""
    optimizer: str = "adam"
    lr: float | None = None          # None: the optimizer's usual rate (DEFAULT_LR)
    batch_size: int = 100
    epochs: int = 5
    weight_decay: float = 0.0
    schedule: str = "constant"       # constant, step or cosine
    step_epochs: int = 2             # "step": multiply the rate by step_gamma every this many epochs
    step_gamma: float = 0.5
    validation: int = 5000           # images held out of the training set
    train_size: int | None = None    # train on only this many of the remaining images (None: all)
    seed: int = 0
    augment: bool = False
    augmentation: str = "basic"      # which set of changes (engine/data/augment.py AUGMENTATIONS)
    eval_test: bool = False          # also measure test accuracy after every epoch
    train_eval_size: int = 10000     # train accuracy is measured on this many training images

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if self.batch_size < 1 or self.epochs < 1:
            raise ValueError("batch size and epochs must be at least 1")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr}")
        if self.train_size is not None and self.train_size < 1:
            raise ValueError(f"the training subset needs at least one image, got {self.train_size}")
        if self.augmentation not in AUGMENTATIONS:
            raise ValueError(f"unknown augmentation {self.augmentation!r}; choose one of {', '.join(AUGMENTATIONS)}")
        if self.weight_decay < 0:
            raise ValueError(f"weight decay cannot be negative, got {self.weight_decay}")

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class EpochReport:
    epoch: int                       # 1-based
    step: int                        # steps taken so far
    loss: float                      # mean training loss over the epoch
    train_accuracy: float
    validation_accuracy: float | None
    test_accuracy: float | None
    seconds: float
    lr: float


@dataclass
class History:
    losses: list[float] = field(default_factory=list)       # one per step
    epochs: list[EpochReport] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"epochs": [asdict(e) for e in self.epochs]}

    @classmethod
    def from_json(cls, data: dict, losses: np.ndarray | None = None) -> History:
        return cls([float(v) for v in (losses if losses is not None else [])],
                   [EpochReport(**e) for e in data.get("epochs", [])])


@dataclass
class TrainResult:
    status: str                      # "finished", "stopped" or "diverged"
    message: str
    step: int
    history: History

    @property
    def usable(self) -> bool:
        """Whether the network's weights are worth keeping (a diverged run's are NaN)."""
        return self.status != "diverged"
