"""Starting the desktop app."""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from engine.version import __version__


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    QCoreApplication.setOrganizationName("ScratchNet")
    QCoreApplication.setApplicationName("ScratchNet")
    QCoreApplication.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    return app


def run_app() -> int:
    QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = make_application()
    from .main_window import MainWindow
    window = MainWindow()
    window.show()
    return app.exec()
