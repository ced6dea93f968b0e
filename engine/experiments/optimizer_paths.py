"""The path an optimizer takes on a 2-D surface (book 6.1.7, figure 6-8): the engine's own update
rules, stepping a single 2-vector Parameter with the surface's exact gradient."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.layers import Parameter
from ..nn.optimizers import OPTIMIZERS
from .surfaces import Surface

# Beyond this distance from the origin a path has left any plot: call it diverged.
ESCAPE = 1e6


@dataclass
class OptimizerPath:
    optimizer: str
    lr: float
    points: np.ndarray        # (k + 1, 2): the start, then the position after each step
    values: np.ndarray        # (k + 1,): f at each point
    diverged: bool            # stopped early because the position ran away (or became NaN)

    @property
    def steps(self) -> int:
        return len(self.points) - 1


def optimizer_path(surface: Surface, optimizer: str, lr: float, steps: int,
                   start: tuple[float, float] | None = None) -> OptimizerPath:
    """Start at `start` (default: the surface's), take up to `steps` steps with OPTIMIZERS[optimizer]."""
    p = Parameter(np.array(surface.start if start is None else start, dtype=np.float64))
    opt = OPTIMIZERS[optimizer]([p], lr=lr)
    points = [p.value.copy()]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            p.grad[:] = surface.gradient(*p.value)
            opt.step()
            if not np.all(np.isfinite(p.value)) or np.abs(p.value).max() > ESCAPE:
                diverged = True
                break
            points.append(p.value.copy())
    points = np.array(points)
    return OptimizerPath(optimizer, lr, points, surface.f(points[:, 0], points[:, 1]), diverged)


def optimizer_paths(surface: Surface, learning_rates: dict[str, float], steps: int,
                    start: tuple[float, float] | None = None) -> dict[str, OptimizerPath]:
    """Every optimizer named in `learning_rates`, from the same start."""
    return {name: optimizer_path(surface, name, lr, steps, start) for name, lr in learning_rates.items()}
