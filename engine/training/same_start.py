"""What two runs share at their start: which settings differ, whether the networks start from the
same weights, and whether the steps see the same batches, so that a comparison of two runs can say
what it compares.

Every random choice of a run comes from its seed: the initial weights from ModelSpec.build(seed),
drawn layer by layer in order; the validation split, each epoch's order of images and each step's
dropout generator from TrainConfig.seed (engine/data/batches.py). So two runs with one seed start
alike as far as their settings let them: another optimizer, learning rate or schedule changes
nothing at the start; BatchNorm changes the architecture but not the weights drawn for the affine
and convolution layers (their biases, which start at 0, go); He against Xavier draws the same
numbers and scales them differently; other layer sizes draw other numbers."""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..nn.builders import ModelSpec
from .records import TrainConfig

# Settings that do nothing unless another says so: (setting, the condition under which it counts).
_ONLY_IF = {
    "channels": lambda spec, config: spec.arch == "cnn",
    "kernel": lambda spec, config: spec.arch == "cnn",
    "init_std": lambda spec, config: spec.init == "std",
    "step_epochs": lambda spec, config: config.schedule == "step",
    "step_gamma": lambda spec, config: config.schedule == "step",
}

# How the settings are called on screen, where the field's name would not do.
NAMES = {"arch": "network", "hidden": "hidden layers", "channels": "conv filters", "init": "initialisation",
         "init_std": "init std", "batchnorm": "BatchNorm", "lr": "learning rate", "train_size": "training images",
         "validation": "validation images", "augment": "augmentation"}


@dataclass(frozen=True)
class Difference:
    setting: str                 # a field of ModelSpec or TrainConfig, e.g. "optimizer"
    before: object
    after: object

    def __str__(self) -> str:
        return f"{NAMES.get(self.setting, self.setting.replace('_', ' '))} {_shown(self.before)} → {_shown(self.after)}"


def _shown(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return "-".join(str(v) for v in value)
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def differences(a: tuple[ModelSpec, TrainConfig], b: tuple[ModelSpec, TrainConfig]) -> list[Difference]:
    """The settings in which run b differs from run a, those that cannot matter left out (a CNN's
    filters in two MLPs); the learning rate as used, whether it was given or the optimizer's own."""
    found = []
    for part, kind in ((0, ModelSpec), (1, TrainConfig)):
        for f in fields(kind):
            before, after = getattr(a[part], f.name), getattr(b[part], f.name)
            if f.name == "lr":
                before, after = a[1].learning_rate, b[1].learning_rate
            counts = _ONLY_IF.get(f.name)
            if counts is not None and not (counts(*a) or counts(*b)):
                continue
            if before != after:
                found.append(Difference(f.name, before, after))
    return found


def initial_weights(spec_a: ModelSpec, spec_b: ModelSpec, seed: int) -> str:
    """How the weight matrices of the affine and convolution layers compare at the start, both
    networks built with `seed`: "same", "rescaled" (the same draws, each layer's scaled by its own
    factor) or "different". The rest starts at constants (biases 0, BatchNorm's scale 1 and shift 0)."""
    first, second = (_weights(spec, seed) for spec in (spec_a, spec_b))
    if [w.shape for w in first] != [w.shape for w in second]:
        return "different"
    if all(np.array_equal(u, v) for u, v in zip(first, second)):
        return "same"
    if all(_proportional(u, v) for u, v in zip(first, second)):
        return "rescaled"
    return "different"


def _weights(spec: ModelSpec, seed: int) -> list[np.ndarray]:
    return [p.value for p in spec.build(seed).parameters() if p.name == "W"]


def _proportional(u: np.ndarray, v: np.ndarray) -> bool:
    u, v = u.astype(np.float64).ravel(), v.astype(np.float64).ravel()
    k = np.flatnonzero(u)[:1]
    return len(k) > 0 and np.allclose(v, u * (v[k] / u[k]), rtol=1e-5, atol=0)


def batches(config_a: TrainConfig, config_b: TrainConfig) -> str:
    """How the two runs' batches compare: "same" (the same images in every step), "regrouped" (the
    same images in the same order, cut into batches of another size) or "different" (another seed,
    or another training set: the validation split and the subset change which images are trained on)."""
    if (config_a.seed, config_a.validation, config_a.train_size) != \
            (config_b.seed, config_b.validation, config_b.train_size):
        return "different"
    return "same" if config_a.batch_size == config_b.batch_size else "regrouped"


@dataclass(frozen=True)
class SameStart:
    differences: list[Difference]
    weights: str                 # as initial_weights()
    batches: str                 # as batches()
    augmented: tuple[bool, bool]

    def summary(self) -> str:
        """One sentence or two, e.g. "optimizer adam → sgd. Same initial weights, same batches."."""
        changed = "; ".join(str(d) for d in self.differences) or "no setting"
        weights = {"same": "same initial weights",
                   "rescaled": "the same random initial weights, scaled differently",
                   "different": "different initial weights"}[self.weights]
        order = {"same": "same batches", "regrouped": "the same images in the same order, in other batch sizes",
                 "different": "different batches"}[self.batches]
        if self.batches == "same" and self.augmented == (True, True):
            order += " (augmented alike)"
        elif self.augmented[0] != self.augmented[1]:
            order += ", one run augmented"
        return f"{changed[0].upper()}{changed[1:]}. {weights[0].upper()}{weights[1:]}, {order}."


def compare(a: tuple[ModelSpec, TrainConfig], b: tuple[ModelSpec, TrainConfig]) -> SameStart:
    """What run b shares with run a at the start, and where it differs."""
    seed_weights = initial_weights(a[0], b[0], a[1].seed) if a[1].seed == b[1].seed else "different"
    return SameStart(differences(a, b), seed_weights, batches(a[1], b[1]), (a[1].augment, b[1].augment))
