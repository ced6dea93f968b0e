"""Architectures by name: an MLP and a small CNN, described by a ModelSpec that model files keep."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from .. import checks
from .init import SCHEMES
from .layers import (ACTIVATIONS, Affine, BatchNorm, Conv2D, Dropout, Flatten, Layer, MaxPool2D,
                     Reshape)
from .network import Network

ARCHITECTURES = ("mlp", "cnn")
DTYPES = ("float32", "float64")
IMAGE_SHAPE = (28, 28, 1)
# Beyond these a network would need gigabytes (and no digit needs them); the layers refuse too.
MAX_WIDTH, MAX_CHANNELS, MAX_BLOCKS = 16384, 1024, 16


@dataclass(frozen=True)
class ModelSpec:
    """Everything that decides a network's shape and its initial weights (not how it is trained)."""
    arch: str = "mlp"                    # "mlp" or "cnn"
    hidden: tuple[int, ...] = (100,)     # MLP hidden layer sizes; CNN: the fully connected layer(s)
    channels: tuple[int, ...] = (16, 32)  # CNN only: filters of the two conv-relu-pool blocks
    kernel: int = 5                      # CNN only
    activation: str = "relu"
    init: str = "he"
    init_std: float = 0.01               # used when init == "std"
    batchnorm: bool = False
    dropout: float = 0.0
    classes: int = 10
    dtype: str = "float32"

    def __post_init__(self):
        checks.choice(self.arch, "architecture", ARCHITECTURES)
        checks.choice(self.activation, "activation", ACTIVATIONS)
        checks.choice(self.init, "initialisation", SCHEMES)
        checks.choice(self.dtype, "number type", DTYPES)
        for field_name, what, most in (("hidden", "hidden layer sizes", MAX_WIDTH),
                                       ("channels", "convolution filters", MAX_CHANNELS)):
            sizes = getattr(self, field_name)
            if not isinstance(sizes, (tuple, list)) or not 1 <= len(sizes) <= MAX_BLOCKS:
                raise ValueError(f"{what}: give from 1 to {MAX_BLOCKS} numbers, got {sizes!r}")
            object.__setattr__(self, field_name, tuple(checks.whole(n, what, 1, most) for n in sizes))
        checks.whole(self.kernel, "the kernel size", 1, IMAGE_SHAPE[0])
        checks.real(self.init_std, "the initial weights' standard deviation", low=0, high=100)   # 0: the book's all-zero start (6.2.1)
        checks.real(self.dropout, "the dropout rate", low=0, below=1)
        checks.whole(self.classes, "the number of classes", 10, 10)
        if not isinstance(self.batchnorm, bool):
            raise ValueError(f"batchnorm is true or false, got {self.batchnorm!r}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ModelSpec:
        """From to_json(); keys it does not know are left out. Raises ValueError for anything else."""
        if not isinstance(data, dict):
            raise ValueError(f"a model spec is a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """A short human name, e.g. "MLP 784-100-10, ReLU, He" or "CNN c16-c32-fc100, ReLU, He" (a kernel
        other than the book's 5x5 is named: "CNN c8-c16-fc300, 3x3, ReLU, He")."""
        if self.arch == "mlp":
            shape = "MLP " + "-".join(str(n) for n in (784, *self.hidden, self.classes))
        else:
            shape = "CNN " + "-".join([f"c{c}" for c in self.channels] + [f"fc{h}" for h in self.hidden])
        extras = [f"{self.kernel}x{self.kernel}"] if self.arch == "cnn" and self.kernel != 5 else []
        extras += [self.activation.capitalize() if self.activation != "relu" else "ReLU",
                  {"he": "He", "xavier": "Xavier"}.get(self.init, f"std {self.init_std:g}")]
        if self.batchnorm:
            extras.append("BatchNorm")
        if self.dropout:
            extras.append(f"dropout {self.dropout:g}")
        return f"{shape}, {', '.join(extras)}"

    def build(self, seed: int | None = 0) -> Network:
        rng = np.random.default_rng(seed)
        layers = mlp_layers(self, rng) if self.arch == "mlp" else cnn_layers(self, rng)
        return Network(layers, input_shape=(784,), dtype=np.dtype(self.dtype))


def _block_tail(spec: ModelSpec, width: int) -> list[Layer]:
    """What follows each hidden affine or conv: [BatchNorm], activation."""
    tail: list[Layer] = [BatchNorm(width)] if spec.batchnorm else []
    return tail + [ACTIVATIONS[spec.activation]()]


def dense_layers(spec: ModelSpec, n_in: int, rng: np.random.Generator) -> list[Layer]:
    """Affine-[BatchNorm]-activation-[Dropout] per hidden layer, then Affine to the classes."""
    layers: list[Layer] = []
    for width in spec.hidden:
        layers += [Affine(n_in, width, spec.init, spec.init_std, rng, bias=not spec.batchnorm),
                   *_block_tail(spec, width)]
        if spec.dropout:
            layers.append(Dropout(spec.dropout))
        n_in = width
    return layers + [Affine(n_in, spec.classes, spec.init, spec.init_std, rng)]


def mlp_layers(spec: ModelSpec, rng: np.random.Generator) -> list[Layer]:
    return dense_layers(spec, 784, rng)


def cnn_layers(spec: ModelSpec, rng: np.random.Generator) -> list[Layer]:
    """(conv-[BatchNorm]-activation-pool) per channel count, then the MLP head on the flattened maps.

    The first convolution is padded to keep 28x28 (the book's "same" convolution), the later ones
    are not, as in the LeNet family: 28 -> pool 14 -> conv 10 -> pool 5 for the default."""
    layers: list[Layer] = [Reshape(IMAGE_SHAPE)]
    shape = IMAGE_SHAPE
    for i, channels in enumerate(spec.channels):
        conv = Conv2D(shape[2], channels, spec.kernel, pad=spec.kernel // 2 if i == 0 else 0,
                      init=spec.init, std=spec.init_std, rng=rng, bias=not spec.batchnorm)
        layers += [conv, *_block_tail(spec, channels), MaxPool2D(2)]
        shape = layers[-1].output_shape(conv.output_shape(shape))
        if min(shape[:2]) < 1:
            raise ValueError(f"too many convolution blocks for 28x28 images (kernel {spec.kernel})")
    return layers + [Flatten()] + dense_layers(spec, shape[0] * shape[1] * shape[2], rng)
