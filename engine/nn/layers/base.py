"""What every layer shares: trainable parameters and the forward/backward protocol (book 5.4)."""
from __future__ import annotations

import numpy as np

# The largest layer ScratchNet builds (4096x4096 weights is 2**24): a larger one, asked for by a typo
# or a hostile model file, would need gigabytes before anything could say it is too large.
MAX_LAYER_WEIGHTS = 2 ** 24


def check_weight_count(kind: str, count: int) -> None:
    """Refuse, before allocating, a layer of more than MAX_LAYER_WEIGHTS weights."""
    if count > MAX_LAYER_WEIGHTS:
        raise ValueError(f"{kind} of {count:,} weights is larger than ScratchNet builds "
                         f"(at most {MAX_LAYER_WEIGHTS:,})")


class Parameter:
    """A trainable array and the gradient backward() writes for it."""

    def __init__(self, value: np.ndarray, name: str = "W", decay: bool = True):
        self.value = value
        self.name = name
        self.grad = np.zeros_like(value)
        # L2 weight decay is meant for weights; biases and BatchNorm's scale and shift are exempt.
        self.decay = decay

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape


class Layer:
    """One step of a network. forward() caches what backward() needs, but only when training,
    so inference never writes to the layer and may run from several threads at once."""

    # The network clears this on its first layer with weights: the images need no gradient, and
    # computing it would cost as much as that layer's forward pass. Saliency sets it again.
    input_grad: bool = True

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        return self.forward(x, train)

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        return []

    def buffers(self) -> list[np.ndarray]:
        """Arrays that are part of the model's state but not trained by gradients."""
        return []

    def config(self) -> dict:
        """Constructor arguments, as JSON, to rebuild this layer from a model file."""
        return {}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one sample's output (no batch axis) for one sample's input shape."""
        return input_shape

    def cast(self, dtype: np.dtype) -> None:
        for p in self.parameters():
            p.value = p.value.astype(dtype)
            p.grad = np.zeros_like(p.value)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"
