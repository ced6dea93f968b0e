"""The JSON record of a model file, checked field by field before anything is built from it.

A record says which layers to build and how large; a damaged or hostile one could ask for layers
of billions of weights, or values of the wrong kind that would surface as a TypeError deep in a
constructor. Here every field is checked for its kind and range, every layer's settings against
the list of what that layer takes, and the weights the layers would hold are added up before one
is allocated. Keys the record has and this reader does not know are left alone (later versions may
add fields); settings a layer does not take are refused, since the network would not be the one saved."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from .. import checks
from ..nn.builders import DTYPES, ModelSpec
from ..nn.layers import LAYER_TYPES, Layer
from ..nn.optimizers import OPTIMIZERS, Optimizer
from ..training.records import EpochReport, History, TrainConfig

INPUT_SHAPE = (784,)        # the app feeds every network 28x28 pixels as one row
CLASSES = 10
MAX_LAYERS = 64
MAX_MODEL_WEIGHTS = 2 ** 27  # 512 MB of float32: far beyond any digit reader, far below a memory bomb
MAX_UNITS = 2 ** 24
SIDE = 28


def _count(most: int):
    return lambda value, what: checks.whole(value, what, 1, most)


def _flag(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, got {value!r}")
    return value


def _image_shape(value, what: str) -> list[int]:
    if not isinstance(value, list) or not 1 <= len(value) <= 3:
        raise ValueError(f"{what} must be a list of 1 to 3 sizes, got {value!r}")
    return [checks.whole(n, what, 1, MAX_UNITS) for n in value]


# What each layer's config() writes, and the check of each value.
LAYER_SETTINGS = {
    "Affine": {"n_in": _count(MAX_UNITS), "n_out": _count(MAX_UNITS), "bias": _flag},
    "Conv2D": {"in_channels": _count(MAX_UNITS), "out_channels": _count(MAX_UNITS), "kernel": _count(SIDE),
               "stride": _count(SIDE), "pad": lambda v, what: checks.whole(v, what, 0, SIDE), "bias": _flag},
    "MaxPool2D": {"size": _count(SIDE), "stride": _count(SIDE)},
    "BatchNorm": {"features": _count(MAX_UNITS), "momentum": lambda v, what: checks.real(v, what, 0, 1),
                  "eps": lambda v, what: checks.real(v, what, above=0, high=1)},
    "Dropout": {"p": lambda v, what: checks.real(v, what, low=0, below=1)},
    "Reshape": {"shape": _image_shape},
    "ReLU": {}, "Sigmoid": {}, "Tanh": {}, "Flatten": {},
}
# How many numbers a layer of these settings holds (weights, biases, running statistics).
LAYER_WEIGHTS = {
    "Affine": lambda c: c["n_in"] * c["n_out"] + c["n_out"],
    "Conv2D": lambda c: c["kernel"] ** 2 * c["in_channels"] * c["out_channels"] + c["out_channels"],
    "BatchNorm": lambda c: 4 * c["features"],
}
HYPERPARAMETERS = {
    "lr": lambda v, what: checks.real(v, what, above=0),
    "weight_decay": lambda v, what: checks.real(v, what, low=0),
    **{name: (lambda v, what: checks.real(v, what, low=0, below=1)) for name in ("momentum", "decay", "beta1", "beta2")},
    "eps": lambda v, what: checks.real(v, what, above=0, high=1),
}


@dataclass
class OptimizerRecord:
    rule: type[Optimizer]
    t: int
    hyperparameters: dict
    state_scales: dict


@dataclass
class ModelRecord:
    dtype: str
    layers: list[tuple[type[Layer], dict]]
    spec: ModelSpec | None = None
    train_config: TrainConfig | None = None
    epochs: list[EpochReport] = field(default_factory=list)
    test_accuracy: float | None = None
    optimizer: OptimizerRecord | None = None
    step: int = 0
    dataset: str = "MNIST"
    notes: dict = field(default_factory=dict)
    temperature: float | None = None     # calibration (engine/nn/calibration.py); None: not calibrated


def check_record(meta: dict) -> ModelRecord:
    """The record's content, every value checked; raises ValueError naming the first one at fault."""
    arch = _object(meta.get("architecture"), "the architecture")
    shape = arch.get("input_shape")
    if shape != list(INPUT_SHAPE):
        raise ValueError(f"the network takes inputs of shape {shape!r}; ScratchNet feeds it {INPUT_SHAPE[0]} "
                         "pixel values, so its input_shape must be [784]")
    dtype = checks.choice(arch.get("dtype"), "number type", DTYPES)
    layers = arch.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"the architecture must list from 1 to {MAX_LAYERS} layers")
    checked = [_layer(i, entry) for i, entry in enumerate(layers)]
    weights = sum(LAYER_WEIGHTS.get(cls.__name__, lambda c: 0)(config) for cls, config in checked)
    if weights > MAX_MODEL_WEIGHTS:
        raise ValueError(f"its layers would hold {weights:,} weights, more than ScratchNet loads "
                         f"(at most {MAX_MODEL_WEIGHTS:,})")
    record = ModelRecord(dtype, checked)
    if meta.get("spec") is not None:
        record.spec = ModelSpec.from_json(meta["spec"])
    if meta.get("train_config") is not None:
        record.train_config = TrainConfig.from_json(meta["train_config"])
    record.epochs = History.from_json(_object(_given(meta, "history", {}), "the history")).epochs
    if meta.get("test_accuracy") is not None:
        record.test_accuracy = checks.real(meta["test_accuracy"], "the test accuracy", 0, 1)
    if meta.get("optimizer"):
        record.optimizer = _optimizer(_object(meta["optimizer"], "the optimizer"))
    record.step = checks.whole(meta.get("step", 0), "the step", 0, 2 ** 62)
    dataset = meta.get("dataset", "MNIST")
    if not isinstance(dataset, str) or len(dataset) > 200:
        raise ValueError("the dataset's name must be a text of at most 200 characters")
    record.dataset = dataset
    record.notes = _object(_given(meta, "notes", {}), "the notes")
    if meta.get("temperature") is not None:
        record.temperature = checks.real(meta["temperature"], "the calibration temperature", above=0)
    return record


def _given(meta: dict, key: str, default):
    """meta[key], or `default` when it is absent or null (an empty list is not absent: it is wrong)."""
    value = meta.get(key)
    return default if value is None else value


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def _layer(i: int, entry) -> tuple[type[Layer], dict]:
    entry = _object(entry, f"layer {i}")
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise ValueError(f"layer {i} is of unknown type {kind!r}")
    config = _object(entry.get("config", {}), f"layer {i}'s settings")
    settings = LAYER_SETTINGS[kind]
    unknown = sorted(set(config) - set(settings))
    if unknown:
        raise ValueError(f"layer {i} ({kind}) has settings it does not take: {', '.join(map(repr, unknown))}")
    missing = sorted(set(settings) - set(config))
    if missing:
        raise ValueError(f"layer {i} ({kind}) lacks its settings {', '.join(map(repr, missing))}")
    return LAYER_TYPES[kind], {key: check(config[key], f"layer {i} ({kind}) {key}") for key, check in settings.items()}


def _optimizer(o: dict) -> OptimizerRecord:
    rule = OPTIMIZERS[checks.choice(o.get("name"), "optimizer", OPTIMIZERS)]
    takes = set(inspect.signature(rule.__init__).parameters) - {"self", "params"}
    hyper = _object(o.get("hyperparameters"), "the optimizer's hyperparameters")
    unknown = sorted(set(hyper) - takes)
    if unknown or "lr" not in hyper:
        raise ValueError(f"the optimizer's hyperparameters are not {rule.__name__}'s: {sorted(hyper)}")
    hyper = {k: HYPERPARAMETERS[k](v, f"the optimizer's {k}") for k, v in hyper.items()}
    scales = _object(o.get("state_scales") or {}, "the optimizer's state scales")
    if set(scales) - set(rule.slots):
        raise ValueError(f"the optimizer's state scales name state {rule.__name__} does not keep")
    scales = {k: checks.real(v, f"the optimizer's {k} scale", above=0, high=1e30) for k, v in scales.items()}
    return OptimizerRecord(rule, checks.whole(o.get("t"), "the optimizer's step count", 0, 2 ** 62), hyper, scales)
