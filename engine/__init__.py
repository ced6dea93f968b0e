"""ScratchNet's deep-learning engine: NumPy only, no Qt.

The book's parts, a package each: nn (layers, losses, initialisation, the network, optimizers,
gradient checks; chapters 3-7), data (MNIST, preprocessing, augmentation, batches), training (the
training loop, fine-tuning), storage (model and sample files), experiments (the book's studies and
figures, chapters 3-7). speed holds what exists only to make them faster; nothing outside it imports it.
The book's own functions and layers (MulLayer, cross_entropy_error, numerical_gradient, ...) are
exported here under the book's names."""
from .data.datasets import Dataset, Split, load_idx_folder, load_mnist
from .data.preprocess import Preprocessed, to_mnist
from .errors import DatasetError, EngineError, ModelFileError, TrainingDiverged
from .nn.builders import ModelSpec
from .nn.graph import AddLayer, MulLayer
from .nn.losses import cross_entropy_error, mean_squared_error
from .nn.network import Network
from .nn.numerical import gradient_descent, numerical_diff, numerical_gradient
from .storage.model_file import SavedModel, load_model, save_model
from .training.records import EpochReport, History, TrainConfig, TrainResult
from .training.trainer import Trainer
from .version import __version__

__all__ = ["AddLayer", "Dataset", "DatasetError", "EngineError", "EpochReport", "History", "ModelFileError",
           "ModelSpec", "MulLayer", "Network", "Preprocessed", "SavedModel", "Split", "TrainConfig", "TrainResult",
           "Trainer", "TrainingDiverged", "__version__", "cross_entropy_error", "gradient_descent", "load_idx_folder",
           "load_mnist", "load_model", "mean_squared_error", "numerical_diff", "numerical_gradient", "save_model",
           "to_mnist"]
