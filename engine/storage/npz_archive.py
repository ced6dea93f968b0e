"""Reading the .npz archives ScratchNet writes (model and sample files) as a hostile file could make
them: every array's header is read and checked (kind of numbers, shape, size against the member's
declared size and a limit) before its data is decompressed, and the JSON record's nesting is
bounded before it is parsed. numpy.load would decompress a 3 GiB member of a 4 MB file first and
check afterwards. Every problem is raised as the caller's error type, with the file's name in it."""
from __future__ import annotations

import json
import math
import re
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .regular_files import open_regular

MAX_MEMBERS = 10_000
MAX_JSON_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


class NpzArchive:
    """An .npz file opened for checked reading; use as a context manager."""

    def __init__(self, path: Path | str, error: type[Exception], what: str, max_file_bytes: int):
        self.path, self.error, self.what = Path(path), error, what
        self.name = self.path.name
        self._file = open_regular(self.path, error, what, max_file_bytes)
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                NotImplementedError) as e:   # the last: a zip version or method Python does not read
            self._file.close()
            raise error(f"{self.name} is not a {what} (not a NumPy archive: {e})") from None
        if len(infos) > MAX_MEMBERS:
            self.close()
            raise error(f"{self.name} holds {len(infos):,} members, more than a {what} has")
        self._arrays = {i.filename.removesuffix(".npy"): i for i in infos if i.filename.endswith(".npy")}
        self._raw = {i.filename for i in infos if not i.filename.endswith(".npy")}

    def __enter__(self) -> NpzArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def names(self) -> list[str]:
        return list(self._arrays)

    def __contains__(self, key: str) -> bool:
        return key in self._arrays

    def array(self, key: str, kinds: str = "f", shape: tuple[int, ...] | None = None,
              max_values: int = 2 ** 26, ndim: int | None = None) -> np.ndarray:
        """The member `key`: numbers of one of the dtype `kinds` ("f" floats, "iu" integers, "u"
        unsigned), of exactly `shape` if given (else of `ndim` dimensions, at most max_values of them)."""
        info = self._member(key)
        try:
            with self._zip.open(info) as f:
                version = np.lib.format.read_magic(f)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ValueError(f"NumPy format version {version}")
                declared, fortran, dtype = read_header(f, max_header_size=10_000)
                self._check_header(key, dtype, declared, kinds, shape, ndim, max_values)
                nbytes = math.prod(declared) * dtype.itemsize
                if info.file_size != f.tell() + nbytes:
                    raise self.error(f"{self.name} is damaged or truncated: {key} has {info.file_size:,} "
                                     f"bytes for an array of shape {declared}")
                data = f.read(nbytes)
                if f.read(1) or len(data) != nbytes:   # reading to the end checks the CRC
                    raise ValueError("its size does not match its header")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, TypeError, NotImplementedError,
                SyntaxError, tokenize.TokenError, RecursionError, MemoryError) as e:   # the last: a header's literal
            # NumPy's messages may advise loading with pickle, which a user must never be told to do.
            detail = "its header is damaged" if "pickle" in str(e) else f"{type(e).__name__}: {e}"
            raise self.error(f"{self.name} is damaged or truncated: {key} cannot be read ({detail})") from None
        return np.frombuffer(data, dtype).reshape(declared, order="F" if fortran else "C")

    def record(self, key: str, max_bytes: int, label: str = "record") -> dict:
        """The member `key` as the JSON object it holds (stored as uint8 bytes)."""
        data = self.array(key, "u", max_values=max_bytes, ndim=1)
        if data.dtype != np.uint8:
            raise self.error(f"{self.name} has a damaged {label}: it is stored as {data.dtype}, not bytes")
        return parse_json(data.tobytes(), self.error, f"{self.name} has a damaged {label}")

    def _member(self, key: str) -> zipfile.ZipInfo:
        info = self._arrays.get(key)
        if info is None:
            if key in self._raw:
                raise self.error(f"{self.name}: its {key} is not stored as a NumPy array")
            raise self.error(f"{self.name} is not a valid {self.what}: it has no {key}")
        if info.flag_bits & 0x1:
            raise self.error(f"{self.name}: its {key} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.error(f"{self.name}: its {key} is compressed in a way ScratchNet does not write")
        return info

    def _check_header(self, key, dtype: np.dtype, declared, kinds, shape, ndim, max_values) -> None:
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in kinds:
            wanted = {"f": "floating point numbers", "u": "bytes"}.get(kinds, "integers")
            raise self.error(f"{self.name} is damaged: {key} holds {dtype} values, not {wanted}")
        if shape is not None and tuple(declared) != tuple(shape):
            raise self.error(f"{self.name}: {key} has shape {tuple(declared)}, but the architecture needs {tuple(shape)}")
        if ndim is not None and len(declared) != ndim:
            raise self.error(f"{self.name} is damaged: {key} has {len(declared)} dimensions, not {ndim}")
        if math.prod(declared) > max_values:
            raise self.error(f"{self.name} is damaged: {key} declares {math.prod(declared):,} values "
                             f"(shape {tuple(declared)}), more than a {self.what} holds (at most {max_values:,})")


def parse_json(data: bytes, error: type[Exception], what: str) -> dict:
    """A JSON object from bytes, its nesting checked (at most MAX_JSON_DEPTH) before it is parsed.
    `what` begins each message, e.g. "m.npz has a damaged model record"."""
    brackets = np.frombuffer(_NOT_BRACKET.sub(b"", _STRING.sub(b"", data)), np.uint8)
    opening = (brackets == ord("[")) | (brackets == ord("{"))
    if len(brackets) and np.cumsum(np.where(opening, 1, -1)).max() > MAX_JSON_DEPTH:
        raise error(f"{what}: it is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise error(f"{what}: {e}") from None
    if not isinstance(value, dict):
        raise error(f"{what}: it is not a JSON object")
    return value
