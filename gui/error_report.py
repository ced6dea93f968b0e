"""The app's last line of defence: an exception nothing caught (in a slot, an event handler, a thread)
is written with its traceback to the log in the user's folder and shown in a dialog, and the app
goes on; Qt's own warnings go to the same log. Without this, PySide prints the traceback to a
terminal the user may not have and the click that caused it seems to do nothing."""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.storage.atomic import make_private_folder
from engine.storage.paths import user_data_dir

log = logging.getLogger("scratchnet")
LOG_NAME = "scratchnet.log"
QT_LEVELS = {QtMsgType.QtInfoMsg: logging.INFO, QtMsgType.QtWarningMsg: logging.WARNING,
             QtMsgType.QtCriticalMsg: logging.ERROR, QtMsgType.QtFatalMsg: logging.CRITICAL}


def log_path() -> Path:
    return user_data_dir() / LOG_NAME


def start_log() -> Path:
    """Warnings and errors of every part of the app go to the log file (readable by the user alone)
    as well as to stderr; returns its path."""
    path = log_path()
    make_private_folder(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2 ** 20, backupCount=1, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    return path


class ErrorReporter(QObject):
    """Turns uncaught exceptions into a log entry and a dialog in the GUI thread."""
    _report = Signal(str)

    def __init__(self):
        super().__init__()
        self.dialog: QMessageBox | None = None
        self.more = 0
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def excepthook(self, kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        self._report.emit(f"{kind.__name__}: {value}")

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, summary: str) -> None:
        if self.dialog is not None:     # one dialog at a time: a fault that repeats would bury the window
            self.more += 1
            self.dialog.setInformativeText(f"{self.more} more error(s) since. Details are in {log_path()}.")
            return
        self.more = 0
        self.dialog = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                                  "ScratchNet met an error it did not expect; what it was doing stopped, the rest "
                                  f"goes on.\n\n{summary}", QMessageBox.StandardButton.Ok, QApplication.activeWindow())
        self.dialog.setTextFormat(Qt.TextFormat.PlainText)
        self.dialog.setInformativeText(f"Details are in {log_path()}.")
        self.dialog.setObjectName("uncaughtErrorDialog")
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _closed(self) -> None:
        self.dialog = None


def qt_message(kind: QtMsgType, context, message: str) -> None:
    """Qt's warnings, to the log and to stderr as Qt would print them."""
    if kind != QtMsgType.QtDebugMsg:
        logging.getLogger("qt").log(QT_LEVELS.get(kind, logging.WARNING), message)
    print(message, file=sys.stderr)


_reporter: ErrorReporter | None = None


def install() -> ErrorReporter:
    """Route uncaught exceptions and Qt's messages as described above (once per process)."""
    global _reporter
    if _reporter is None:
        _reporter = ErrorReporter()
        sys.excepthook = _reporter.excepthook
        threading.excepthook = _reporter.thread_excepthook
        qInstallMessageHandler(qt_message)
    return _reporter
