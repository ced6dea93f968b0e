"""Learning-rate schedules: the factor applied to the base learning rate at a given step."""
from __future__ import annotations

import math
from dataclasses import dataclass

SCHEDULES = ("constant", "step", "cosine")


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"
    total_steps: int = 1        # cosine decays to 0 over this many steps
    step_every: int = 1         # step: multiply by gamma every this many steps
    gamma: float = 0.1

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.kind!r}; choose one of {', '.join(SCHEDULES)}")

    def factor(self, step: int) -> float:
        if self.kind == "step":
            return self.gamma ** (step // max(self.step_every, 1))
        if self.kind == "cosine":
            progress = min(step / max(self.total_steps, 1), 1.0)
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0
