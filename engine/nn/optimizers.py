"""Gradient-descent update rules (book 6.1), sorted in order of increasing complexity.

The base class owns the loop over the parameters and L2 weight decay; each subclass only says how
one array is updated from its gradient, on the state the paper names (Adam's m and v, ...)."""
from __future__ import annotations

import numpy as np

from .layers import Parameter

# Where a gradient stays zero (a dead unit, a pixel blank in every image) the kept averages shrink
# geometrically and after some hundreds of steps reach float32's subnormal range, where arithmetic
# is about a hundred times slower. Every this many steps such values are set to exactly 0.
FLUSH_EVERY = 100


class Optimizer:
    """Updates parameters in place from their gradients."""
    # Names of the per-parameter arrays a rule keeps between steps (saved with the model).
    slots: tuple[str, ...] = ()

    def __init__(self, params: list[Parameter], lr: float, weight_decay: float = 0.0):
        self.params = list(params)
        self.lr = lr
        self.weight_decay = weight_decay
        self.t = 0  # steps taken
        self.state = {name: [np.zeros_like(p.value) for p in self.params] for name in self.slots}

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.params):
            grad = p.grad
            if self.weight_decay and p.decay:
                # The L2 penalty (lambda/2)*||W||^2 added to the loss (book 6.4.2) adds lambda*W to the gradient.
                grad = grad + self.weight_decay * p.value
            self.update(p.value, grad, *(self.state[name][i] for name in self.slots))
        if self.t % FLUSH_EVERY == 0:
            for arrays in self.state.values():
                for array in arrays:
                    array[np.abs(array) < np.finfo(array.dtype).tiny] = 0

    def update(self, w: np.ndarray, g: np.ndarray, *state: np.ndarray) -> None:
        """Change w in place, given its gradient g and the rule's state arrays (in `slots` order)."""
        raise NotImplementedError

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The kept arrays, one per slot and parameter, by "slot/index" (for the model file)."""
        return {f"{name}/{i}": array for name, arrays in self.state.items() for i, array in enumerate(arrays)}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], t: int) -> None:
        """Take over state_arrays() of a run, which continues from step t."""
        for name, kept in self.state.items():
            for i, array in enumerate(kept):
                saved = arrays[f"{name}/{i}"]
                if saved.shape != array.shape:
                    raise ValueError(f"optimizer state {name}/{i} has shape {saved.shape}, expected {array.shape}")
                np.copyto(array, saved)
        self.t = t

    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "weight_decay": self.weight_decay}


class SGD(Optimizer):
    """Stochastic gradient descent (book 6.1.2): w -= lr * g."""

    def update(self, w, g):
        w -= self.lr * g


class Momentum(Optimizer):
    """SGD with momentum (Polyak 1964; book 6.1.4): v = m*v - lr*g; w += v."""
    slots = ("v",)

    def __init__(self, params, lr, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = momentum

    def update(self, w, g, v):
        v *= self.momentum
        v -= self.lr * g
        w += v

    def hyperparameters(self):
        return {**super().hyperparameters(), "momentum": self.momentum}


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (Nesterov 1983), as reformulated by Bengio et al. 2012 (arXiv:1212.0901)."""

    def update(self, w, g, v):
        m = self.momentum
        v *= m
        v -= self.lr * g
        w += m * m * v - (1 + m) * self.lr * g


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011; book 6.1.5): h += g*g; w -= lr * g / (sqrt(h) + eps)."""
    slots = ("h",)
    eps = 1e-7

    def update(self, w, g, h):
        h += g * g
        w -= self.lr * g / (np.sqrt(h) + self.eps)


class RMSProp(AdaGrad):
    """RMSProp (Tieleman & Hinton 2012): AdaGrad with an exponentially decaying sum of squares."""

    def __init__(self, params, lr, decay: float = 0.99, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.decay = decay

    def update(self, w, g, h):
        h *= self.decay
        h += (1 - self.decay) * g * g
        w -= self.lr * g / (np.sqrt(h) + self.eps)

    def hyperparameters(self):
        return {**super().hyperparameters(), "decay": self.decay}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014, arXiv:1412.6980; book 6.1.6), Algorithm 1 with bias-corrected moments."""
    slots = ("m", "v")

    def __init__(self, params, lr, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def update(self, w, g, m, v):
        b1, b2, t = self.beta1, self.beta2, self.t
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def hyperparameters(self):
        return {**super().hyperparameters(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov,
    "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam,
}

# The book's learning rates for each rule (chapter 6), a sensible start for MNIST.
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01, "rmsprop": 0.001, "adam": 0.001}


def make_optimizer(name: str, params: list[Parameter], lr: float | None = None,
                   weight_decay: float = 0.0) -> Optimizer:
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}") from None
    return cls(params, lr=DEFAULT_LR[name] if lr is None else lr, weight_decay=weight_decay)
