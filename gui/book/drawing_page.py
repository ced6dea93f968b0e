"""What the Book's pages about "your drawing" share: the digit on the Draw tab's canvas (or, while it
is blank, the first test image), and a small network trained here once, in a worker, when the page
is first shown."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.data.datasets import load_mnist, to_float
from engine.experiments.book_networks import train_briefly
from engine.nn.network import Network

from ..explore.common import ExploreView


def drawing_or_test_image(vector: np.ndarray | None) -> tuple[np.ndarray, str]:
    """The drawing as a (784,) float vector and where it came from; test image #0 if there is none."""
    if vector is not None and vector.any():
        return vector.astype(np.float32), "your drawing from the Draw tab"
    dataset = load_mnist()
    return (to_float(dataset.test_images[0]),
            f"test image #0 (a {int(dataset.test_labels[0])}), since the Draw tab's canvas is empty")


class DrawingPage(ExploreView):
    """Subclasses say what to compute for an image (in the worker) and how to show it."""

    def __init__(self, title: str, explanation: str, canvas=None, make_network: Callable[[], Network] | None = None,
                 parent=None):
        super().__init__(title, explanation, parent)
        self.canvas, self.make_network = canvas, make_network
        self.network: Network | None = None
        self.network_accuracy: float | None = None
        self.source = ""
        if canvas is not None:
            canvas.changed.connect(lambda: self.when_shown(self.refresh, "drawing"))

    def start(self) -> None:
        """Train the network if there is none yet, then show the drawing (call when built)."""
        self.when_shown(self._prepare, "network")

    def _prepare(self) -> None:
        if self.make_network is None or self.network is not None:
            self.refresh()
            return
        make = self.make_network

        def job(ctx):
            network = make()
            return network, train_briefly(network, load_mnist(), cancelled=lambda: ctx.cancelled)

        self.show_status("Training the page's network on the 60,000 training images for two epochs (a few "
                         "seconds)…")
        self.run(job, on_done=self._trained, slot="network")

    def _trained(self, result) -> None:
        self.network, self.network_accuracy = result
        self.show_status("")
        self.network_ready()
        self.refresh()

    def network_ready(self) -> None:
        """Called once the network is trained."""

    def refresh(self) -> None:
        if self.make_network is not None and self.network is None:
            return
        vector = self.canvas.mnist_vector() if self.canvas is not None else None
        network, settings = self.network, self.settings()

        def job(ctx):
            image, source = drawing_or_test_image(vector)
            return source, self.compute(network, image, settings)

        self.run(job, on_done=self._computed, slot="drawing")

    def _computed(self, result) -> None:
        self.source, value = result
        self.show_result(value)

    def settings(self) -> Any:
        """What compute() needs from the page's controls, read on the GUI thread."""
        return None

    def compute(self, network: Network | None, image: np.ndarray, settings: Any) -> Any:
        """Runs in the worker: no widgets here."""
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        raise NotImplementedError
