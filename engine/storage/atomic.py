"""Atomic file writes: a temporary file in the same folder, flushed, then renamed over the target,
so a crash or a full disk leaves either the old file or the new one, never half of one.

Only a regular file is ever replaced: a symbolic link is followed to its file (the link stays), and
a device, FIFO or folder at the target is refused. The temporary file is removed on any exception,
KeyboardInterrupt included (the command line turns SIGTERM into one); one left by a process that
was killed outright is removed by the next save to the same name, as its name carries the dead
process's id."""
from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .regular_files import kind_of

# mkstemp creates files readable by their owner only; a saved model should get the usual
# permissions instead. Read once at import, while no other thread can be changing the umask.
_UMASK = os.umask(0)
os.umask(_UMASK)
USUAL_MODE = 0o666 & ~_UMASK
PRIVATE_MODE = 0o600
PRIVATE_FOLDER = 0o700


def make_private_folder(folder: Path) -> Path:
    """`folder` (and its parents), created if need be and open to its owner alone: one that predates
    this rule, with group or others allowed in, is closed to them if it is the user's own."""
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    info = folder.stat()
    if os.name == "posix" and info.st_uid == os.getuid() and info.st_mode & 0o077:
        os.chmod(folder, PRIVATE_FOLDER)
    return folder


def save_target(path: Path | str) -> Path:
    """The file a save to `path` replaces: a symbolic link followed to its file. Raises OSError
    when that is not a regular file (a device, a FIFO, a folder)."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(mode):
        raise OSError(f"{path} is {kind_of(mode)}; only a regular file is replaced, so nothing was written")
    return target


@contextlib.contextmanager
def atomic_open(path: Path, suffix: str = ".tmp", mode: int = USUAL_MODE) -> Iterator[BinaryIO]:
    path = save_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{os.getpid()}."
    remove_orphans(path, suffix)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    try:
        if hasattr(os, "fchmod"):  # POSIX; Windows has no such permissions
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_orphans(path: Path, suffix: str = ".tmp") -> None:
    """Delete the temporary files of saves to `path` whose process no longer exists."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[A-Za-z0-9_]+{re.escape(suffix)}")
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            match = pattern.fullmatch(entry.name)
            if match and not _alive(int(match.group(1))) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True   # no cheap way to ask; leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:     # exists, but belongs to someone else
        return True
    return True


def atomic_write_bytes(path: Path, data: bytes, mode: int = USUAL_MODE) -> None:
    with atomic_open(path, mode=mode) as f:
        f.write(data)


def atomic_write_with(path: Path, write: Callable[[BinaryIO], None], mode: int = USUAL_MODE) -> None:
    with atomic_open(path, mode=mode) as f:
        write(f)
