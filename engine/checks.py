"""Checks of single values that come from outside (a file, a flag, a setting): the value if it is
what is asked for, otherwise a ValueError whose message names it. JSON and settings bring bools
where numbers are wanted and floats where counts are wanted; these catch that too."""
from __future__ import annotations

import math
import numbers


def whole(value, what: str, low: int | None = None, high: int | None = None) -> int:
    """An integer (not a bool, not 2.5) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{what} must be {_bounds(low, high)}, got {value:,}")
    return value


def real(value, what: str, low: float | None = None, high: float | None = None,
         above: float | None = None, below: float | None = None) -> float:
    """A finite number (not a bool, not NaN) in [low, high] and in (above, below)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    value = float(value)
    if (low is not None and value < low) or (high is not None and value > high) \
            or (above is not None and value <= above) or (below is not None and value >= below):
        limits = [f"at least {low:g}" if low is not None else "", f"more than {above:g}" if above is not None else "",
                  f"at most {high:g}" if high is not None else "", f"less than {below:g}" if below is not None else ""]
        raise ValueError(f"{what} must be {' and '.join(p for p in limits if p)}, got {value:g}")
    return value


def choice(value, what: str, options) -> str:
    """One of the names in `options`."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(options)}")
    return value


def _bounds(low, high) -> str:
    if low is not None and high is not None:
        return f"from {low:,} to {high:,}"
    return f"at least {low:,}" if low is not None else f"at most {high:,}"
