"""IDX files (the MNIST format), the bundled MNIST, and train/validation splits."""
from __future__ import annotations

import gzip
import hashlib
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..storage.paths import bundled_mnist_dir
from ..storage.regular_files import read_regular, open_regular

# SHA-256 of the decompressed files, from resources/mnist/README.md.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# The four files of a dataset: what their names contain, in the MNIST, Fashion-MNIST and EMNIST
# conventions ("train-images-idx3-ubyte", "emnist-digits-test-images-idx3-ubyte", ...).
ROLES = {
    "train_images": ("train-images",),
    "train_labels": ("train-labels",),
    "test_images": ("t10k-images", "test-images"),
    "test_labels": ("t10k-labels", "test-labels"),
}
CLASSES = 10                 # every network here reads digits
MAX_IDX_BYTES = 2 ** 31      # decompressed; EMNIST's largest file is about 550 MB
MAX_IDX_DIMS = 4
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx_bytes(path: Path) -> bytearray:
    """The decompressed content of an IDX file, gzipped or not. Its header is read first and the
    size it declares checked against MAX_IDX_BYTES, so a small .gz cannot expand to gigabytes."""
    path = Path(path)
    with open_regular(path, DatasetError, "dataset file", MAX_IDX_BYTES) as f:
        try:
            compressed = f.read(2) == b"\x1f\x8b"
            f.seek(0)
            stream = gzip.GzipFile(fileobj=f) if compressed else f
            header, shape, dtype = _idx_header(stream.read, path.name)
            size = math.prod(shape) * dtype.itemsize
            if len(header) + size > MAX_IDX_BYTES:
                raise DatasetError(f"{path.name} declares an array of shape {shape} ({size:,} bytes), more than "
                                   f"a dataset file can be (at most {MAX_IDX_BYTES:,} bytes)")
            data = bytearray(len(header) + size)
            data[:len(header)] = header
            view, filled = memoryview(data)[len(header):], 0
            while filled < size and (n := stream.readinto(view[filled:])):
                filled += n
            extra = stream.read(1)
        except (OSError, EOFError, zlib.error) as e:
            raise DatasetError(f"{path.name} is not a valid gzip file (truncated or corrupt): {e}") from None
    if filled != size or extra:
        raise DatasetError(f"{path.name} is truncated or corrupt: its header declares an array of shape {shape} "
                           f"({len(header) + size:,} bytes), but the file is {'longer' if extra else 'shorter'}")
    return data


def _idx_header(read, name: str) -> tuple[bytes, tuple[int, ...], np.dtype]:
    """(the header's bytes, the array's shape, its dtype), from a function reading n bytes."""
    magic = read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_DTYPES:
        raise DatasetError(f"{name} is not an IDX file (bad magic number)")
    ndim = magic[3]
    if not 1 <= ndim <= MAX_IDX_DIMS:
        raise DatasetError(f"{name} is not an IDX file ScratchNet reads: it declares {ndim} dimensions")
    dims = read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise DatasetError(f"{name} is truncated: its header is incomplete")
    shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(ndim))
    return bytes(magic) + bytes(dims), shape, np.dtype(IDX_DTYPES[magic[2]])


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """An IDX file's array (http://yann.lecun.com/exdb/mnist/): magic, dims, then the values."""
    offset = 0

    def read(n: int) -> bytes:
        nonlocal offset
        offset += n
        return data[offset - n:offset]
    header, shape, dtype = _idx_header(read, name)
    expected = len(header) + math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        raise DatasetError(f"{name} is truncated or corrupt: {len(data):,} bytes, expected {expected:,} "
                           f"for an array of shape {shape}")
    return np.frombuffer(data, dtype, offset=len(header)).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an (uncompressed) IDX file, atomically."""
    from ..storage.atomic import atomic_write_bytes
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    atomic_write_bytes(Path(path), header + array.tobytes())


@dataclass
class Dataset:
    """Images as uint8 (N, 784), 0 = background, 255 = ink; labels as int64 (N,)."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    name: str = "MNIST"

    @property
    def classes(self) -> int:
        return int(max(self.train_labels.max(), self.test_labels.max())) + 1


def find_idx_files(folder: Path) -> dict[str, Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is a file, not a dataset folder (of IDX files)" if folder.exists()
                           else f"dataset folder not found: {folder}")
    try:
        entries = list(folder.iterdir())
    except OSError as e:
        raise DatasetError(f"cannot read the folder {folder}: {e.strerror or e}") from None
    found = {}
    for role, keys in ROLES.items():
        matches = sorted(p for p in entries if any(k in p.name for k in keys) and "idx" in p.name and p.is_file())
        if not matches:
            raise DatasetError(f"{folder} has no {role.replace('_', ' ')} file "
                               f"(a name containing {' or '.join(repr(k) for k in keys)} and 'idx')")
        # Prefer the uncompressed file when both are there.
        found[role] = min(matches, key=lambda p: p.suffix == ".gz")
    return found


def read_checksums(folder: Path) -> dict[str, str]:
    """A folder's own SHA256SUMS file (the `sha256sum` format), naming the decompressed files."""
    sums = folder / "SHA256SUMS"
    if not sums.exists():
        return {}
    try:
        text = read_regular(sums, DatasetError, "checksum file", 2 ** 20).decode("utf-8")
    except UnicodeDecodeError:
        raise DatasetError(f"{sums} is not a checksum list (it is not UTF-8 text)") from None
    entries = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            entries[parts[1].lstrip("*").removesuffix(".gz")] = parts[0].lower()
    return entries


def load_idx_folder(folder: Path | str, checksums: dict[str, str] | None = None,
                    name: str | None = None) -> Dataset:
    """Load the four IDX files of a folder, checking the SHA-256 of each decompressed file that
    `checksums` (default: the folder's SHA256SUMS, if any) names."""
    folder = Path(folder)
    checksums = read_checksums(folder) if checksums is None else checksums
    arrays, files = {}, find_idx_files(folder)
    for role, path in files.items():
        data = read_idx_bytes(path)
        stem = path.name.removesuffix(".gz")
        if stem in checksums and hashlib.sha256(data).hexdigest() != checksums[stem]:
            raise DatasetError(f"{path} is corrupt: its SHA-256 does not match the published one")
        arrays[role] = parse_idx(data, path.name)
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        image_file, label_file = files[f"{part}_images"].name, files[f"{part}_labels"].name
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise DatasetError(f"{image_file}: {part} images must be 28x28 uint8, got shape {images.shape} {images.dtype}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise DatasetError(f"{label_file}: {len(images)} {part} images but labels of shape {labels.shape}")
        if len(labels) == 0 and part == "train":   # an export of samples has an empty test set
            raise DatasetError(f"{folder}: the {part} set has no images")
        if labels.dtype.kind not in "iu":
            raise DatasetError(f"{label_file}: labels must be whole numbers, got {labels.dtype} values")
        if len(labels) and (labels.min() < 0 or labels.max() >= CLASSES):
            wrong = labels[(labels < 0) | (labels >= CLASSES)][0]
            raise DatasetError(f"{label_file}: labels must be digits from 0 to {CLASSES - 1}; found {wrong}")
    return Dataset(arrays["train_images"].reshape(-1, 784), arrays["train_labels"].astype(np.int64),
                   arrays["test_images"].reshape(-1, 784), arrays["test_labels"].astype(np.int64),
                   name=name or folder.name)


_cache: dict[str, Dataset] = {}


def load_mnist(folder: Path | str | None = None) -> Dataset:
    """The bundled MNIST, checked against its published checksums, or another IDX folder;
    each loaded once per process."""
    folder = Path(folder) if folder else bundled_mnist_dir()
    key = str(folder.resolve())
    if key not in _cache:
        bundled = folder.resolve() == bundled_mnist_dir().resolve()
        _cache[key] = load_idx_folder(folder, MNIST_SHA256 if bundled else None, "MNIST" if bundled else None)
    return _cache[key]


def to_float(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """uint8 images to floats in [0, 1]."""
    out = images.astype(dtype)
    out *= 1.0 / 255.0
    return out


@dataclass
class Split:
    """Float images in [0, 1] and labels, for one of train / validation / test."""
    x: np.ndarray
    t: np.ndarray

    def __len__(self) -> int:
        return len(self.t)


def train_validation_split(images: np.ndarray, labels: np.ndarray, validation: int, seed: int,
                           dtype=np.float32, train_size: int | None = None) -> tuple[Split, Split]:
    """Hold out `validation` images, chosen by a seeded permutation, for choosing hyperparameters;
    the rest (or the first `train_size` of the rest) is for training."""
    if not 0 <= validation < len(labels):
        raise ValueError(f"validation size must be between 0 and {len(labels) - 1}, got {validation}")
    order = np.random.default_rng([seed, 0x5A11D]).permutation(len(labels))
    val, train = order[:validation], order[validation:]
    if train_size is not None:
        train = train[:train_size]
    return (Split(to_float(images[train], dtype), labels[train]),
            Split(to_float(images[val], dtype), labels[val]))
