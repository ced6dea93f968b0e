"""Whether an engine's child processes end when their parent is killed outright."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


def running(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie waiting to be reaped has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children_outlive_a_killed_parent(script: str, folder: Path, seconds: float = 10) -> list[int]:
    """Run `script` (which prints its children's ids on one line once they run, then waits), kill
    it with SIGKILL and return those of its children still running `seconds` later."""
    path = folder / "parent.py"
    path.write_text(script)
    parent = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        children = [int(pid) for pid in parent.stdout.readline().split()]
        assert children, "the script started no child process"
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(running(pid) for pid in children):
            time.sleep(0.05)
        return [pid for pid in children if running(pid)]
    finally:
        parent.kill()
