"""How quickly the app answers: inference, end of stroke to probabilities, GUI stalls, start-up.

    .venv/bin/python -m bench.latency            every figure (about a minute)
    .venv/bin/python -m bench.latency --quick    a few repetitions of each: a smoke test

1. Inference: one 784-vector through predict_proba, median of many calls, for the MLP 784-100-10 and
   the CNN c16-c32-fc100 of bench.train_speed, and for the two bundled models the app opens with.
2. End of stroke: the real main window (offscreen), a digit drawn on its canvas with mouse events
   paced like a hand (a move every 8 ms); the time from the mouse release to the Draw tab's live
   predictor delivering the probabilities of the finished drawing (its `updated` signal, after the
   tab has shown them). Measured with the bundled CNN and with the bundled MLP active.
3. Stall: a 10 ms QTimer measures its own lateness, first with nothing running, then while the
   Train tab trains the CNN in its worker thread (Train tab shown, then the Draw tab, then the Train
   tab with augmentation on, whose child processes share the cores). The worst lateness is the
   longest time the GUI thread could not react; the cores used are the CPU seconds of the app and
   its child processes over the seconds watched.
4. Start-up: from starting a new Python process to the main window shown and painted (median of 3).

The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from engine import speed
from engine.nn.builders import ModelSpec
from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model

ROOT = Path(__file__).resolve().parent.parent
NETWORKS = {
    "mlp": ModelSpec(arch="mlp", hidden=(100,)),
    "cnn": ModelSpec(arch="cnn", channels=(16, 32), kernel=5, hidden=(100,)),
}
BUNDLED = {"bundled_mlp": "small_mlp.npz", "bundled_cnn": "default_cnn.npz"}
TIMER_MS = 10
# The child for the start-up time does what gui.app.run_app does, then reports and quits.
STARTUP_CHILD = """
import sys
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
from gui.app import make_application
app = make_application([])
from gui.main_window import MainWindow
window = MainWindow()
window.show()
QTest.qWaitForWindowExposed(window)
window.repaint()
print("shown", flush=True)
window.close()
"""
# A seven and a zero, in canvas units (0..1 of the drawing sheet).
DIGITS = [
    [(0.3, 0.22), (0.72, 0.22), (0.45, 0.8)],
    [(0.5 + 0.2 * np.sin(a), 0.5 - 0.3 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 24)],
]


def blas_threads() -> int | None:
    return next((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), None)


def percentile(values, q):
    return float(np.percentile(values, q)) if len(values) else None


def inference(repeats: int) -> dict:
    """Median microseconds for one 784-vector through predict_proba."""
    x = np.random.default_rng(0).random(784).astype(np.float32)
    networks = {key: spec.build(0) for key, spec in NETWORKS.items()}
    names = {key: spec.describe() for key, spec in NETWORKS.items()}
    for key, filename in BUNDLED.items():
        model = load_model(bundled_model(filename))
        networks[key], names[key] = model.network, f"{filename}: {model.describe()}"
    result = {}
    for key, network in networks.items():
        for _ in range(10):
            network.predict_proba(x)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            network.predict_proba(x)
            times.append(time.perf_counter() - started)
        result[key] = {"median_us": statistics.median(times) * 1e6, "p90_us": percentile(times, 90) * 1e6,
                       "network": names[key]}
    return result


def startup(runs: int) -> dict:
    times = []
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            started = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-c", STARTUP_CHILD], cwd=ROOT, stdout=subprocess.PIPE,
                                     text=True, env={**env, "SCRATCHNET_HOME": home})
            line = child.stdout.readline()
            shown = time.perf_counter() - started
            child.communicate(timeout=60)
        if line.strip() != "shown":
            raise RuntimeError(f"the start-up child failed (exit code {child.returncode})")
        times.append(shown)
    return {"runs_s": times, "median_s": statistics.median(times)}


def cpu_seconds() -> float:
    """CPU time used so far by this process and its living children (the batch processes), from /proc."""
    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    kids = {int(pid) for task in Path(f"/proc/{os.getpid()}/task").glob("*")
            for pid in (task / "children").read_text().split()} if Path("/proc").is_dir() else set()
    return of(os.getpid()) + sum(of(pid) for pid in kids)


class GuiBench:
    """The real main window, offscreen, driven as a user would."""

    def __init__(self, engine_threads: int | None = None, blas_threads: int | None = None):
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from gui.app import make_application
        from gui.main_window import MainWindow
        self.app = make_application([])     # which sets the engine's threads as the app runs it
        if engine_threads:
            speed.set_threads(engine_threads)
        if blas_threads:                    # after set_threads(), which limits BLAS to one thread
            threadpool_limits(blas_threads, user_api="blas")
        self.window = MainWindow()
        self.window.resize(1180, 760)
        self.window.show()
        from PySide6.QtTest import QTest
        QTest.qWaitForWindowExposed(self.window)
        self.QTimer, self.QApplication = QTimer, QApplication
        self.draw_tab = self.window.draw_tab
        self.canvas = self.window.canvas

    def wait(self, seconds: float, until=None, poll_ms: int = 2) -> bool:
        """Run the event loop (as app.exec() does: idle in Qt, not in Python) for `seconds`, or until
        `until()` is true (checked every poll_ms). Whether `until` came true."""
        from PySide6.QtCore import QEventLoop
        loop, done = QEventLoop(), [until is None]
        deadline = self.QTimer(singleShot=True, interval=max(1, round(seconds * 1000)))
        deadline.timeout.connect(loop.quit)
        poll = self.QTimer(interval=poll_ms)

        def check():
            if until():
                done[0] = True
                loop.quit()
        if until is not None:
            if until():
                return True
            poll.timeout.connect(check)
            poll.start()
        deadline.start()
        loop.exec()
        poll.stop()
        deadline.stop()
        return done[0]

    def point(self, x: float, y: float):
        from PySide6.QtCore import QPoint
        side = min(self.canvas.width(), self.canvas.height())
        left, top = (self.canvas.width() - side) / 2, (self.canvas.height() - side) / 2
        return QPoint(round(left + x * side), round(top + y * side))

    def stroke_latencies(self, strokes: int, model_index: int) -> list[float]:
        """Seconds from each mouse release to the finished drawing's probabilities."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        self.window.library.set_active(model_index)
        shown: dict[int, float] = {}
        # Connected after the tab's own slot, so it runs once the tab has shown the probabilities.
        on_update = lambda revision, probabilities, field: shown.setdefault(revision, time.perf_counter())  # noqa: E731
        self.draw_tab.predictor.updated.connect(on_update)
        latencies = []
        button, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        try:
            for i in range(strokes):
                self.canvas.clear()
                self.wait(0.05)
                points = DIGITS[i % len(DIGITS)]
                path = [points[0]]
                for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
                    for t in np.linspace(0, 1, 7)[1:]:
                        path.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
                QTest.mousePress(self.canvas, button, none, self.point(*path[0]))
                for x, y in path[1:]:
                    self.wait(0.008)
                    QTest.mouseMove(self.canvas, self.point(x, y))
                released = time.perf_counter()
                QTest.mouseRelease(self.canvas, button, none, self.point(*path[-1]))
                final = self.canvas.revision()
                if not self.wait(5.0, until=lambda: final in shown):
                    raise RuntimeError("no prediction arrived within 5 s of the end of a stroke")
                latencies.append(shown[final] - released)
        finally:
            self.draw_tab.predictor.updated.disconnect(on_update)
        return latencies

    def lateness(self, seconds: float, running=lambda: True) -> list[float]:
        """Each tick's delay past its due time, for a 10 ms repeating timer, with the event loop
        running as app.exec() runs it."""
        from PySide6.QtCore import Qt
        late: list[float] = []
        timer = self.QTimer(interval=TIMER_MS)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        last = [time.perf_counter()]

        def tick():
            now = time.perf_counter()
            late.append(max(0.0, now - last[0] - TIMER_MS / 1000))
            last[0] = now
        timer.timeout.connect(tick)
        timer.start()
        self.wait(seconds, until=lambda: not running(), poll_ms=100)
        timer.stop()
        return late

    def stall_while_training(self, seconds: float, train_size: int = 0, watch: bool = True,
                             augment: bool = False) -> dict:
        """With `watch`, the Train tab and its live plots are on screen, as for a user watching;
        otherwise the Draw tab is. With `augment`, child processes augment the batches meanwhile."""
        tab = self.window.train_tab
        self.window.tabs.setCurrentWidget(tab if watch else self.draw_tab)
        tab.form.set_values({**tab.form.values(), "arch": "cnn", "channels": "16, 32", "hidden": "100",
                             "optimizer": "adam", "lr": 0.001, "epochs": 50, "batch_size": 100,
                             "augment": augment, "dropout": 0.0, "batchnorm": False, "train_size": train_size})
        tab.start()
        if not self.wait(120, until=lambda: tab.run.step >= 3):
            raise RuntimeError("training did not start")
        first_step, started, cpu = tab.run.step, time.perf_counter(), cpu_seconds()
        late = self.lateness(seconds, running=tab.is_training)
        steps = tab.run.step - first_step
        elapsed = time.perf_counter() - started
        cores = (cpu_seconds() - cpu) / elapsed
        tab.shutdown()   # stop without measuring the test accuracy, as when the window closes
        self.wait(30, until=lambda: not tab.is_training())   # the tab has seen its worker end
        self.window.tabs.setCurrentWidget(self.draw_tab)
        return {"seconds": elapsed, "ticks": len(late), "max_ms": max(late) * 1000,
                "p99_ms": percentile(late, 99) * 1000, "over_50ms": sum(v > 0.05 for v in late),
                "cores_used": cores,
                "train_ms_per_step": elapsed / steps * 1000 if steps else None}

    def close(self) -> None:
        self.window.close()
        self.app.processEvents()


def summary_ms(latencies: list[float]) -> dict:
    return {"median_ms": statistics.median(latencies) * 1000, "max_ms": max(latencies) * 1000,
            "samples_ms": [round(v * 1000, 2) for v in latencies]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few repetitions of everything: a smoke test")
    parser.add_argument("--stall-seconds", type=float, default=25.0, help="how long to watch the GUI while a CNN trains")
    parser.add_argument("--strokes", type=int, default=16, help="strokes drawn per model")
    parser.add_argument("--engine-threads", type=int, default=None,
                        help="GUI parts: override the engine's thread count the app sets, to compare")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="GUI parts: override the BLAS thread count (the engine sets 1), to compare")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="GUI parts: sys.setswitchinterval (seconds) instead of the app's, to compare")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: inference, gui, startup")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report: dict = {"bench": "latency", "quick": args.quick, "load_average_before": os.getloadavg(),
                    "cpus": os.cpu_count()}

    if "inference" not in skip:
        report["inference"] = inference(20 if args.quick else 2000)
        report["inference_threads"] = {"engine": speed.threads.threads(), "blas": blas_threads()}
        for key, r in report["inference"].items():
            print(f"inference {key:12s} {r['median_us']:8.1f} µs median  ({r['network']})")

    if "gui" not in skip:
        with tempfile.TemporaryDirectory() as home:
            os.environ["SCRATCHNET_HOME"] = home     # the bench's settings and models stay out of the user's
            gui = GuiBench(args.engine_threads, args.blas_threads)
            if args.switch_interval:
                sys.setswitchinterval(args.switch_interval)
            report["switch_interval_s"] = sys.getswitchinterval()
            report["gui_threads"] = {"engine": speed.threads.threads(), "blas": blas_threads()}
            try:
                names = [entry.name for entry in gui.window.library.entries()]
                report["stroke"] = {}
                for index, name in enumerate(names):
                    latencies = gui.stroke_latencies(1 if args.quick else args.strokes, index)
                    report["stroke"][name] = summary_ms(latencies)
                    print(f"end of stroke -> probabilities, {name}: median {report['stroke'][name]['median_ms']:.1f} ms, "
                          f"worst {report['stroke'][name]['max_ms']:.1f} ms")
                idle = gui.lateness(0.2 if args.quick else 3.0)
                report["stall_idle"] = {"max_ms": max(idle) * 1000, "p99_ms": percentile(idle, 99) * 1000}
                print(f"GUI timer lateness, idle: worst {report['stall_idle']['max_ms']:.1f} ms")
                print(f"GUI threads: engine {report['gui_threads']['engine']}, BLAS {report['gui_threads']['blas']}")
                for key, watch, augment in (("stall_training", True, False), ("stall_training_draw_tab", False, False),
                                            ("stall_training_augmented", True, True)):
                    report[key] = (gui.stall_while_training(0.5, train_size=1000, watch=watch, augment=augment)
                                   if args.quick else
                                   gui.stall_while_training(args.stall_seconds, watch=watch, augment=augment))
                    s = report[key]
                    print(f"GUI timer lateness while a CNN trains{' on augmented batches' if augment else ''}, "
                          f"{'Train' if watch else 'Draw'} tab shown "
                          f"({s['seconds']:.0f} s): worst {s['max_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, "
                          f"{s['over_50ms']} ticks over 50 ms; training {s['train_ms_per_step'] or float('nan'):.1f} "
                          f"ms/step; the app used {s['cores_used']:.2f} cores")
            finally:
                gui.close()

    if "startup" not in skip:
        report["startup"] = startup(1 if args.quick else 3)
        print(f"process start -> window shown: median {report['startup']['median_s']:.2f} s "
              f"({', '.join(f'{t:.2f}' for t in report['startup']['runs_s'])})")

    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
