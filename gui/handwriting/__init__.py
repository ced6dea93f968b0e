"""Teaching the network the user's own handwriting (issue 7)."""
from __future__ import annotations


def handwriting_tabs(library, settings, draw_tab, train_tab) -> list:
    """(title, widget) pairs for the main window's tab bar."""
    return []
