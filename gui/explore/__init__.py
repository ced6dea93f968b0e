"""The book's experiments as live views (optimizers, initialisation, regularisation, search; the
Book tab shows them under chapter 6) and the model inspector, a tab of the main window."""
from __future__ import annotations


def explore_tabs(library, canvas) -> list:
    """(title, widget) pairs for the main window's tab bar."""
    from .inspect_tab import InspectTab
    return [("Inspect", InspectTab(library, canvas))]
