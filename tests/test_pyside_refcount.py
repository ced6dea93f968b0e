"""PySide6 6.12.0 drops a reference to None on every call of a wrapped method that returns nothing
(QPainter.drawLine, QWidget.update, QLabel.setText, ...), until None's count runs out and the
interpreter crashes. requirements.txt pins 6.11.3, which is clean; this fails if a pin brings it back."""
import sys

import pytest
from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel, QWidget

CALLS = 5000
TOLERANCE = 100   # unrelated noise (caches, the garbage collector); the leak would show 5000


# References to None kept for the whole run, so that a leaking build fails these tests instead of
# crashing the interpreter (None starts with only a few thousand, and the leak is permanent).
_RESERVE: list[None] = []


def none_refcount_drift(call) -> int:
    _RESERVE.extend([None] * (CALLS + 10))
    call()                      # warm up caches first
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        call()
    return sys.getrefcount(None) - before


@pytest.fixture
def painter():
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    p = QPainter(image)
    yield p
    p.end()


def test_painter_calls_keep_none_alive(painter):
    line, point, color = QLineF(0, 0, 10, 10), QPointF(5, 5), QColor("red")
    calls = {
        "QPainter.drawLine": lambda: painter.drawLine(line),
        "QPainter.drawPoint": lambda: painter.drawPoint(point),
        "QPainter.setPen": lambda: painter.setPen(color),
        "QPainter.save/restore": lambda: (painter.save(), painter.restore()),
    }
    drift = {name: none_refcount_drift(call) for name, call in calls.items()}
    assert all(abs(d) < TOLERANCE for d in drift.values()), f"None's refcount drifted over {CALLS} calls: {drift}"


def test_widget_calls_keep_none_alive(qtbot):
    widget, label = QWidget(), QLabel()
    qtbot.addWidget(widget)
    qtbot.addWidget(label)
    calls = {
        "QWidget.update": widget.update,
        "QWidget.setToolTip": lambda: widget.setToolTip("tip"),
        "QLabel.setText": lambda: label.setText("7"),
        "QLabel.clear": label.clear,
    }
    drift = {name: none_refcount_drift(call) for name, call in calls.items()}
    assert all(abs(d) < TOLERANCE for d in drift.values()), f"None's refcount drifted over {CALLS} calls: {drift}"
