"""The building blocks of a network, each with forward() and backward()."""
from .activations import ACTIVATIONS, ReLU, Sigmoid, Tanh
from .affine import Affine
from .base import Layer, Parameter
from .batchnorm import BatchNorm
from .conv import Conv2D
from .dropout import Dropout
from .pooling import MaxPool2D
from .shape import Flatten, Reshape

# Model files name layers by class; this is the list of classes a file may name.
LAYER_TYPES: dict[str, type[Layer]] = {cls.__name__: cls for cls in (
    Affine, ReLU, Sigmoid, Tanh, Dropout, BatchNorm, Conv2D, MaxPool2D, Flatten, Reshape)}

__all__ = ["ACTIVATIONS", "LAYER_TYPES", "Affine", "BatchNorm", "Conv2D", "Dropout", "Flatten",
           "Layer", "MaxPool2D", "Parameter", "ReLU", "Reshape", "Sigmoid", "Tanh"]
