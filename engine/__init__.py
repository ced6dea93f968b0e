"""ScratchNet's deep-learning engine: NumPy only, no Qt.

The book's parts, a package each: nn (layers, losses, initialisation, the network, optimizers,
gradient checks; chapters 3-7), data (MNIST, preprocessing, augmentation, batches), training (the
training loop, fine-tuning), storage (model and sample files), experiments (chapter 6's studies).
speed holds what exists only to make them faster; nothing outside it imports it."""
from .data.datasets import Dataset, Split, load_idx_folder, load_mnist
from .data.preprocess import Preprocessed, to_mnist
from .errors import DatasetError, EngineError, ModelFileError, TrainingDiverged
from .nn.builders import ModelSpec
from .nn.network import Network
from .storage.model_file import SavedModel, load_model, save_model
from .training.records import EpochReport, History, TrainConfig, TrainResult
from .training.trainer import Trainer
from .version import __version__

__all__ = ["Dataset", "DatasetError", "EngineError", "EpochReport", "History", "ModelFileError", "ModelSpec",
           "Network", "Preprocessed", "SavedModel", "Split", "TrainConfig", "TrainResult", "Trainer",
           "TrainingDiverged", "__version__", "load_idx_folder", "load_mnist", "load_model", "save_model",
           "to_mnist"]
