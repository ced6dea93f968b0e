"""Named settings that train a good network in a known time: a network and a run shaped for the budget.

"quick" is sized to pass 99% test accuracy in about 15 seconds of training on one engine thread (the
app's setting on two cores; 11-20 s on the machines measured), "best" to pass 99.5% in about 3
minutes; bench/time_to_accuracy.py measures them, seed by seed, against PyTorch."""
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


# Few channels (the first convolution runs on every pixel, the second on 16 times as many pairs of
# channels), Adam with a one-cycle rate that rises for the first quarter of the run to a high peak,
# small batches (more steps in the same time), and every training image: none held out for validation.
PRESETS = {
    "quick": Preset("Quick CNN",
                    ModelSpec(arch="cnn", channels=(8, 16), kernel=5, hidden=(100,)),
                    TrainConfig(optimizer="adam", lr=0.01, batch_size=64, epochs=2, schedule="onecycle",
                                warmup=0.25, validation=0)),
    # Twice the channels, and augmented images (made in child processes, beside the training thread)
    # so that ten epochs keep improving on the test set.
    "best": Preset("Best",
                   ModelSpec(arch="cnn", channels=(16, 32), kernel=5, hidden=(128,)),
                   TrainConfig(optimizer="adam", lr=0.005, batch_size=64, epochs=10, schedule="onecycle",
                               warmup=0.25, validation=0, augment=True)),
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
