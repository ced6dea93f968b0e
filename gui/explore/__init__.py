"""The book's experiments as live views (optimizers, initialisation, regularisation, search) and the
model inspector, as two tabs of the main window."""
from __future__ import annotations


def explore_tabs(library, settings, canvas, train_tab) -> list:
    """(title, widget) pairs for the main window's tab bar."""
    from .experiments_tab import ExperimentsTab
    from .inspect_tab import InspectTab
    return [("Experiments", ExperimentsTab(settings, train_tab)), ("Inspect", InspectTab(library, canvas))]
