"""Folders of files that the engine's child processes share with it, in RAM where the system has it.

A child maps such a file into memory (np.memmap); on POSIX systems the file is deleted as soon as
every child has it open, so nothing is left behind even when the app is killed. A process killed
before that (in the second or so that writing the files and starting the children take) leaves its
folder, named after its process id; the next one to make a folder removes those of processes that
have ended."""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

PREFIX = "scratchnet-"
# How long a child process may take to start (a frozen app unpacks nothing more, but a busy machine is slow).
START_SECONDS = 60


def memory_folder() -> str | None:
    """A RAM-backed folder for the shared files if the system has one, else None (the temp folder)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def make_folder(purpose: str) -> Path:
    """A new folder for this process's shared files of one `purpose` (a word, no dashes)."""
    root = memory_folder()
    remove_abandoned_folders(root)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{purpose}-{os.getpid()}-", dir=root))


def reserve(path: Path, size: int) -> None:
    """Make a file of `size` bytes whose storage is taken now. A file merely made that long has none
    yet: in a RAM folder that is nearly full, a child writing through its memory map then finds no
    page and is killed (SIGBUS) in the middle of its work, where this fails at once, with an OSError."""
    with open(path, "wb") as file:
        if hasattr(os, "posix_fallocate"):
            os.posix_fallocate(file.fileno(), 0, size)
        else:
            file.truncate(size)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)                 # POSIX signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:                     # another user's process, say: leave its folder alone
        return True
    return True


def remove_abandoned_folders(root: str | None) -> None:
    """Remove the shared-file folders in `root` (None: the temp folder) of processes that have ended.
    A folder is named PREFIX, its purpose, the id of the process that made it, random letters, with
    dashes between. POSIX only: elsewhere the files of a killed process cannot have been deleted
    early either, and os.kill() would not just ask."""
    if os.name != "posix":
        return
    for folder in Path(root or tempfile.gettempdir()).glob(PREFIX + "*-*-*"):
        pid = folder.name[len(PREFIX):].split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def end_with_the_parent() -> None:
    """In a child process: leave Ctrl-C to the parent, which ends the child when it has stopped
    (a child interrupted in the middle of its loop would print a traceback), and exit when the
    parent does, however it ends (a child waiting on a pipe or a queue that other processes also
    hold would not hear of it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), name="parent-watch", daemon=True).start()
