"""ScratchNet's deep-learning engine: NumPy only, no Qt.

The pieces, each in its own module: layers (forward/backward), losses, optimizers, schedules,
Network (a sequential model), builders (MLP and CNN by ModelSpec), Trainer, datasets (IDX/MNIST),
preprocess (any image -> MNIST vector), augment, gradcheck, model_file (.npz + JSON)."""
from .builders import ModelSpec
from .datasets import Dataset, Split, load_idx_folder, load_mnist
from .errors import DatasetError, EngineError, ModelFileError, TrainingDiverged
from .model_file import SavedModel, load_model, save_model
from .network import Network
from .preprocess import Preprocessed, to_mnist
from .trainer import EpochReport, History, TrainConfig, Trainer, TrainResult
from .version import __version__

__all__ = ["Dataset", "DatasetError", "EngineError", "EpochReport", "History", "ModelFileError", "ModelSpec",
           "Network", "Preprocessed", "SavedModel", "Split", "TrainConfig", "TrainResult", "Trainer",
           "TrainingDiverged", "__version__", "load_idx_folder", "load_mnist", "load_model", "save_model",
           "to_mnist"]
