"""Gradient-descent update rules (book 6.1), sorted in order of increasing complexity.

The base class owns the loop over parameters, L2 weight decay and the state that is saved with a
model; each subclass only says how one array is updated from its gradient."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import parallel
from .layers import Parameter

# Where a gradient stays zero (a dead unit, a pixel that is blank in every image) the kept averages
# shrink geometrically and after some hundreds of steps reach float32's subnormal range, where each
# arithmetic operation costs ~100 times more: an MLP's epochs got slower and slower. Every this many
# steps such values are set to exactly 0, a change below 1.2e-38.
FLUSH_EVERY = 100

# A step updates the parameters this many at a time: a rule makes 4-10 passes over its arrays, and
# a piece of this size keeps all of them (value, gradient, state, scratch: 5 x 256 KiB) in a core's
# L2 cache between passes instead of fetching them again from L3 on every pass (Adam on 269k
# parameters, one core: 0.78 -> 0.66 ms, timed alone against the whole-array version).
CHUNK = 65536


def flush_subnormals(array: np.ndarray) -> None:
    array[np.abs(array) < np.finfo(array.dtype).tiny] = 0


class Optimizer:
    """Updates parameters from their gradients.

    The optimizer gathers its parameters into one contiguous buffer (each Parameter's value and grad
    become views into it), so that a step is a handful of NumPy calls over one long array rather than
    a handful per parameter, and a large step can be cut into ranges that run on several cores."""
    # Element-wise passes over the parameters that one update makes (for deciding whether to split it).
    passes = 4
    # A pass over a piece that sits in L2 costs about a fifth of the strided passes that the unit of
    # parallel's work was measured on: Adam on 269k parameters takes ~0.5 ms on one core, and
    # splitting it across two made an MLP 784-256-256-10 step slower (1.86 -> 2.04 ms). Its NumPy
    # calls are short, and each thread's calls wait for the GIL while the other runs Python between
    # its own: each half took as long as the whole (0.55 ms), timed inside the two threads.
    cost_per_pass = 0.2
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
        self._pieces: dict[tuple[int, int, int], list[tuple]] = {}

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
        helper = parallel.step_helper()
        if helper is not None and helper.updates(self):
            helper.update(grad)                         # it takes one part, this thread the other
        else:
            parallel.over_rows(lambda start, stop: self.update_range(start, stop, grad), len(self._values),
                               self.cost_per_pass * self.passes * len(self._values))
        if self.t % FLUSH_EVERY == 0:
            for array in self.state.values():
                flush_subnormals(array)

    def update_range(self, start: int, stop: int, grad: np.ndarray) -> None:
        """Update parameters start..stop-1 of the flat buffer from the gradients in `grad`."""
        for arguments in self._cut(start, stop, grad):
            self.update(*arguments)

    def buffers(self) -> dict[str, np.ndarray]:
        """The flat arrays a step works on, by name: values, grads, scratch, decayed (with weight
        decay) and one per slot."""
        named = {"values": self._values, "grads": self._grads, "scratch": self._scratch, **self.state}
        return named if self._decayed is None else {**named, "decayed": self._decayed}

    def move_buffers(self, allocate: Callable[[str, int], np.ndarray]) -> None:
        """Move every flat buffer into an array that allocate(name, length) gives (memory shared with
        another process, say); the parameters become views into the new ones."""
        moved = {}
        for name, array in self.buffers().items():
            moved[name] = allocate(name, len(array))
            np.copyto(moved[name], array)
        self._adopt(moved)
        for p, value, grad in zip(self.params, self.views(self._values), self.views(self._grads)):
            p.value, p.grad = value, grad

    @classmethod
    def over_buffers(cls, buffers: dict[str, np.ndarray], hyperparameters: dict[str, float]) -> Optimizer:
        """A rule that updates existing flat buffers (as buffers() names them), without parameters:
        another process's, whose memory this one shares."""
        rule = cls([], **hyperparameters)
        rule._adopt(buffers)
        return rule

    def _adopt(self, buffers: dict[str, np.ndarray]) -> None:
        self._values, self._grads, self._scratch = buffers["values"], buffers["grads"], buffers["scratch"]
        self._decayed = buffers.get("decayed")
        self.state = {name: buffers[name] for name in self.slots}
        self._pieces = {}

    def _cut(self, start: int, stop: int, grad: np.ndarray) -> list[tuple]:
        """update()'s arguments for each piece of the range start..stop, with the gradients in
        `grad` (a buffer of the optimizer's own): cut once and then reused (cutting them anew on
        every step took ~30 of Adam's ~560 µs on 269k parameters)."""
        key = (start, stop, id(grad))
        pieces = self._pieces.get(key)
        if pieces is None:
            pieces = self._pieces[key] = [
                (self._values[piece], grad[piece], {name: array[piece] for name, array in self.state.items()},
                 self._scratch[piece])
                for piece in (slice(begin, min(begin + CHUNK, stop)) for begin in range(start, stop, CHUNK))]
        return pieces

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

    def slot_scale(self, name: str) -> float:
        """What a kept array is multiplied by to give the rule's published quantity (a rule may keep
        a multiple of it because that saves arithmetic)."""
        return 1.0

    def state_scales(self) -> dict[str, float]:
        return {name: self.slot_scale(name) for name in self.slots}

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The kept arrays, one per slot and parameter, as they are (state_scales() says how they
        relate to the published quantities)."""
        return {f"{name}/{i}": view for name, flat in self.state.items() for i, view in enumerate(self.views(flat))}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], t: int,
                          scales: dict[str, float] | None = None) -> None:
        """Take over state_arrays() of a run, kept with `scales` (default: this optimizer's own;
        a file from before a rule kept multiples holds the published quantities, scale 1)."""
        scales = self.state_scales() if scales is None else scales
        for name, flat in self.state.items():
            factor = scales.get(name, 1.0) / self.slot_scale(name)
            for i, view in enumerate(self.views(flat)):
                saved = arrays[f"{name}/{i}"]
                if saved.shape != view.shape:
                    raise ValueError(f"optimizer state {name}/{i} has shape {saved.shape}, expected {view.shape}")
                np.copyto(view, saved)
                if factor != 1.0:
                    view *= view.dtype.type(factor)
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
        h += np.square(g, out=tmp)
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

    passes = 9

    def __init__(self, params, lr, decay: float = 0.99, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.decay = decay

    def update(self, w, g, state, tmp):
        h = state["h"]
        h *= self.decay
        np.square(g, out=tmp)
        tmp *= 1 - self.decay
        h += tmp
        self._scaled_step(w, g, h, tmp)

    def hyperparameters(self):
        return {**super().hyperparameters(), "decay": self.decay}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014, arXiv:1412.6980), with the bias-corrected moments of Algorithm 1."""
    slots = ("m", "v")
    passes = 10

    def __init__(self, params, lr, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def slot_scale(self, name):
        # The moments are kept divided by (1 - beta): m' = b1*m' + g is two passes, where
        # m = b1*m + (1-b1)*g is three; the constant goes into the step size instead.
        return 1 - self.beta1 if name == "m" else 1 - self.beta2

    def update(self, w, g, state, tmp):
        b1, b2, t = self.beta1, self.beta2, self.t
        m, v = state["m"], state["v"]          # m/(1-b1) and v/(1-b2)
        m *= b1
        m += g
        v *= b2
        v += np.square(g, out=tmp)
        # w -= lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m/(1-b1^t), v_hat = v/(1-b2^t),
        # written with the kept moments as lr*(1-b1)/((1-b1^t)*s) * m' / (sqrt(v') + eps/s),
        # s = sqrt((1-b2)/(1-b2^t)): the same number in five passes. Python floats throughout: a
        # NumPy float64 would upcast float32 arrays.
        s = math.sqrt((1 - b2) / (1 - b2 ** t))
        np.sqrt(v, out=tmp)
        tmp += self.eps / s
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr * (1 - b1) / ((1 - b1 ** t) * s)
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
