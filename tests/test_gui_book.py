"""The Book tab driven offscreen: every page opens, runs its work in its worker and shows the notes'
numbers; MainWindow.pages() and show_page() reach every page of every tab."""
import os
from pathlib import Path

import pytest

from tests.conftest import tab_titled
from tests.drawing import SEVEN, draw_digit

WAIT = 60000
SHOTS = os.environ.get("BOOK_SHOTS")        # a folder: save every page there, at two window sizes


def book(window):
    return tab_titled(window, "Book")


def open_page(window, qtbot, title):
    window.show_page(title)
    view = book(window).page(title)
    qtbot.waitUntil(lambda: not view.busy(), timeout=WAIT)
    return view


def test_pages_lists_the_books_pages_and_inspects_views_and_show_page_opens_each(window, qtbot):
    titles = window.pages()
    assert titles[:3] == ["Activation functions", "Softmax", "Forward pass on your drawing"]
    assert {"Optimizer playground", "Batch normalisation", "Convolution on your drawing"} <= set(titles)
    inspect = tab_titled(window, "Inspect")
    assert set(inspect.page_titles()) <= set(titles) and inspect.page_titles()
    assert len(titles) == len(set(titles))
    for title in inspect.page_titles()[::-1]:
        window.show_page(title)
        assert window.tabs.currentWidget() is inspect
        assert inspect.pages.tabText(inspect.pages.currentIndex()) == title
    with pytest.raises(KeyError, match="no page"):
        window.show_page("Chapter 99")


def test_every_book_page_opens_runs_and_can_be_looked_at(window, qtbot):
    draw_digit(window.canvas, SEVEN)
    sizes = [(1180, 760), (window.minimumSize().width(), window.minimumSize().height())]
    for title in book(window).page_titles():
        view = open_page(window, qtbot, title)
        assert window.tabs.currentWidget() is book(window) and book(window).current_title() == title
        assert view.isVisible()
        if SHOTS:
            for w, h in sizes:
                window.resize(w, h)
                qtbot.wait(50)
                slug = "".join(ch if ch.isalnum() else "_" for ch in title).lower()
                assert window.grab().save(str(Path(SHOTS) / f"{slug}_{w}x{h}.png"))
