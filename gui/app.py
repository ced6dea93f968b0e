"""Starting the desktop app."""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from engine import speed
from engine.version import __version__

from . import background, error_report


def keep_the_gui_responsive() -> None:
    """Training runs in a worker thread. The engine leaves a core to the GUI thread, and the GIL
    changes hands every millisecond instead of every five, so that the GUI thread waits less for
    the worker (bench/latency.py measures the stalls)."""
    speed.set_threads(max(1, speed.usable_cores() - 1))
    sys.setswitchinterval(0.001)


def make_application(argv: list[str] | None = None) -> QApplication:
    keep_the_gui_responsive()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    QCoreApplication.setOrganizationName("ScratchNet")
    QCoreApplication.setApplicationName("ScratchNet")
    QCoreApplication.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    return app


def run_app() -> int:
    QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = make_application()
    try:
        error_report.start_log()
    except OSError as e:    # a read-only home: the app still runs, its log goes to stderr only
        print(f"warning: no log file ({e})", file=sys.stderr)
    error_report.install()
    from .main_window import MainWindow
    window = MainWindow()
    window.show()
    code = app.exec()
    background.finish_all()   # a job the window did not wait for (a sample being saved) ends first
    return code
