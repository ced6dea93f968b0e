"""Named settings that train a good network in a known time: a network and a run shaped for the budget.

"quick" is sized to pass 99% test accuracy in under 15 seconds of training on one engine thread (the
app's setting on two cores), "best" to pass 99.5% within 3 minutes; bench/time_to_accuracy.py
measures them, seed by seed, and the quick one against PyTorch (docs/performance.md has the figures)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..nn.builders import ModelSpec
from .records import TrainConfig


@dataclass(frozen=True)
class Preset:
    label: str
    spec: ModelSpec
    config: TrainConfig

    def with_seed(self, seed: int) -> tuple[ModelSpec, TrainConfig]:
        return self.spec, replace(self.config, seed=seed)


# Few channels and 3x3 kernels (the convolutions take most of a step: a 3x3 one costs 9/25 of a
# 5x5), a wide dense layer (cheap, and it is what lifts two epochs above 99%), Adam with a one-cycle
# rate that rises for the first quarter of the run to a high peak, label smoothing, small batches
# (more steps in the same time), and every training image: none held out for validation.
PRESETS = {
    "quick": Preset("Quick CNN",
                    ModelSpec(arch="cnn", channels=(8, 16), kernel=3, hidden=(300,)),
                    TrainConfig(optimizer="adam", lr=0.01, batch_size=64, epochs=2, schedule="onecycle",
                                warmup=0.25, label_smoothing=0.1, validation=0)),
    # Twice the channels, and augmented images (made in child processes, beside the training thread)
    # so that ten epochs keep improving on the test set.
    "best": Preset("Best",
                   ModelSpec(arch="cnn", channels=(16, 32), kernel=3, hidden=(256,)),
                   TrainConfig(optimizer="adam", lr=0.005, batch_size=64, epochs=10, schedule="onecycle",
                               warmup=0.25, label_smoothing=0.1, validation=0, augment=True)),
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
