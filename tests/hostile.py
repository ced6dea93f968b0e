"""Making broken files on purpose, for the hostile-input and fuzz tests: small valid model, sample
and IDX files, and ways to damage them (rewrite their record, store a member raw, forge a header)."""
from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np

from engine.nn.builders import ModelSpec
from engine.nn.optimizers import Adam
from engine.storage.model_file import META_KEY, SavedModel, save_model
from engine.training.records import EpochReport, History, TrainConfig


def small_model(path: Path, arch: str = "mlp") -> Path:
    """A valid model file: a small MLP (or CNN with batch normalisation), with Adam's state and a history."""
    spec = ModelSpec(hidden=(8,)) if arch == "mlp" else ModelSpec(arch="cnn", channels=(2, 3), hidden=(8,), batchnorm=True)
    network = spec.build(0)
    optimizer = Adam(network.parameters(), lr=0.01)
    x = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    network.gradient(x, np.arange(4))
    optimizer.step()
    history = History([2.3], [EpochReport(1, 1, 2.3, 0.5, 0.4, None, 1.0, 0.01)])
    return save_model(path, SavedModel(network, spec, TrainConfig(epochs=1), history, 0.5, optimizer, step=1))


def members(path: Path) -> dict[str, bytes]:
    """Every member of a zip archive, by name, as stored bytes (an .npy's whole file)."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_members(path: Path, content: dict[str, bytes], compress: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in content.items():
            z.writestr(name, data)
    return path


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape, descr: str = "<f4") -> bytes:
    """Only the header of an .npy file declaring `shape` (no data follows)."""
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def record_of(path: Path, key: str = META_KEY) -> dict:
    data = members(path)[f"{key}.npy"]
    return json.loads(np.load(io.BytesIO(data), allow_pickle=False).tobytes())


def with_record(path: Path, meta, key: str = META_KEY, out: Path | None = None) -> Path:
    """The file with its JSON record replaced by `meta` (any JSON value, or bytes as they are)."""
    content = members(path)
    raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    content[f"{key}.npy"] = npy(np.frombuffer(raw, np.uint8))
    return write_members(out or path, content)


def with_member(path: Path, name: str, data: bytes | None, out: Path | None = None) -> Path:
    """The file with member `name` (e.g. "layer0/param0.npy") replaced, added, or removed (None)."""
    content = members(path)
    if data is None:
        content.pop(name, None)
    else:
        content[name] = data
    return write_members(out or path, content)


def zero_bomb(path: Path, name: str, nbytes: int, extra: dict[str, bytes] | None = None) -> Path:
    """A zip whose member `name` is an .npy of `nbytes` zero bytes (float64), deflated to about a
    thousandth of that, written in chunks so the bomb is never in memory whole."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in (extra or {}).items():
            z.writestr(member, data)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(npy_header((nbytes // 8,), "<f8"))
            chunk = bytes(2 ** 22)
            for _ in range(nbytes // len(chunk)):
                f.write(chunk)
    return path


def idx_bytes(shape, dtype_code: int = 0x08, data: bytes | None = None) -> bytes:
    """An IDX file declaring `shape`, with `data` (default: zeros of the right size)."""
    header = bytes([0, 0, dtype_code, len(shape)]) + b"".join(int(n).to_bytes(4, "big") for n in shape)
    if data is None:
        data = bytes(int(np.prod(shape, dtype=object)) * {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}[dtype_code])
    return header + data


def idx_folder(folder: Path, train_labels=None, test_labels=None, train=20, test=10, label_code=0x08) -> Path:
    """Four IDX files of random images; labels 0-9 unless given (then as IDX dtype label_code)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0D: ">f4"}
    for part, n, labels in (("train", train, train_labels), ("t10k", test, test_labels)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        (folder / f"{part}-images-idx3-ubyte").write_bytes(idx_bytes(images.shape, 0x08, images.tobytes()))
        labels = rng.integers(0, 10, n) if labels is None else np.asarray(labels)
        data = labels.astype(dtypes[label_code]).tobytes()
        (folder / f"{part}-labels-idx1-ubyte").write_bytes(idx_bytes((len(labels),), label_code, data))
    return folder
