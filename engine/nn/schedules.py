"""Learning-rate schedules: the factor applied to the base learning rate at a given step."""
from __future__ import annotations

import math
from dataclasses import dataclass

SCHEDULES = ("constant", "step", "cosine", "warmup_cosine", "onecycle")
# One-cycle starts at and anneals to these fractions of the peak rate (PyTorch's OneCycleLR defaults).
ONECYCLE_START, ONECYCLE_END = 1 / 25, 1 / 25e4


def cosine_between(start: float, end: float, progress: float) -> float:
    """From start (progress 0) to end (progress 1) along half a cosine wave."""
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"
    total_steps: int = 1        # cosine, warmup_cosine and onecycle reach their end after this many steps
    step_every: int = 1         # step: multiply by gamma every this many steps
    gamma: float = 0.1
    warmup_steps: int = 0       # warmup_cosine and onecycle: steps spent rising to the full rate

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.kind!r}; choose one of {', '.join(SCHEDULES)}")

    def factor(self, step: int) -> float:
        if self.kind == "step":
            return self.gamma ** (step // max(self.step_every, 1))
        if self.kind == "cosine":
            return cosine_between(1.0, 0.0, step / max(self.total_steps, 1))
        if self.kind in ("warmup_cosine", "onecycle"):
            # A few hundred steps at a low rate, while Adam's moment estimates settle, let the full
            # rate be higher (Goyal et al. 2017, arXiv:1706.02677; Smith & Topin 2018, arXiv:1708.07120).
            start, end = (0.0, 0.0) if self.kind == "warmup_cosine" else (ONECYCLE_START, ONECYCLE_END)
            warmup = min(self.warmup_steps, self.total_steps)
            if step < warmup:
                if self.kind == "warmup_cosine":
                    return (step + 1) / warmup
                return cosine_between(start, 1.0, step / warmup)
            return cosine_between(1.0, end, (step - warmup) / max(self.total_steps - warmup, 1))
        return 1.0
