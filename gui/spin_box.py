"""Number fields set up in one call, for every form of the app."""
from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox


def spin_box(low: float, high: float, value: float, tip: str = "", step: float | None = None,
             decimals: int | None = None) -> QSpinBox | QDoubleSpinBox:
    """A QSpinBox, or a QDoubleSpinBox when `decimals` is given."""
    spin = QSpinBox() if decimals is None else QDoubleSpinBox()
    if decimals is not None:
        spin.setDecimals(decimals)
    spin.setRange(low, high)
    spin.setValue(value)
    if step is not None:
        spin.setSingleStep(step)
    if tip:
        spin.setToolTip(tip)
    return spin
