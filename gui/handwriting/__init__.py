"""Teaching the network the user's own handwriting (issue 7): a label bar under the Draw tab's canvas
keeps drawings as personal samples; the My handwriting tab lists them and fine-tunes a model on them."""
from __future__ import annotations

from .label_bar import LabelBar
from .labelling import DrawingLabeller
from .sample_keeper import SampleKeeper
from .tab import HandwritingTab


def handwriting_tabs(library, settings, draw_tab, train_tab) -> list:
    """(title, widget) pairs for the main window's tab bar. Also puts the label bar under the canvas."""
    keeper = SampleKeeper()
    bar = LabelBar()
    draw_tab.canvas_column.addWidget(bar)
    tab = HandwritingTab(library, keeper, settings)
    keeper.setParent(tab)
    tab.labeller = DrawingLabeller(draw_tab, keeper, bar, tab)
    # The main window shows the Draw tab's messages; ours go the same way.
    for source in (tab, tab.labeller):
        source.status.connect(draw_tab.status)
        source.error.connect(draw_tab.error)
    keeper.load()
    return [("My handwriting", tab)]
