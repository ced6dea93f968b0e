"""Fine-tuning a trained model on the user's own samples, without making it forget MNIST.

The training set of every epoch is a seeded subset of MNIST's training images in which, digit by
digit, `personal_share` of the images are the user's samples, repeated (oversampled) as often as
needed; with augmentation on, each repetition but the first is a differently shifted, turned and
scaled copy. MNIST's images are left as they are: a model trained on plain MNIST loses test accuracy
when it is fed augmented MNIST (measured: the small MLP fell from 97.2% to 96.1%), and there are
enough of them not to need it. The learning rate is a tenth of the model's own by default, so the
weights move towards the new style without leaving what they knew. A seeded, stratified part of
the personal samples is held out: the accuracy on it, and on the MNIST test set, is measured before
and after, which is how the user sees whether it helped.
The base model is never changed: its network is copied."""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from ..data.augment import Augmentation
from ..data.datasets import Dataset, Split, to_float
from ..nn.optimizers import DEFAULT_LR
from ..storage.model_file import SavedModel
from ..storage.samples import holdout_mask
from .records import TrainConfig, TrainResult
from .trainer import EpochCallback, StepCallback, Trainer


@dataclass(frozen=True)
class FinetuneConfig:
    epochs: int = 3
    lr: float | None = None          # None: a tenth of the rate the base model was trained with
    holdout: float = 0.25            # fraction of each digit's personal samples held out for measuring
    seed: int = 0
    mnist_images: int = 10000        # MNIST training images in each epoch's set
    personal_share: float = 0.2      # for a digit the user has samples of, their share of its images
    batch_size: int = 100
    augment: bool = True

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch size must be at least 1")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr}")
        if not 0 <= self.holdout < 1:
            raise ValueError(f"the held-out fraction must be in [0, 1), got {self.holdout}")
        if not 0 < self.personal_share < 1:
            raise ValueError(f"the personal share must be between 0 and 1, got {self.personal_share}")
        if self.mnist_images < 0:
            raise ValueError(f"the number of MNIST images cannot be negative, got {self.mnist_images}")


@dataclass
class PersonalSplit:
    """Personal samples for training and those held out to measure the effect (float32 in [0, 1])."""
    train: Split
    holdout: Split


def split_personal(x: np.ndarray, t: np.ndarray, holdout: float, seed: int) -> PersonalSplit:
    mask = holdout_mask(t, holdout, seed)
    return PersonalSplit(Split(x[~mask], t[~mask]), Split(x[mask], t[mask]))


@dataclass
class Scores:
    personal: float | None     # accuracy on the held-out personal samples (None: none held out)
    mnist: float               # accuracy on the MNIST test set

    def to_json(self) -> dict:
        return {"personal_holdout": self.personal, "mnist_test": self.mnist}


@dataclass
class FinetuneOutcome:
    result: TrainResult
    before: Scores
    after: Scores | None           # None when the run diverged or took no step
    model: SavedModel | None       # the fine-tuned model (None when not usable)


def mixed_set(personal: Split, mnist: Dataset, config: FinetuneConfig, dtype) -> tuple[np.ndarray, np.ndarray]:
    """A seeded subset of MNIST's training images in which, for each digit the user has samples of,
    `personal_share` of that digit's images are the user's samples, repeated (and augmented) as often
    as needed. Each digit keeps its MNIST frequency: adding a style must not make the network believe
    that digit has become more common (measured: adding flagged 1s on top of MNIST made the small MLP
    read 35 more MNIST 7s as 1s)."""
    rng = np.random.default_rng([config.seed, 0xF1E])
    subset = rng.permutation(len(mnist.train_labels))[:config.mnist_images]
    keep = np.ones(len(subset), bool)
    copies_x, copies_t = [], []
    for digit in np.unique(personal.t):
        mine = personal.x[personal.t == digit].astype(dtype)
        of_digit = np.flatnonzero(mnist.train_labels[subset] == digit)
        wanted = max(len(mine), round(config.personal_share * len(of_digit)))
        keep[of_digit[:min(wanted, len(of_digit))]] = False     # the subset is in random order already
        copies = np.resize(mine, (wanted, mine.shape[1]))          # repeats `mine` row by row
        if config.augment and wanted > len(mine):
            copies[len(mine):] = Augmentation()(copies[len(mine):], np.random.default_rng([config.seed, 0xA06, int(digit)]))
        copies_x.append(copies)
        copies_t.append(np.full(wanted, digit, mnist.train_labels.dtype))
    x = np.concatenate([to_float(mnist.train_images[subset[keep]], dtype), *copies_x])
    t = np.concatenate([mnist.train_labels[subset[keep]], *copies_t])
    return x, t


def base_learning_rate(base: SavedModel, optimizer: str) -> float:
    cfg = base.train_config
    return cfg.learning_rate if cfg is not None and cfg.optimizer == optimizer else DEFAULT_LR[optimizer]


class Finetuning:
    """One fine-tuning run, prepared: a copy of the base network, the mixed training set, a Trainer
    (so stop/pause/callbacks work as in training) judged on the held-out personal samples."""

    def __init__(self, base: SavedModel, personal: PersonalSplit, mnist: Dataset,
                 config: FinetuneConfig = FinetuneConfig(), base_name: str = "model"):
        if len(personal.train) == 0:
            raise ValueError("fine-tuning needs personal samples to train on; label a few drawings first")
        self.base, self.personal, self.config, self.base_name = base, personal, config, base_name
        dtype = base.network.dtype
        x, t = mixed_set(personal.train, mnist, config, dtype)
        optimizer = base.train_config.optimizer if base.train_config else "adam"
        lr = config.lr if config.lr is not None else base_learning_rate(base, optimizer) / 10
        weight_decay = base.train_config.weight_decay if base.train_config else 0.0
        self.train_config = TrainConfig(optimizer=optimizer, lr=lr, batch_size=config.batch_size,
                                        epochs=config.epochs, weight_decay=weight_decay, validation=0,
                                        seed=config.seed, train_eval_size=2000)
        self.mnist_test = Split(to_float(mnist.test_images, dtype), mnist.test_labels)
        holdout = Split(personal.holdout.x.astype(dtype), personal.holdout.t)
        self.trainer = Trainer(copy.deepcopy(base.network), Split(x, t), self.train_config,
                               validation=holdout if len(holdout) else None, test=self.mnist_test)
        self.before: Scores | None = None

    def scores(self, network) -> Scores:
        holdout = self.personal.holdout
        personal = network.accuracy(holdout.x, holdout.t) if len(holdout) else None
        return Scores(personal, network.accuracy(self.mnist_test.x, self.mnist_test.t))

    def measure_before(self) -> Scores:
        if self.before is None:
            self.before = self.scores(self.base.network)
        return self.before

    def run(self, on_step: StepCallback | None = None, on_epoch: EpochCallback | None = None) -> FinetuneOutcome:
        self.measure_before()
        return self.finish(self.trainer.run(on_step=on_step, on_epoch=on_epoch))

    def finish(self, result: TrainResult) -> FinetuneOutcome:
        """Measure the network as the run left it and make it a SavedModel (when it is usable)."""
        before = self.measure_before()
        if not result.usable or self.trainer.step == 0:
            return FinetuneOutcome(result, before, None, None)
        after = self.scores(self.trainer.network)
        return FinetuneOutcome(result, before, after, self._saved_model(after))

    def _saved_model(self, after: Scores) -> SavedModel:
        cfg, trainer = self.config, self.trainer
        record = {"personal_train": len(self.personal.train), "personal_holdout": len(self.personal.holdout),
                  "mnist_images": cfg.mnist_images, "epochs": cfg.epochs,
                  "steps": trainer.step, "lr": self.train_config.learning_rate, "holdout": cfg.holdout,
                  "seed": cfg.seed, "augment": cfg.augment,
                  "before": self.before.to_json(), "after": after.to_json()}
        return SavedModel(trainer.network, self.base.spec, self.train_config, trainer.history, after.mnist,
                          trainer.optimizer, trainer.step, self.base.dataset,
                          {"finetuned_from": self.base_name, "finetune": record})


def finetune(base: SavedModel, personal: PersonalSplit, mnist: Dataset, config: FinetuneConfig = FinetuneConfig(),
             base_name: str = "model", **callbacks) -> FinetuneOutcome:
    """Fine-tune in one call (no pause or stop): for the command line and tests."""
    return Finetuning(base, personal, mnist, config, base_name).run(**callbacks)
