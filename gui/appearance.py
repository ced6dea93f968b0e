"""View > Theme: Light, Dark or the system's, remembered in the settings; the plots follow it.

A theme is a palette for the whole application (Fusion draws every widget from it); the plots,
which pyqtgraph paints in colours given once, are restyled after each change (theme.restyle_all)."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow

from . import theme

SETTING = "view/theme"
THEMES = {"system": "&System", "light": "&Light", "dark": "&Dark"}
DEFAULT = "system"

Role, Group = QPalette.ColorRole, QPalette.ColorGroup


def light_palette() -> QPalette:
    """Fusion's own light palette, whatever the system's."""
    return QApplication.style().standardPalette()


def dark_palette() -> QPalette:
    """A dark palette in Fusion's manner: dark grey surfaces, light text, the app's blue highlight."""
    palette = QPalette()
    colours = {
        Role.Window: "#2d2f33", Role.WindowText: "#e6e6e6", Role.Base: "#232427", Role.AlternateBase: "#2f3135",
        Role.ToolTipBase: "#3a3c41", Role.ToolTipText: "#e6e6e6", Role.PlaceholderText: "#8a8f98",
        Role.Text: "#e6e6e6", Role.Button: "#36383d", Role.ButtonText: "#e6e6e6", Role.BrightText: "#ff6b6b",
        Role.Light: "#4a4d53", Role.Midlight: "#3e4146", Role.Mid: "#2a2c30", Role.Dark: "#1c1d20",
        Role.Shadow: "#101113", Role.Highlight: "#2f7de1", Role.HighlightedText: "#ffffff",
        Role.Link: "#6aa8f0", Role.LinkVisited: "#a58af0",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.HighlightedText):
        palette.setColor(Group.Disabled, role, QColor("#7d8189"))
    palette.setColor(Group.Disabled, Role.Highlight, QColor("#4a4d53"))
    return palette


def saved_theme(settings: QSettings) -> str:
    name = str(settings.value(SETTING, DEFAULT))
    return name if name in THEMES else DEFAULT


def apply_theme(name: str) -> None:
    """Colour the whole application: `system` leaves the colours to the desktop (the palette the
    platform gives, light or dark), `light` and `dark` choose them whatever the desktop does."""
    app = QApplication.instance()
    hints = app.styleHints()
    # The hint tells the platform too (window frames on Windows and macOS follow it).
    scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(name)
    if hasattr(hints, "setColorScheme"):
        if scheme is None:
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(scheme)
    if name == "dark":
        app.setPalette(dark_palette())
    elif name == "light":
        app.setPalette(light_palette())
    else:
        app.setPalette(QPalette())      # an empty palette: back to the platform's own
    theme.restyle_all()


def install_view_menu(window: QMainWindow, settings: QSettings) -> dict[str, QAction]:
    """A View menu with the three themes as a choice of one, the saved one checked and applied."""
    menu = window.menuBar().addMenu("&View")
    themes = menu.addMenu("&Theme")
    group = QActionGroup(window)
    group.setExclusive(True)
    actions: dict[str, QAction] = {}
    chosen = saved_theme(settings)

    def choose(name: str) -> None:
        settings.setValue(SETTING, name)
        apply_theme(name)

    for name, text in THEMES.items():
        action = QAction(text, window, checkable=True)
        action.setChecked(name == chosen)
        action.setObjectName(f"theme-{name}")
        action.triggered.connect(lambda _=False, name=name: choose(name))
        group.addAction(action)
        themes.addAction(action)
        actions[name] = action
    return actions


def apply_saved_theme(settings: QSettings) -> None:
    """At start-up, before the widgets are built, so that they are built in the theme's colours."""
    apply_theme(saved_theme(settings))
