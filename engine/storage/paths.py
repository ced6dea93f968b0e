"""Where the bundled resources and the user's own files live, with and without PyInstaller."""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ScratchNet"


def app_root() -> Path:
    """The folder holding resources/: the repository, or PyInstaller's unpacked bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parents[2]


def resource(*parts: str) -> Path:
    return app_root().joinpath("resources", *parts)


def bundled_mnist_dir() -> Path:
    return resource("mnist")


def bundled_model(name: str = "default_cnn.npz") -> Path:
    return resource("models", name)


def user_data_dir() -> Path:
    """The user's own folder for saved models and samples (never inside the bundle).

    SCRATCHNET_HOME overrides it, which the tests use to stay out of the real home folder."""
    override = os.environ.get("SCRATCHNET_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_NAME
