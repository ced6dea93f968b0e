"""Model files: one .npz holding the weights (and optimizer state) plus a JSON record of the
architecture, training settings and history. Written atomically; read member by member, each
checked before it is decompressed (npz_archive), never with pickle."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ..nn.builders import ModelSpec
from ..nn.network import Network
from ..nn.optimizers import OPTIMIZERS, Optimizer
from ..training.records import History, TrainConfig
from ..version import __version__
from .atomic import atomic_open, save_target
from .model_record import CLASSES, INPUT_SHAPE, ModelRecord, check_record
from .npz_archive import NpzArchive

FORMAT = "scratchnet-model"
FORMAT_VERSION = 1
META_KEY = "meta.json"
MAX_FILE_BYTES = 2 ** 33         # 8 GiB; the record and each array are bounded on their own too
MAX_RECORD_BYTES = 2 ** 24
MAX_STEPS = 2 ** 23              # losses kept, one per step: 64 MB, 140 epochs at batch 1


@dataclass
class SavedModel:
    """A network and what is known about it: how it was built and trained, and how well it does."""
    network: Network
    spec: ModelSpec | None = None            # None for an architecture not made by a ModelSpec
    train_config: TrainConfig | None = None
    history: History = field(default_factory=History)
    test_accuracy: float | None = None
    optimizer: Optimizer | None = None       # with its state, so training can resume exactly
    step: int = 0
    dataset: str = "MNIST"
    notes: dict = field(default_factory=dict)  # free-form, e.g. {"finetuned_from": "..."}

    def describe(self) -> str:
        return self.spec.describe() if self.spec else f"{len(self.network.layers)}-layer network"


def save_model(path: Path | str, model: SavedModel) -> Path:
    """Write the model atomically; returns the path written (.npz added when the name has no suffix,
    a symbolic link followed to its file)."""
    path = Path(path)
    net = model.network
    arrays: dict[str, np.ndarray] = {}
    layers = []
    for i, layer in enumerate(net.layers):
        layers.append({"type": type(layer).__name__, "config": layer.config()})
        for j, p in enumerate(layer.parameters()):
            arrays[f"layer{i}/param{j}"] = p.value
        for j, buf in enumerate(layer.buffers()):
            arrays[f"layer{i}/buffer{j}"] = buf
    optimizer = None
    if model.optimizer is not None:
        opt = model.optimizer
        # By the rule it follows: a faster twin of a rule (engine/speed) is saved as that rule.
        name = next(k for cls in type(opt).__mro__ for k, rule in OPTIMIZERS.items() if cls is rule)
        optimizer = {"name": name, "t": opt.t, "hyperparameters": opt.hyperparameters()}
        arrays.update({f"optimizer/{k}": v for k, v in opt.state_arrays().items()})
    arrays["history/losses"] = np.asarray(model.history.losses, dtype=np.float64)
    meta = {
        "format": FORMAT, "version": FORMAT_VERSION, "app_version": __version__,
        "saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "architecture": {"input_shape": list(net.input_shape), "dtype": net.dtype.name, "layers": layers},
        "spec": model.spec.to_json() if model.spec else None,
        "train_config": model.train_config.to_json() if model.train_config else None,
        "history": model.history.to_json(),
        "test_accuracy": model.test_accuracy, "optimizer": optimizer, "step": model.step,
        "dataset": model.dataset, "notes": model.notes, "temperature": net.temperature,
    }
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    if not path.suffix:
        path = path.with_suffix(".npz")
    try:
        path = save_target(path)
        with atomic_open(path) as f:
            np.savez(f, **arrays)
        return path
    except OSError as e:
        raise ModelFileError(f"cannot save the model to {path}: {e.strerror or e}") from None


def read_meta(path: Path | str) -> dict:
    """Only the JSON record of a model file (cheap: no network is built)."""
    with _open(Path(path)) as archive:
        return _record(archive)


def load_model(path: Path | str) -> SavedModel:
    """The model a file holds. Raises ModelFileError, naming the file and what is wrong, for
    anything but a whole, valid model file; the checks come before anything large is built."""
    path = Path(path)
    with _open(path) as archive:
        meta = _record(archive)
        try:
            record = check_record(meta)
            return _build(record, archive)
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, ArithmeticError) as e:
            raise ModelFileError(f"{path.name} does not hold a model ScratchNet can use: {e}") from None


def _open(path: Path) -> NpzArchive:
    return NpzArchive(path, ModelFileError, "ScratchNet model file", MAX_FILE_BYTES)


def _record(archive: NpzArchive) -> dict:
    if META_KEY not in archive:
        raise ModelFileError(f"{archive.name} is a NumPy archive but not a ScratchNet model (no {META_KEY})")
    meta = archive.record(META_KEY, MAX_RECORD_BYTES, "model record")
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{archive.name} is not a ScratchNet model file")
    version = meta.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"{archive.name} has a damaged model record: its version is {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{archive.name} was written by a newer ScratchNet (format version "
                             f"{version}); this one reads version {FORMAT_VERSION}")
    return meta


def _assign(target: np.ndarray, archive: NpzArchive, key: str, name: str) -> np.ndarray:
    saved = archive.array(key, "f", shape=target.shape)
    if not np.all(np.isfinite(saved)):
        raise ModelFileError(f"{archive.name}: {name} contains NaN or infinite values")
    return saved.astype(target.dtype)


def _build(record: ModelRecord, archive: NpzArchive) -> SavedModel:
    layers, shape = [], INPUT_SHAPE
    for i, (cls, config) in enumerate(record.layers):
        layer = cls(**config)
        shape = layer.output_shape(shape)  # raises if it does not fit the layer before: nothing more is built
        for j, p in enumerate(layer.parameters()):
            p.value = _assign(p.value, archive, f"layer{i}/param{j}", f"layer {i} ({cls.__name__}) parameter {j}")
            p.grad = np.zeros_like(p.value)
        for j, buf in enumerate(layer.buffers()):
            buf[...] = _assign(buf, archive, f"layer{i}/buffer{j}", f"layer {i} ({cls.__name__}) buffer {j}")
        layers.append(layer)
    if shape != (CLASSES,):
        raise ModelFileError(f"{archive.name}: the network ends in {shape} values, not {CLASSES} class scores")
    network = Network(layers, INPUT_SHAPE, np.dtype(record.dtype))
    network.temperature = record.temperature
    with np.errstate(all="ignore"):
        scores = network.forward(np.zeros((1, *INPUT_SHAPE)))
    if not np.all(np.isfinite(scores)):
        raise ModelFileError(f"{archive.name}: the network's scores overflow (its weights are too large)")
    optimizer = None
    if record.optimizer is not None:
        o = record.optimizer
        optimizer = o.rule(network.parameters(), **o.hyperparameters)
        state = {}
        for slot, arrays in optimizer.state.items():
            # Files of ScratchNet 1.0 kept some moments multiplied by a constant (state_scales, e.g. Adam's m
            # divided by 1 - beta1); they are read back as the rule's own quantities.
            scale = o.state_scales.get(slot, 1.0)
            for i, array in enumerate(arrays):
                state[f"{slot}/{i}"] = _assign(array, archive, f"optimizer/{slot}/{i}", f"optimizer state {slot}/{i}") * scale
        optimizer.load_state_arrays(state, o.t)
    losses = archive.array("history/losses", "f", ndim=1, max_values=MAX_STEPS) if "history/losses" in archive else None
    return SavedModel(
        network=network, spec=record.spec, train_config=record.train_config,
        history=History([float(v) for v in (losses if losses is not None else [])], record.epochs),
        test_accuracy=record.test_accuracy, optimizer=optimizer, step=record.step,
        dataset=record.dataset, notes=record.notes)
