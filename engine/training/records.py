"""What a run is told (TrainConfig) and what it reports (EpochReport, History, TrainResult)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .. import checks
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
    schedule: str = "constant"       # one of SCHEDULES (engine/nn/schedules.py)
    step_epochs: int = 2             # "step": multiply the rate by step_gamma every this many epochs
    step_gamma: float = 0.5
    warmup: float = 0.25             # "warmup_cosine", "onecycle": the fraction of the run rising to the full rate
    label_smoothing: float = 0.0
    validation: int = 5000           # images held out of the training set
    train_size: int | None = None    # train on only this many of the remaining images (None: all)
    seed: int = 0
    augment: bool = False
    augmentation: str = "basic"      # which set of changes (engine/data/augment.py AUGMENTATIONS)
    eval_test: bool = False          # also measure test accuracy after every epoch
    train_eval_size: int = 10000     # train accuracy is measured on this many training images
    validation_eval_size: int | None = None   # and validation accuracy on this many held-out ones (None: all)

    def __post_init__(self):
        checks.choice(self.optimizer, "optimizer", OPTIMIZERS)
        checks.choice(self.schedule, "schedule", SCHEDULES)
        checks.whole(self.batch_size, "the batch size", 1, 1_000_000)
        checks.whole(self.epochs, "the number of epochs", 1, 100_000)
        if self.lr is not None:
            checks.real(self.lr, "the learning rate", above=0)
        checks.real(self.weight_decay, "the weight decay", low=0)
        checks.whole(self.step_epochs, "the epochs between learning-rate steps", 1, 100_000)
        checks.real(self.step_gamma, "the learning-rate step factor", above=0, high=1)
        checks.whole(self.validation, "the number of validation images", 0, 10 ** 9)
        if self.train_size is not None:
            checks.whole(self.train_size, "the training subset", 1, 10 ** 9)
        checks.whole(self.seed, "the seed", 0, 2 ** 63 - 1)
        checks.whole(self.train_eval_size, "the images train accuracy is measured on", 0, 10 ** 9)
        for name in ("augment", "eval_test"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} is true or false, got {getattr(self, name)!r}")
        checks.real(self.warmup, "the warm-up (a fraction of the run)", low=0, high=1)
        checks.real(self.label_smoothing, "label smoothing", low=0, below=1)
        if self.validation_eval_size is not None:
            checks.whole(self.validation_eval_size, "the images validation accuracy is measured on", 1, 10 ** 9)
        checks.choice(self.augmentation, "augmentation", AUGMENTATIONS)

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainConfig:
        """From to_json(); keys it does not know are left out. Raises ValueError for anything else."""
        if not isinstance(data, dict):
            raise ValueError(f"a training configuration is a JSON object, got {type(data).__name__}")
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

    @classmethod
    def from_json(cls, data: dict) -> EpochReport:
        """From asdict(); raises ValueError for a missing field or a value of the wrong kind."""
        if not isinstance(data, dict):
            raise ValueError(f"an epoch's report is a JSON object, got {type(data).__name__}")
        try:
            values = {f.name: data[f.name] for f in fields(cls)}
        except KeyError as e:
            raise ValueError(f"an epoch's report has no {e.args[0]!r}") from None
        for name in ("epoch", "step"):
            checks.whole(values[name], f"an epoch's {name}", 0)
        for name in ("loss", "train_accuracy", "validation_accuracy", "test_accuracy", "seconds", "lr"):
            value = values[name]
            if value is None and name.endswith("accuracy") and name != "train_accuracy":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"an epoch's {name.replace('_', ' ')} must be a number, got {value!r}")
        return cls(**values)


@dataclass
class History:
    losses: list[float] = field(default_factory=list)       # one per step
    epochs: list[EpochReport] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"epochs": [asdict(e) for e in self.epochs]}

    @classmethod
    def from_json(cls, data: dict, losses: np.ndarray | None = None) -> History:
        if not isinstance(data, dict) or not isinstance(data.get("epochs", []), list):
            raise ValueError("a history is a JSON object with a list of epochs")
        return cls([float(v) for v in (losses if losses is not None else [])],
                   [EpochReport.from_json(e) for e in data.get("epochs", [])])


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
