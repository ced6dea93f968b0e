"""The user's own labelled drawings: one small file per sample in a folder of the user's data.

A sample file `<id>.npz` (written atomically, read with allow_pickle=False) holds
- `meta.json`: uint8 bytes of {"format": "scratchnet-sample", "version", "label", "pen_width", "created", "source"},
- `points`: float32 (P, 2), every stroke's points one after the other, in canvas units (0..1),
- `stroke_lengths`: int32 (S,), how many of those points each stroke has,
- `vector`: float32 (784,), the drawing as the network saw it when it was labelled.
One file per sample means a crash or a full disk can at worst lose the sample being written, and a
damaged file costs only itself: loading skips it with a warning and keeps the rest.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..data.datasets import find_idx_files, load_idx_folder, to_float, write_idx
from ..data.preprocess import mnist_image
from .. import checks
from ..errors import DatasetError, EngineError
from .atomic import PRIVATE_MODE, atomic_open, make_private_folder
from .npz_archive import NpzArchive
from .paths import user_data_dir

log = logging.getLogger(__name__)

FORMAT = "scratchnet-sample"
FORMAT_VERSION = 1
META_KEY = "meta.json"
CLASSES = 10
MAX_FILE_BYTES = 2 ** 24          # a sample is a few kilobytes
MAX_RECORD_BYTES = 2 ** 16
MAX_POINTS = 2 ** 20
# The IDX files an export writes: the names MNIST uses, so load_idx_folder and --data read them.
IDX_NAMES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


class SampleFileError(EngineError):
    """A sample file cannot be read or written."""


def default_samples_dir() -> Path:
    return user_data_dir() / "samples"


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Sample:
    id: str
    label: int
    vector: np.ndarray                         # (784,) float32 in [0, 1], ink bright
    strokes: tuple[np.ndarray, ...] = ()       # (n, 2) float32 point lists; none for imported images
    pen_width: float = 0.0                     # canvas units; 0 when there are no strokes
    created: str = field(default_factory=now_iso)
    source: str = "drawn"                      # "drawn" or "imported"

    def image(self) -> np.ndarray:
        """The 28x28 uint8 picture (ink bright), as an IDX export stores it."""
        return mnist_image(self.vector)

    def content_key(self) -> tuple[int, bytes]:
        """Same label and same 28x28 picture: the same sample, whichever file it came from."""
        return self.label, hashlib.sha1(self.image().tobytes()).digest()


def check_label(label) -> int:
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= int(label) < CLASSES:
        raise ValueError(f"a label is a digit from 0 to 9, got {label!r}")
    return int(label)


def check_vector(vector) -> np.ndarray:
    v = np.asarray(vector)
    if v.shape != (784,) or not np.issubdtype(v.dtype, np.floating) or not np.all(np.isfinite(v)) \
            or v.min() < 0 or v.max() > 1:
        raise ValueError(f"a sample's vector is 784 numbers in [0, 1], got shape {v.shape} {v.dtype}")
    return v.astype(np.float32)


# One file.
def write_sample(path: Path, sample: Sample) -> None:
    """Written atomically and readable by the user alone (drawings of their handwriting are theirs)."""
    lengths = np.array([len(s) for s in sample.strokes], dtype=np.int32)
    points = np.concatenate(sample.strokes).astype(np.float32) if sample.strokes else np.zeros((0, 2), np.float32)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "id": sample.id, "label": sample.label,
            "pen_width": sample.pen_width, "created": sample.created, "source": sample.source}
    with atomic_open(path, mode=PRIVATE_MODE) as f:
        np.savez_compressed(f, **{META_KEY: np.frombuffer(json.dumps(meta).encode(), np.uint8)},
                            points=points, stroke_lengths=lengths, vector=sample.vector.astype(np.float32))


def read_sample(path: Path) -> Sample:
    """Raises SampleFileError, saying what is wrong, for anything but a whole, valid sample file;
    each part is checked before it is decompressed (npz_archive)."""
    path = Path(path)
    with NpzArchive(path, SampleFileError, "sample file", MAX_FILE_BYTES) as archive:
        meta = archive.record(META_KEY, MAX_RECORD_BYTES, "sample record")
        vector = archive.array("vector", "f", shape=(784,))
        points = archive.array("points", "f", ndim=2, max_values=2 * MAX_POINTS).astype(np.float32)
        lengths = archive.array("stroke_lengths", "iu", ndim=1, max_values=MAX_POINTS)
    try:
        if meta.get("format") != FORMAT:
            raise ValueError("not a ScratchNet sample")
        version = checks.whole(meta.get("version", 0), "its format version", 0)
        if version > FORMAT_VERSION:
            raise ValueError(f"written by a newer ScratchNet (format version {version})")
        if points.shape[1:] != (2,) or not np.all(np.isfinite(points)):
            raise ValueError(f"points of shape {points.shape}")
        if np.any(lengths < 1) or int(lengths.sum(dtype=np.int64)) != len(points):
            raise ValueError("stroke lengths do not add up to the points")
        strokes = tuple(np.split(points, np.cumsum(lengths)[:-1])) if len(lengths) else ()
        pen_width = checks.real(meta.get("pen_width", 0.0), "the pen width", 0, 1)
        created, source = meta.get("created", ""), meta.get("source", "drawn")
        if not isinstance(created, str) or not isinstance(source, str):
            raise ValueError("its dates and source are not texts")
        return Sample(id=path.stem, label=check_label(meta.get("label")), vector=check_vector(vector),
                      strokes=strokes, pen_width=pen_width, created=created[:64], source=source[:32])
    except ValueError as e:
        raise SampleFileError(f"{path.name} is not a valid sample file ({e})") from None


def holdout_mask(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Which samples to hold out: `fraction` of each digit's samples (rounded; a digit with a single
    sample is never held out), chosen by a permutation seeded with `seed`. Stratified, so every digit
    the user drew is measured; deterministic for a given order of samples."""
    if not 0 <= fraction < 1:
        raise ValueError(f"the held-out fraction must be in [0, 1), got {fraction}")
    labels = np.asarray(labels)
    mask = np.zeros(len(labels), bool)
    for digit in range(CLASSES):
        where = np.flatnonzero(labels == digit)
        take = min(int(round(fraction * len(where))), len(where) - 1)
        if take > 0:
            chosen = np.random.default_rng([seed, digit]).permutation(where)[:take]
            mask[chosen] = True
    return mask


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


class SampleStore:
    """A folder of sample files and, after load(), the samples in memory, in the order they were made.

    Each change is written to disk first (atomically) and then applied in memory, so what is in memory
    is always on disk. Safe to use from several threads."""

    def __init__(self, folder: Path | str | None = None):
        self.folder = Path(folder) if folder is not None else default_samples_dir()
        self._samples: dict[str, Sample] = {}
        self._lock = threading.RLock()

    # Reading.
    def load(self) -> list[str]:
        """Read every sample file of the folder; returns the problems (damaged files, which are skipped
        and left where they are) and logs each as a warning."""
        samples, problems = {}, []
        paths = sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []
        for path in paths:
            try:
                sample = read_sample(path)
            except SampleFileError as e:
                log.warning("skipping a sample file: %s", e)
                problems.append(str(e))
                continue
            samples[sample.id] = sample
        with self._lock:
            self._samples = dict(sorted(samples.items(), key=lambda kv: (kv[1].created, kv[0])))
        return problems

    def samples(self, label: int | None = None) -> list[Sample]:
        with self._lock:
            return [s for s in self._samples.values() if label is None or s.label == label]

    def get(self, sample_id: str) -> Sample:
        with self._lock:
            return self._samples[sample_id]

    def __len__(self) -> int:
        with self._lock:
            return len(self._samples)

    def counts(self) -> np.ndarray:
        """How many samples of each digit, (10,)."""
        labels = [s.label for s in self.samples()]
        return np.bincount(np.array(labels, dtype=np.int64), minlength=CLASSES)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(x float32 (N, 784), t int64 (N,)) in the store's order."""
        samples = self.samples()
        x = np.array([s.vector for s in samples], np.float32).reshape(-1, 784)
        return x, np.array([s.label for s in samples], np.int64)

    def path_of(self, sample_id: str) -> Path:
        return self.folder / f"{sample_id}.npz"

    # Changes.
    def _write(self, sample: Sample) -> None:
        try:
            make_private_folder(self.folder)
            write_sample(self.path_of(sample.id), sample)
        except OSError as e:
            raise SampleFileError(f"cannot save the sample in {self.folder}: {e.strerror or e}") from None
        with self._lock:
            self._samples[sample.id] = sample

    def add(self, label: int, vector: np.ndarray, strokes=(), pen_width: float = 0.0,
            source: str = "drawn") -> Sample:
        strokes = tuple(np.asarray(s, np.float32).reshape(-1, 2) for s in strokes if len(s))
        sample = Sample(uuid.uuid4().hex, check_label(label), check_vector(vector), strokes,
                        float(pen_width) if strokes else 0.0, source=source)
        self._write(sample)
        return sample

    def relabel(self, sample_id: str, label: int) -> Sample:
        sample = replace(self.get(sample_id), label=check_label(label))
        self._write(sample)   # the same file, replaced whole
        return sample

    def restore(self, sample: Sample) -> Sample:
        """Put back a sample deleted earlier, with its own id and date (undoing a delete); it takes
        its place in the order again, as a reload would put it."""
        self._write(sample)
        with self._lock:
            self._samples = dict(sorted(self._samples.items(), key=lambda kv: (kv[1].created, kv[0])))
        return sample

    def delete(self, sample_id: str) -> None:
        try:
            self.path_of(sample_id).unlink(missing_ok=True)
        except OSError as e:
            raise SampleFileError(f"cannot delete the sample file: {e.strerror or e}") from None
        with self._lock:
            self._samples.pop(sample_id, None)

    # Exchange.
    def export_idx(self, folder: Path | str, holdout: float = 0.25, seed: int = 0) -> tuple[int, int]:
        """Write the samples as the four MNIST-named IDX files (uncompressed) in `folder`; the test
        files hold the samples `holdout_mask(labels, holdout, seed)` picks, the split fine-tuning makes
        by default. Returns (train count, test count)."""
        folder = Path(folder)
        samples = self.samples()
        if not samples:
            raise SampleFileError("there are no samples to export")
        images = np.array([s.image() for s in samples], np.uint8)
        labels = np.array([s.label for s in samples], np.uint8)
        test = holdout_mask(labels, holdout, seed)
        try:
            for part, mask in (("train", ~test), ("test", test)):
                write_idx(folder / IDX_NAMES[f"{part}_images"], images[mask])
                write_idx(folder / IDX_NAMES[f"{part}_labels"], labels[mask])
        except OSError as e:
            raise SampleFileError(f"cannot write to {folder}: {e.strerror or e}") from None
        return int((~test).sum()), int(test.sum())

    def import_from(self, folder: Path | str) -> ImportReport:
        """Add the samples of another samples folder (strokes and all) or of an IDX folder (pictures
        only, from both its train and test files). A sample already here (same label, same picture)
        is not added twice."""
        folder = Path(folder)
        if not folder.is_dir():
            raise SampleFileError(f"not a folder: {folder}")
        if folder.resolve() == self.folder.resolve():
            raise SampleFileError("that is this samples folder itself")
        report = ImportReport()
        if is_idx_folder(folder):
            dataset = load_idx_folder(folder)
            images = np.concatenate([dataset.train_images, dataset.test_images])
            labels = np.concatenate([dataset.train_labels, dataset.test_labels])
            incoming = [Sample("", int(t), v, source="imported") for v, t in zip(to_float(images), labels)]
        else:
            other = SampleStore(folder)
            report.problems = other.load()
            incoming = other.samples()
            if not incoming and not report.problems:
                raise SampleFileError(f"{folder} has neither sample files nor IDX files")
        known = {s.content_key() for s in self.samples()}
        for sample in incoming:
            key = sample.content_key()
            if key in known:
                report.duplicates += 1
                continue
            self._write(replace(sample, id=uuid.uuid4().hex))
            known.add(key)
            report.added += 1
        return report


def is_idx_folder(folder: Path) -> bool:
    try:
        find_idx_files(folder)
    except DatasetError:
        return False
    return True
