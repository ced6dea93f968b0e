"""The Draw tab's "Why this digit?" views of a drawing, computed in a worker: the strokes are rendered
and preprocessed as for the prediction, and a map over the 28x28 field comes back with where that
field lies on the sheet (engine/experiments/saliency.py does the looking)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.preprocess import FIELD, to_mnist
from engine.experiments import saliency as why
from engine.nn.network import Network

from .strokes import box_fit, render_for_network

# The views, by key, as the tab names them.
VIEWS = {"reasons": "The ink behind the answer",
         "occlusion": "Covering each patch",
         "class": "What would make it a…"}


@dataclass(frozen=True)
class ExplainRequest:
    view: str = "reasons"        # a key of VIEWS
    target: int = 3              # the class of the "class" view
    ghost: bool = False          # "class" view: also the drawing nudged towards the target


@dataclass
class Explanation:
    request: ExplainRequest
    heat: np.ndarray                              # (28, 28) signed map; zeros when there is nothing to show
    placement: tuple[float, float, float] | None  # the field's top, left and side on the sheet (0..1)
    class_index: int | None = None                # the class the map is about
    field: np.ndarray | None = None               # (28, 28) the drawing as the network sees it
    ghost: np.ndarray | None = None               # (28, 28) the drawing nudged towards the class
    caption: str = ""

    @classmethod
    def empty(cls, request: ExplainRequest, caption: str) -> Explanation:
        return cls(request, np.zeros((FIELD, FIELD)), None, caption=caption)


def explain(network: Network | None, strokes: list[np.ndarray], pen_width: float,
            request: ExplainRequest) -> Explanation:
    """The view the request asks for, of the drawing made of these strokes."""
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return Explanation.empty(request, "Draw a digit to see why the network reads it as it does.")
    image = render_for_network(strokes, pen_width)     # exactly what the network reads
    processed = to_mnist(image, drawing=True)
    if network is None:
        return Explanation.empty(request, "No model: train one or open a model file.")
    if processed.blank:
        return Explanation.empty(request, "No digit found.")
    x = processed.vector
    top, left, side = (v / image.shape[0] for v in why.placement(processed.image(), 1.0 - image / 255.0))
    # The rendering moved the ink to fill MNIST's box (gui/strokes.py): move the field back onto the sheet.
    (cx, cy), scale = box_fit(strokes, pen_width)
    where = ((top - 0.5) / scale + cy, (left - 0.5) / scale + cx, side / scale)
    answer = why.answer(network, x)
    if request.view == "occlusion":
        result = why.occlusion(network, x, answer)
        return Explanation(request, result.drop, where, answer, processed.image(), caption=(
            f"Red: covering that part with paper makes a {answer} less likely (by up to "
            f"{max(result.drop.max(), 0):.0%}); blue: more likely."))
    if request.view == "class":
        target = request.target
        heat = why.class_direction(network, x, target)
        if not request.ghost:
            return Explanation(request, heat, where, target, processed.image(),
                               caption=f"Red: a dab of ink there would make it more of a {target}; blue: less.")
        nudged = why.nudge(network, x, target)
        change = float(np.abs(nudged.image - processed.image()).max())
        caption = (f"What {nudged.steps} gradient steps change to make it a {target} ({nudged.before:.0%} → "
                   f"{nudged.after:.0%}): violet ink added, white ink taken away, at most {change:.0%} of full "
                   f"ink in a pixel." if nudged.steps else f"It is a {target} already ({nudged.before:.0%}).")
        return Explanation(request, heat, where, target, processed.image(), nudged.image, caption)
    return Explanation(request, why.saliency(network, x, answer), where, answer, processed.image(),
                       caption=f"Red ink pushed the answer {answer} up, blue ink held it down.")
