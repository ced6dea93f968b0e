"""The backward pass on the digit on the canvas: the gradient of the answer's score arriving at each
stage that the activations page shows, laid out the same way, so that the two can be read side by side."""
from __future__ import annotations

from .activations_page import ActivationsPage

EXPLANATION = (
    "The backward pass for your drawing on the Draw tab (it updates as you draw): how much the answer's score "
    "would change with each number a layer hands on, from the scores (1 for the answer, the last plot) down to "
    "your pixels (the first picture). <b>Red</b>: more there raises the answer's score, <b>blue</b>: lowers it, "
    "white: no effect (a silent ReLU passes no gradient back).")


class BackwardPage(ActivationsPage):
    def __init__(self, parent=None):
        super().__init__(parent, explanation=EXPLANATION)
