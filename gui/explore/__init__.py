"""The book's experiments as live views (optimizers, initialisation, regularisation, search) and the
model inspector. Filled in by the Explore work (issue 6)."""
from __future__ import annotations


def explore_tabs(library, settings, canvas, train_tab) -> list:
    """(title, widget) pairs for the main window's tab bar."""
    return []
