"""Inspect a model: the active model's confusion matrix and mistakes on the test set, its first-layer
weights, its activations for the digit on the canvas, and a gradient check. It follows the model
chosen in the Draw tab; its computations run in workers, and only while the tab is on screen."""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QProgressBar, QTabWidget

from engine.data.datasets import load_mnist, to_float
from engine.experiments.inspection import activation_maps, gradient_check, predict_test_set
from engine.experiments.saliency import backward_view

from ..model_library import ModelEntry
from ..scrolling import fit_current_page
from .activations_page import ActivationsPage
from .backward_page import BackwardPage
from .common import ExploreView, Throttle, WrappedLabel
from .confusion_page import ConfusionPage
from .gradcheck_page import GradientCheckPage
from .mistakes_page import MistakesPage
from .weights_page import WeightsPage

EXPLANATION = ("Look inside the model chosen on the Draw tab: how it does on the 10,000 test images it never "
               "trained on, what its first layer learnt, what each layer makes of your drawing, and whether its "
               "gradients are right.")
GRADIENT_CHECK_IMAGES = 8


class InspectTab(ExploreView):
    sendToDraw = Signal(object, str)     # a test digit for the Draw tab's sheet (28x28 uint8), what it is

    def __init__(self, library, canvas, parent=None):
        super().__init__("Inspect a model", EXPLANATION, parent)
        self.library, self.canvas = library, canvas
        self.entry: ModelEntry | None = None
        self.predictions = None
        self.model_label = WrappedLabel()
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setMaximumWidth(320)
        self.confusion = ConfusionPage()
        self.mistakes = MistakesPage()
        self.weights = WeightsPage()
        self.activations = ActivationsPage()
        self.backward = BackwardPage()
        self.gradients = GradientCheckPage()
        self.pages = QTabWidget()
        for page, title in ((self.confusion, "Confusion matrix"), (self.mistakes, "Mistakes"),
                            (self.weights, "First layer"), (self.activations, "Activations"),
                            (self.backward, "Backward pass"), (self.gradients, "Gradient check")):
            self.pages.addTab(page, title)
        fit_current_page(self.pages)
        self.layout_.addWidget(self.model_label)
        self.layout_.addWidget(self.progress)
        self.status_label.lines = 0           # only problems are shown here, rarely
        self.status_label.setVisible(False)
        self.layout_.addWidget(self.status_label)
        self.layout_.addWidget(self.pages, 1)
        self.gradients.run_button.clicked.connect(lambda: self.check_gradients())
        for gallery in (self.confusion.gallery, self.mistakes.gallery):
            gallery.sendToDraw.connect(self.sendToDraw)
        library.entriesChanged.connect(self._show_name)    # a rename
        library.activeChanged.connect(self.set_entry)
        canvas.changed.connect(lambda: self.when_shown(self.update_activations, "activations"))
        canvas.changed.connect(lambda: self.when_shown(self.update_backward, "backward"))
        if library.active is not None:
            self.set_entry(library.active)
        else:
            self.model_label.setText("No model yet: train one on the Train tab or open a model file.")

    # Its views, as pages (MainWindow.pages()).
    def page_titles(self) -> list[str]:
        return [self.pages.tabText(i) for i in range(self.pages.count())]

    def show_page(self, title: str) -> None:
        self.pages.setCurrentIndex(self.page_titles().index(title))

    # The model.
    def set_entry(self, entry: ModelEntry) -> None:
        for slot in ("test", "activations", "backward", "gradients"):   # their results would be of the old model
            self.cancel(slot)
        self.entry, self.predictions = entry, None
        self._show_name()
        self.confusion.clear("Testing the model on the 10,000 test images…")
        self.mistakes.clear("Testing the model on the 10,000 test images…")
        self.gradients.clear("Press the button to compare the gradients.")
        self.weights.show_network(entry.model.network)
        self.when_shown(self.evaluate, "test")
        self.when_shown(self.update_activations, "activations")
        self.when_shown(self.update_backward, "backward")

    def _show_name(self) -> None:
        if self.entry is not None:
            self.model_label.setText(f"<b>Model:</b> {html.escape(self.entry.name)} · {html.escape(self.entry.summary())}")

    def network(self):
        return self.entry.model.network if self.entry is not None else None

    # The test set.
    def evaluate(self) -> None:
        entry, network = self.entry, self.network()
        if network is None:
            return

        def job(ctx):
            dataset = load_mnist()
            throttle = Throttle()

            def progress(done, total):
                if throttle.due() or done == total:
                    ctx.report((done, total))

            predictions = predict_test_set(network, dataset.test_images, dataset.test_labels,
                                           on_progress=progress, cancelled=lambda: ctx.cancelled)
            return entry, predictions, dataset.test_images

        self.progress.setRange(0, 0)
        self.progress.setFormat("Loading the test images…")
        self.run(job, self._on_test_progress, self._on_tested, slot="test")

    def _on_test_progress(self, progress) -> None:
        done, total = progress
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"Testing: {done:,} of {total:,} images")

    def _on_tested(self, result) -> None:
        entry, predictions, images = result
        if entry is not self.entry or predictions is None:
            return
        self.predictions = predictions
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat(f"Test accuracy {predictions.accuracy:.2%}")
        self.confusion.show_predictions(predictions, images)
        self.mistakes.show_predictions(predictions, images)

    # The canvas.
    def update_activations(self) -> None:
        self.follow_drawing(activation_maps, self.activations, "activations")

    def update_backward(self) -> None:
        self.follow_drawing(backward_view, self.backward, "backward")

    def follow_drawing(self, stages, page, slot: str) -> None:
        """In a worker: the stages (activation_maps or backward_view) of the canvas's digit, onto `page`."""
        network = self.network()
        if network is None:
            return
        vector = self.canvas.mnist_vector()

        def job(ctx):
            x, source = canvas_digit(vector)
            return stages(network, x), source, network.predict_proba(x)

        self.run(job, on_done=lambda result: page.show_layers(*result), slot=slot)

    # Gradient check.
    def check_gradients(self) -> None:
        network = self.network()
        if network is None:
            return

        def job(ctx):
            dataset = load_mnist()
            x = to_float(dataset.train_images[:GRADIENT_CHECK_IMAGES], np.float64)
            return gradient_check(network, x, dataset.train_labels[:GRADIENT_CHECK_IMAGES],
                                  cancelled=lambda: ctx.cancelled)

        self.gradients.clear("Comparing…")
        self.run(job, on_done=self.gradients.show_results, slot="gradients")

    def busy_changed(self, busy: bool, slot: str) -> None:
        if slot == "gradients":
            self.gradients.run_button.setEnabled(not busy)


def canvas_digit(vector):
    """In a worker: (the digit the views of the drawing show, where it comes from): the drawing, or
    while the canvas is empty the first test image."""
    if vector.any():
        return vector, "Your drawing from the Draw tab."
    dataset = load_mnist()
    return to_float(dataset.test_images[0]), (f"The canvas on the Draw tab is empty, so this is test image #0 "
                                              f"(a {int(dataset.test_labels[0])}). Draw a digit to see yours.")
