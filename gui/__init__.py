"""The desktop app (PySide6), on top of engine/."""
