"""The Book tab: "Deep Learning from Scratch" (Saitoh Koki) chapter by chapter, one live page per
topic, chapter 6's experiments among them."""
from __future__ import annotations


def book_chapters(canvas, train_tab) -> list:
    """(chapter, [(page title, factory)]) in the book's order; a page is made when first shown."""
    from ..explore.hyperparameter_view import HyperparameterView
    from ..explore.init_explorer import InitExplorerView
    from ..explore.mnist_optimizers import MnistOptimizersView
    from ..explore.optimizer_playground import OptimizerPlayground
    from ..explore.regularisation_view import RegularisationView
    from .activation_page import ActivationFunctionsPage
    from .backward_page import LayerBackwardPage
    from .chapter6_pages import BatchNormPage, InitTrainingPage
    from .convolution_page import ConvolutionPage
    from .differentiation_page import NumericalDifferentiationPage
    from .forward_page import ForwardPassPage
    from .gradient_pages import GradientDescentPage, GradientFieldPage
    from .graph_page import ComputationalGraphPage
    from .loss_page import LossFunctionsPage
    from .simple_net_page import SimpleNetPage
    from .softmax_page import SoftmaxPage
    from .two_layer_pages import GradientTimingPage, TrainingLogPage
    return [
        ("3  Neural networks", [
            ("Activation functions", ActivationFunctionsPage),
            ("Softmax", SoftmaxPage),
            ("Forward pass on your drawing", lambda: ForwardPassPage(canvas)),
        ]),
        ("4  Learning", [
            ("Loss functions", LossFunctionsPage),
            ("Numerical differentiation", NumericalDifferentiationPage),
            ("Gradients", GradientFieldPage),
            ("Gradient descent", GradientDescentPage),
            ("simpleNet's gradient", SimpleNetPage),
            ("Numerical gradient or backprop", GradientTimingPage),
            ("Training TwoLayerNet", TrainingLogPage),
        ]),
        ("5  Backpropagation", [
            ("Computational graph", ComputationalGraphPage),
            ("Backward on your drawing", lambda: LayerBackwardPage(canvas)),
        ]),
        ("6  Learning techniques", [
            ("Optimizer playground", OptimizerPlayground),
            ("Optimizers on MNIST", MnistOptimizersView),
            ("Initialisation explorer", InitExplorerView),
            ("Initial weights and learning", InitTrainingPage),
            ("Batch normalisation", BatchNormPage),
            ("Overfitting and regularisation", RegularisationView),
            ("Hyperparameter search", lambda: HyperparameterView(train_tab)),
        ]),
        ("7  Convolutional networks", [
            ("Convolution on your drawing", lambda: ConvolutionPage(canvas)),
        ]),
    ]


def book_tabs(settings, canvas, train_tab) -> list:
    """(title, widget) pairs for the main window's tab bar."""
    from .book_tab import BookTab
    return [("Book", BookTab(book_chapters(canvas, train_tab), settings))]
