"""QSettings in the user's ScratchNet folder (an INI file), so tests and portable installs stay self-contained.

The file is the user's to edit, and an edit can be anything: every value is read through one of the
checked readers below, which fall back to the default, with a warning in the log, on a value that
is not of the kind and range wanted, so that one bad line never stops the app from starting."""
from __future__ import annotations

import logging
import math

from PySide6.QtCore import QSettings

from engine.storage.atomic import make_private_folder
from engine.storage.paths import user_data_dir

log = logging.getLogger(__name__)


def app_settings() -> QSettings:
    folder = make_private_folder(user_data_dir())   # it holds the user's handwriting
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


class SettingsWarnings(list):
    """The keys of the settings found unusable, each logged with its value when it was met."""

    def add(self, key: str, value, default) -> None:
        log.warning("the setting %s=%r is not usable; using %r instead", key, value, default)
        self.append(key)

    def take(self) -> list[str]:
        """The keys so far, which are then forgotten (each is shown once)."""
        taken, self[:] = list(self), []
        return taken


settings_warnings = SettingsWarnings()   # of this session, shown once the window is up


def read_int(settings: QSettings, key: str, default: int, low: int, high: int) -> int:
    """An integer setting in [low, high]; "12" and 12.0 are fine, "abc", 1e99 and 2.5 are not."""
    return _read_number(settings, key, default, low, high, whole=True)


def read_float(settings: QSettings, key: str, default: float, low: float, high: float) -> float:
    """A finite number setting in [low, high]."""
    return _read_number(settings, key, default, low, high, whole=False)


def _read_number(settings: QSettings, key: str, default, low, high, whole: bool):
    value = settings.value(key)
    if value is None:
        return default
    try:
        number = float(value)
        if math.isfinite(number) and low <= number <= high and (not whole or number == int(number)):
            return int(number) if whole else number
    except (TypeError, ValueError):
        pass
    settings_warnings.add(key, value, default)
    return default


def read_text(settings: QSettings, key: str, default: str = "") -> str:
    """A text setting (a path, a name); a list or other value falls back to the default."""
    value = settings.value(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value
    settings_warnings.add(key, value, default)
    return default
