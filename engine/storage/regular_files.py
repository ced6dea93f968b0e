"""Opening a file the user pointed at, for reading: only a regular file, of a bounded size.

A FIFO opened for reading waits for a writer forever, a device can stream without end, and a folder
cannot be read at all; each gets a message instead. The file is opened without blocking and checked
once open, so a name that is swapped for a FIFO after a check cannot hang the reader either."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
         (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    """What a file that is not regular is, for a message."""
    return next((name for test, name in KINDS if test(mode)), "a special file")


def open_regular(path: Path | str, error: type[Exception], what: str = "file",
                 max_bytes: int | None = None) -> BinaryIO:
    """`path` opened for binary reading; raises `error` saying why not: not found, not readable,
    not a regular file, larger than max_bytes."""
    path = Path(path)
    a = "an" if what[:1] in "aeiou" else "a"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except PermissionError:
        raise error(f"cannot read {path}: permission denied") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, not {a} {what}") from None
    except OSError as e:
        raise error(f"cannot open {path}: {e.strerror or e}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path} is {kind_of(info.st_mode)}, not {a} {what}")
        if max_bytes is not None and info.st_size > max_bytes:
            raise error(f"{path} is {info.st_size:,} bytes, more than {a} {what} can be "
                        f"(at most {max_bytes:,})")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path | str, error: type[Exception], what: str = "file", max_bytes: int | None = None) -> bytes:
    """The whole content of a regular file of at most max_bytes; raises `error` otherwise."""
    with open_regular(path, error, what, max_bytes) as f:
        try:
            data = f.read() if max_bytes is None else f.read(max_bytes + 1)
        except OSError as e:
            raise error(f"cannot read {path}: {e.strerror or e}") from None
    if max_bytes is not None and len(data) > max_bytes:   # it grew while being read
        raise error(f"{path} grew to more than {max_bytes:,} bytes while it was read")
    return data
