"""Gradient-descent update rules (book 6.1), sorted in order of increasing complexity.

The base class owns the loop over parameters, L2 weight decay and the state that is saved with a
model; each subclass only says how one array is updated from its gradient."""
from __future__ import annotations

import math

import numpy as np

from . import parallel
from .layers import Parameter


# Where a gradient stays zero (a dead unit, a pixel that is blank in every image) the kept averages
# shrink geometrically and after some hundreds of steps reach float32's subnormal range, where each
# arithmetic operation costs ~100 times more: an MLP's epochs got slower and slower. Every this many
# steps such values are set to exactly 0, a change below 1.2e-38.
FLUSH_EVERY = 100


def flush_subnormals(array: np.ndarray) -> None:
    array[np.abs(array) < np.finfo(array.dtype).tiny] = 0


class Optimizer:
    """Updates parameters from their gradients.

    The optimizer gathers its parameters into one contiguous buffer (each Parameter's value and grad
    become views into it), so that a step is a handful of NumPy calls over one long array rather than
    a handful per parameter, and a large step can be cut into ranges that run on several cores."""
    # Element-wise passes over the parameters that one update makes (for deciding whether to split it).
    passes = 4
    # Names of the per-parameter arrays a rule keeps between steps (saved with the model).
    slots: tuple[str, ...] = ()

    def __init__(self, params: list[Parameter], lr: float, weight_decay: float = 0.0):
        self.params = list(params)
        self.lr = lr
        self.weight_decay = weight_decay
        self.t = 0  # steps taken
        self._values, self._grads = gather(self.params)
        self.state = {name: np.zeros_like(self._values) for name in self.slots}
        # Preallocated work space, so a step allocates nothing on the hot path.
        self._scratch = np.empty_like(self._values)
        self._decayed = np.empty_like(self._values) if weight_decay else None

    def step(self) -> None:
        self.t += 1
        grad = self._grads
        if self.weight_decay:
            # L2 penalty (lambda/2)*||W||^2 added to the loss (book 6.4.2): its gradient is lambda*W,
            # for weights only (not biases or BatchNorm's scale and shift).
            grad = self._decayed
            np.copyto(grad, self._grads)
            for p, g in zip(self.params, self.views(grad)):
                if p.decay:
                    g += self.weight_decay * p.value

        def update_range(start: int, stop: int) -> None:
            self.update(self._values[start:stop], grad[start:stop],
                        {name: array[start:stop] for name, array in self.state.items()}, self._scratch[start:stop])

        parallel.over_rows(update_range, len(self._values), self.passes * len(self._values))
        if self.t % FLUSH_EVERY == 0:
            for array in self.state.values():
                flush_subnormals(array)

    def update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], tmp: np.ndarray) -> None:
        """Change w in place, given its gradient g, the rule's state arrays (by slot name) and a
        scratch array, all flat and of the same length (the parameters or a range of them)."""
        raise NotImplementedError

    def views(self, flat: np.ndarray) -> list[np.ndarray]:
        """A flat array like the parameter buffer, cut into one view per parameter."""
        views, start = [], 0
        for p in self.params:
            views.append(flat[start:start + p.value.size].reshape(p.value.shape))
            start += p.value.size
        return views

    def state_arrays(self) -> dict[str, np.ndarray]:
        return {f"{name}/{i}": view for name, flat in self.state.items() for i, view in enumerate(self.views(flat))}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], t: int) -> None:
        for name, flat in self.state.items():
            for i, view in enumerate(self.views(flat)):
                saved = arrays[f"{name}/{i}"]
                if saved.shape != view.shape:
                    raise ValueError(f"optimizer state {name}/{i} has shape {saved.shape}, expected {view.shape}")
                np.copyto(view, saved)
        self.t = t

    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "weight_decay": self.weight_decay}


def gather(params: list[Parameter]) -> tuple[np.ndarray, np.ndarray]:
    """Move the parameters' values and gradients into two flat buffers and make each Parameter's
    arrays views into them. Returns the buffers."""
    dtype = np.result_type(*(p.value.dtype for p in params)) if params else np.float32
    total = sum(p.value.size for p in params)
    values, grads = np.empty(total, dtype=dtype), np.zeros(total, dtype=dtype)
    start = 0
    for p in params:
        size, shape = p.value.size, p.value.shape
        values[start:start + size] = p.value.reshape(-1)
        grads[start:start + size] = p.grad.reshape(-1)
        p.value = values[start:start + size].reshape(shape)
        p.grad = grads[start:start + size].reshape(shape)
        start += size
    return values, grads


class SGD(Optimizer):
    """Stochastic gradient descent: w -= lr * g."""

    def update(self, w, g, state, tmp):
        w -= np.multiply(g, self.lr, out=tmp)


class Momentum(Optimizer):
    """SGD with momentum (Polyak 1964): v = m*v - lr*g; w += v."""
    slots = ("v",)
    passes = 5

    def __init__(self, params, lr, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = momentum

    def update(self, w, g, state, tmp):
        v = state["v"]
        v *= self.momentum
        v -= np.multiply(g, self.lr, out=tmp)
        w += v

    def hyperparameters(self):
        return {**super().hyperparameters(), "momentum": self.momentum}


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (Nesterov 1983), as reformulated by Bengio et al. 2012 (arXiv:1212.0901)."""

    passes = 7

    def update(self, w, g, state, tmp):
        m, v = self.momentum, state["v"]
        v *= m
        v -= np.multiply(g, self.lr, out=tmp)
        w += np.multiply(v, m * m, out=tmp)
        w -= np.multiply(g, (1 + m) * self.lr, out=tmp)


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011): per-weight steps shrink with the sum of squared gradients."""
    slots = ("h",)
    eps = 1e-7
    passes = 7

    def update(self, w, g, state, tmp):
        h = state["h"]
        h += np.multiply(g, g, out=tmp)
        self._scaled_step(w, g, h, tmp)

    def _scaled_step(self, w, g, h, tmp):
        """w -= lr * g / (sqrt(h) + eps), through the scratch buffer."""
        np.sqrt(h, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= self.lr
        w -= tmp


class RMSProp(AdaGrad):
    """RMSProp (Tieleman & Hinton 2012): AdaGrad with an exponentially decaying sum."""

    def __init__(self, params, lr, decay: float = 0.99, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.decay = decay

    passes = 9

    def update(self, w, g, state, tmp):
        h = state["h"]
        h *= self.decay
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.decay
        h += tmp
        self._scaled_step(w, g, h, tmp)

    def hyperparameters(self):
        return {**super().hyperparameters(), "decay": self.decay}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014, arXiv:1412.6980), with the bias-corrected moments of Algorithm 1."""
    slots = ("m", "v")
    passes = 12

    def __init__(self, params, lr, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def update(self, w, g, state, tmp):
        b1, b2 = self.beta1, self.beta2
        m, v = state["m"], state["v"]
        m *= b1
        m += np.multiply(g, 1 - b1, out=tmp)
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp
        # w -= lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m/(1-b1^t) and v_hat = v/(1-b2^t),
        # rewritten as lr * c2/(1-b1^t) * m / (sqrt(v) + eps*c2) with c2 = sqrt(1-b2^t): the same
        # number, one pass over the array fewer.
        c2 = math.sqrt(1 - b2 ** self.t)   # a Python float: a NumPy float64 would upcast float32 arrays
        np.sqrt(v, out=tmp)
        tmp += self.eps * c2
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr * c2 / (1 - b1 ** self.t)
        w -= tmp

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
