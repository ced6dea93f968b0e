"""Model files: one .npz holding the weights (and optimizer state) plus a JSON record of the
architecture, training settings and history. Written atomically; read with allow_pickle=False."""
from __future__ import annotations

import datetime
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ..nn.builders import ModelSpec
from ..nn.layers import LAYER_TYPES
from ..nn.network import Network
from ..nn.optimizers import OPTIMIZERS, Optimizer
from ..training.records import History, TrainConfig
from ..version import __version__
from .atomic import atomic_open

FORMAT = "scratchnet-model"
FORMAT_VERSION = 1
META_KEY = "meta.json"


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


def save_model(path: Path | str, model: SavedModel) -> None:
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
        with atomic_open(path) as f:
            np.savez(f, **arrays)
    except OSError as e:
        raise ModelFileError(f"cannot save the model to {path}: {e.strerror or e}") from None


def read_meta(path: Path | str) -> dict:
    """Only the JSON record of a model file (cheap: no network is built)."""
    return _read(Path(path))[0]


def load_model(path: Path | str) -> SavedModel:
    path = Path(path)
    meta, arrays = _read(path)
    try:
        return _build(meta, arrays)
    except ModelFileError as e:
        raise ModelFileError(f"{path.name}: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{path.name} does not match its own architecture record ({e}); "
                             "it was damaged or written by another program") from None


def _read(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    if not path.exists():
        raise ModelFileError(f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}  # reads (and CRC-checks) everything now
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        kind = "not a ScratchNet model file" if not zipfile.is_zipfile(path) else "damaged or truncated"
        raise ModelFileError(f"{path.name} is {kind} ({type(e).__name__}: {e})") from None
    if META_KEY not in arrays:
        raise ModelFileError(f"{path.name} is a NumPy archive but not a ScratchNet model (no {META_KEY})")
    try:
        meta = json.loads(arrays.pop(META_KEY).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path.name} has a damaged model record: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path.name} is not a ScratchNet model file")
    if meta.get("version", 0) > FORMAT_VERSION:
        raise ModelFileError(f"{path.name} was written by a newer ScratchNet (format version "
                             f"{meta['version']}); this one reads version {FORMAT_VERSION}")
    return meta, arrays


def _assign(target: np.ndarray, saved: np.ndarray, name: str) -> np.ndarray:
    if saved.shape != target.shape:
        raise ModelFileError(f"{name} has shape {saved.shape}, but the architecture needs {target.shape}")
    if not np.issubdtype(saved.dtype, np.floating):
        raise ModelFileError(f"{name} holds {saved.dtype} values, not floating point numbers")
    if not np.all(np.isfinite(saved)):
        raise ModelFileError(f"{name} contains NaN or infinite values")
    return saved.astype(target.dtype)


def _temperature(value) -> float | None:
    """The calibration temperature of the record (engine/nn/calibration.py): None, or a positive number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ModelFileError(f"its calibration temperature is {value!r}, not a positive number")
    return float(value)


def _build(meta: dict, arrays: dict[str, np.ndarray]) -> SavedModel:
    arch = meta["architecture"]
    layers = []
    for i, entry in enumerate(arch["layers"]):
        cls = LAYER_TYPES.get(entry["type"])
        if cls is None:
            raise ModelFileError(f"layer {i} is of unknown type {entry['type']!r}")
        layer = cls(**entry["config"])
        for j, p in enumerate(layer.parameters()):
            p.value = _assign(p.value, arrays[f"layer{i}/param{j}"], f"layer {i} ({entry['type']}) parameter {j}")
            p.grad = np.zeros_like(p.value)
        for j, buf in enumerate(layer.buffers()):
            buf[...] = _assign(buf, arrays[f"layer{i}/buffer{j}"], f"layer {i} ({entry['type']}) buffer {j}")
        layers.append(layer)
    network = Network(layers, tuple(arch["input_shape"]), np.dtype(arch["dtype"]))
    network.temperature = _temperature(meta.get("temperature"))
    shapes = network.output_shapes()  # raises if consecutive layers do not fit together
    if shapes and shapes[-1] != (10,) and meta.get("spec") is None:
        raise ModelFileError(f"the network ends in {shapes[-1]} values, not 10 class scores")
    optimizer = None
    if meta.get("optimizer"):
        o = meta["optimizer"]
        cls = OPTIMIZERS[o["name"]]
        optimizer = cls(network.parameters(), **o["hyperparameters"])
        state = {k.removeprefix("optimizer/"): v for k, v in arrays.items() if k.startswith("optimizer/")}
        # Files of ScratchNet 1.0 kept some moments multiplied by a constant (state_scales, e.g. Adam's m
        # divided by 1 - beta1); they are read back as the rule's own quantities.
        for name, scale in (o.get("state_scales") or {}).items():
            state.update({k: v * scale for k, v in state.items() if k.startswith(f"{name}/")})
        optimizer.load_state_arrays(state, int(o["t"]))
    return SavedModel(
        network=network,
        spec=ModelSpec.from_json(meta["spec"]) if meta.get("spec") else None,
        train_config=TrainConfig.from_json(meta["train_config"]) if meta.get("train_config") else None,
        history=History.from_json(meta.get("history") or {}, arrays.get("history/losses")),
        test_accuracy=meta.get("test_accuracy"), optimizer=optimizer, step=int(meta.get("step", 0)),
        dataset=meta.get("dataset", "MNIST"), notes=meta.get("notes") or {})
