"""`--self-test`: a headless check of the whole app, from the engine to the main window, that works the
same from the repository and from the packaged executable. One line per check with its time; exit 0
only when every check passed.

It always runs offscreen and with a temporary user folder, so it neither opens a window nor touches
the user's settings and files."""
from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import EngineError

_IMPORTED_AT = time.monotonic()
GRADIENT_TOLERANCE = 1e-6      # relative error, float64
ACCURACY_SLICE = 5             # every 5th test digit: 2,000 from both halves of the test set
WINDOW_SIZE = (1280, 800)
SEVEN = [[(0.3, 0.22), (0.72, 0.22), (0.45, 0.8)]]   # a drawn 7, in canvas units (0..1 of the sheet)


class CheckFailed(Exception):
    pass


@dataclass
class Check:
    name: str
    run: Callable[[], str]       # returns a one-line detail; raises CheckFailed (or anything) on failure


def seconds_since_start() -> tuple[float, str]:
    """Seconds since this program started, and since when: the process start as the kernel records it
    (for a one-file executable, the start of its unpacking parent), else since this module was imported."""
    try:
        pid = os.getpid()
        parent = os.getppid()
        if getattr(sys, "frozen", False) and os.path.realpath(f"/proc/{parent}/exe") == os.path.realpath(sys.executable):
            pid = parent    # PyInstaller's one-file bootloader, which unpacked the bundle first
        stat = Path(f"/proc/{pid}/stat").read_text()
        started = int(stat[stat.rindex(")") + 2:].split()[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - started, "process start"
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED_AT, "self-test import"


# Engine and data.
def check_gradients() -> str:
    from engine.nn.builders import ModelSpec
    from engine.nn.gradcheck import check_network
    rng = np.random.default_rng(0)
    x = rng.random((3, 784))
    labels = rng.integers(0, 10, 3)
    worst = {}
    for name, spec in (("MLP", ModelSpec(arch="mlp", hidden=(8,), batchnorm=True, dropout=0.2, dtype="float64")),
                       ("CNN", ModelSpec(arch="cnn", channels=(2, 3), kernel=3, hidden=(6,), dtype="float64"))):
        errors = check_network(spec.build(seed=1), x, labels, max_entries=4)
        worst[name] = max(error for _, error in errors)
    detail = ", ".join(f"{name} {error:.1e}" for name, error in worst.items())
    if max(worst.values()) > GRADIENT_TOLERANCE:
        raise CheckFailed(f"backprop disagrees with numerical gradients: worst relative error {detail}")
    return f"backprop matches numerical gradients (worst relative error {detail})"


def check_mnist() -> str:
    from engine.data.datasets import load_mnist
    from engine.storage.paths import bundled_mnist_dir
    data = load_mnist()   # checks each file's SHA-256 against the published one
    if data.train_images.shape != (60000, 784) or data.test_images.shape != (10000, 784):
        raise CheckFailed(f"unexpected shapes {data.train_images.shape}, {data.test_images.shape}")
    counts = np.bincount(data.test_labels, minlength=10).tolist()
    if counts != [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]:
        raise CheckFailed(f"test label counts {counts} are not MNIST's")
    return f"60,000 + 10,000 digits from {bundled_mnist_dir()}, checksums match"


def model_check(name: str, filename: str) -> Callable[[], str]:
    def run() -> str:
        from engine.data.datasets import load_mnist, to_float
        from engine.storage.model_file import load_model
        from engine.storage.paths import bundled_model
        model = load_model(bundled_model(filename))
        recorded = model.test_accuracy
        if recorded is None:
            raise CheckFailed(f"{filename} records no test accuracy")
        data = load_mnist()
        x, t = data.test_images[::ACCURACY_SLICE], data.test_labels[::ACCURACY_SLICE]
        accuracy = model.network.accuracy(to_float(x, model.network.dtype), t)
        # Four standard errors of a slice's accuracy, plus rounding: a sound model never falls below it.
        tolerance = 4 * math.sqrt(recorded * (1 - recorded) / len(t)) + 0.002
        detail = f"{accuracy:.2%} on {len(t):,} test digits (recorded: {recorded:.2%} on all 10,000)"
        if accuracy < recorded - tolerance:
            raise CheckFailed(f"{detail}: more than {tolerance:.2%} below its record")
        return f"{model.describe()}: {detail}"
    return run


def sample_files() -> list[tuple[Path, int]]:
    from engine.storage.paths import resource
    found = []
    for path in sorted(resource("samples").glob("digit-*.png")):
        match = re.fullmatch(r"digit-(\d)\.png", path.name)
        if match:
            found.append((path, int(match[1])))
    return found


def check_samples() -> str:
    from engine.storage.model_file import load_model
    from engine.storage.paths import bundled_model
    from engine.data.preprocess import to_mnist
    from gui.image_file import read_gray
    samples = sample_files()
    if not samples:
        raise CheckFailed("no sample images in resources/samples")
    network = load_model(bundled_model()).network
    wrong = []
    for path, label in samples:
        processed = to_mnist(read_gray(path))
        digit = None if processed.blank else int(network.predict_proba(processed.vector).argmax())
        if digit != label:
            wrong.append(f"{path.name} read as {digit}")
    if wrong:
        raise CheckFailed("; ".join(wrong))
    return f"{len(samples)} image files read with QImage and classified correctly by the default model"


# The window.
def draw_strokes(canvas, strokes, steps: int = 12) -> None:
    """Draw on a DrawingCanvas with mouse events (press, moves with the left button held, release);
    strokes are lists of points in canvas units (0..1 of the square sheet)."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    side = min(canvas.width(), canvas.height())
    left, top = (canvas.width() - side) / 2, (canvas.height() - side) / 2

    def send(kind, x, y, button, buttons) -> None:
        local = QPointF(left + x * side, top + y * side)
        event = QMouseEvent(kind, local, canvas.mapToGlobal(local), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas, event)

    left_button, no_button = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for points in strokes:
        send(QEvent.Type.MouseButtonPress, *points[0], left_button, left_button)
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            for t in np.linspace(0, 1, steps + 1)[1:]:
                send(QEvent.Type.MouseMove, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, no_button, left_button)
        send(QEvent.Type.MouseButtonRelease, *points[-1], left_button, no_button)


def wait_until(app, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.005)
    return True


class WindowChecks:
    """Builds the main window as the app does and checks what a user would meet first."""

    def __init__(self):
        self.app = None
        self.window = None
        self.slot_errors: list[str] = []
        self._excepthook = sys.excepthook

    def open(self) -> str:
        from gui.app import make_application
        self.app = make_application([sys.argv[0]])
        # Errors inside Qt slots are only printed; catch them so that they fail the check.
        sys.excepthook = lambda kind, value, tb: (self.slot_errors.append(f"{kind.__name__}: {value}"),
                                                  self._excepthook(kind, value, tb))
        from gui.main_window import MainWindow
        self.window = MainWindow()
        self.window.resize(*WINDOW_SIZE)
        self.window.show()
        exposed = wait_until(self.app, lambda: self.window.windowHandle() is not None
                             and self.window.windowHandle().isExposed())
        elapsed, since = seconds_since_start()
        if not exposed:
            raise CheckFailed("the main window was not shown within 10 s")
        models = [entry.name for entry in self.window.library.entries()]
        if len(models) < 2:
            raise CheckFailed(f"the bundled models did not all load (loaded: {models or 'none'}); "
                              f"status: {self.window.statusBar().currentMessage()}")
        self._raise_slot_errors()
        return f"main window shown {elapsed:.2f} s after {since}, models: {', '.join(models)}"

    def draw(self) -> str:
        self._need_window()
        self.window.tabs.setCurrentWidget(self.window.draw_tab)
        self.app.processEvents()
        shown = []
        self.window.probabilities_shown.connect(shown.append)
        draw_strokes(self.window.canvas, SEVEN)
        if not wait_until(self.app, lambda: self.window.canvas.revision() in shown):
            raise CheckFailed("the prediction of a drawn 7 was not shown within 10 s")
        probabilities = self.window.current_probabilities()
        digit = int(np.argmax(probabilities))
        self._raise_slot_errors()
        if digit != 7:
            raise CheckFailed(f"a drawn 7 was read as {digit} ({probabilities[digit]:.1%})")
        return f"a 7 drawn with the mouse is read as 7 ({probabilities[7]:.1%})"

    def tabs(self) -> str:
        self._need_window()
        tabs = self.window.tabs
        titles = []
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            self.app.processEvents()
            if self.window.grab().isNull():
                raise CheckFailed(f"the {tabs.tabText(i)!r} tab could not be painted")
            titles.append(tabs.tabText(i))
        self._raise_slot_errors()
        return f"{len(titles)} tabs painted: {', '.join(titles)}"

    def close(self) -> str:
        self._need_window()
        self.window.close()
        self.app.processEvents()
        self._raise_slot_errors()
        return "closed; every tab's background work shut down"

    def release(self) -> None:
        """Deletes the window while the application still exists. Left to the interpreter's exit, the two
        are destroyed in no set order, and a window that outlives its QApplication crashes the process."""
        sys.excepthook = self._excepthook
        if self.window is not None:
            from shiboken6 import Shiboken
            self.window.close()
            Shiboken.delete(self.window)
            self.window = None

    def _need_window(self) -> None:
        if self.window is None:
            raise CheckFailed("not run: the main window did not open")

    def _raise_slot_errors(self) -> None:
        if self.slot_errors:
            raise CheckFailed("errors in Qt slots: " + "; ".join(self.slot_errors))


def all_checks(window: WindowChecks) -> list[Check]:
    from gui.model_library import BUNDLED
    # The window first, so that its time from start is what a user waits for, not the checks' time.
    return [
        Check("main window", window.open),
        Check("drawing", window.draw),
        Check("tabs", window.tabs),
        Check("engine gradients", check_gradients),
        Check("bundled MNIST", check_mnist),
        *[Check(f"model {name}", model_check(name, filename)) for name, filename in BUNDLED],
        Check("sample images", check_samples),
        Check("closing", window.close),
    ]


def run_checks(checks: list[Check]) -> int:
    failed = 0
    for check in checks:
        start = time.perf_counter()
        try:
            detail, ok = check.run(), True
        except (CheckFailed, EngineError) as e:   # a clear message says it all
            detail, ok = str(e), False
        except Exception as e:  # noqa: BLE001 - anything unexpected is a failed check, with its traceback
            traceback.print_exc(file=sys.stderr)
            detail, ok = f"{type(e).__name__}: {e}", False
        failed += not ok
        print(f"{'ok' if ok else 'FAIL':<5}{check.name:<20}{detail}  [{time.perf_counter() - start:.2f} s]", flush=True)
    return failed


def quiet_offscreen_notices() -> None:
    """The offscreen platform warns on every shown window that it cannot resize to size hints;
    true but irrelevant here, and it would break up the report. Everything else still prints."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(kind, context, message: str) -> None:
        if "does not support propagateSizeHints" not in message:
            print(message, file=sys.stderr, flush=True)
    qInstallMessageHandler(handler)


def run_self_test() -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    quiet_offscreen_notices()
    from engine.version import __version__
    print(f"ScratchNet {__version__} self-test (Python {sys.version.split()[0]}, "
          f"{'executable' if getattr(sys, 'frozen', False) else 'source'})", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scratchnet-self-test-") as home:
        os.environ["SCRATCHNET_HOME"] = home
        window = WindowChecks()
        checks = all_checks(window)
        try:
            failed = run_checks(checks)
        finally:
            window.release()
    total = time.perf_counter() - start
    if failed:
        print(f"self-test FAILED: {failed} of {len(checks)} checks failed ({total:.1f} s)", file=sys.stderr)
        return 1
    print(f"self-test passed: {len(checks)} checks in {total:.1f} s")
    return 0
