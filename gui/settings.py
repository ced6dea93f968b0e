"""QSettings in the user's ScratchNet folder (an INI file), so tests and portable installs stay self-contained."""
from __future__ import annotations

from PySide6.QtCore import QSettings

from engine.storage.paths import user_data_dir


def app_settings() -> QSettings:
    folder = user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
