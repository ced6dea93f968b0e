"""How closely the Draw tab's "Why this digit?" map follows the pen.

    .venv/bin/python -m bench.saliency_latency            12 strokes per bundled model and view
    .venv/bin/python -m bench.saliency_latency --quick    2 strokes: a smoke test

The real main window (offscreen) with the overlay on; digits drawn with mouse events paced like a
hand (a move every 8 ms). For every mouse event, the time until the overlay paints a map of that
state of the drawing or a later one (the explainer's `updated` signal); and from each release to
the map of the finished drawing. Per bundled model and per view ("reasons": the gradient map the
issue asks to follow within 50 ms; "occlusion": 144 forward passes a map, slower by design).
The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

from bench.latency import DIGITS, GuiBench, percentile


def follow(gui: GuiBench, strokes: int, model_index: int, view: str) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    window = gui.window
    window.library.set_active(model_index)
    explainer = window.draw_tab.explainer
    controls = explainer.controls
    controls.view.setCurrentIndex(controls.view.findData(view))
    controls.toggle.setChecked(True)
    painted: list[tuple[int, float]] = []
    on_update = lambda revision: painted.append((revision, time.perf_counter()))  # noqa: E731
    explainer.updated.connect(on_update)
    events: list[tuple[int, float]] = []          # (revision after the event, when)
    releases = []
    button, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        for i in range(strokes):
            gui.canvas.clear()
            gui.wait(0.05)
            points = DIGITS[i % len(DIGITS)]
            path = [points[0]]
            for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
                for t in np.linspace(0, 1, 7)[1:]:
                    path.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
            QTest.mousePress(gui.canvas, button, none, gui.point(*path[0]))
            events.append((gui.canvas.revision(), time.perf_counter()))
            for x, y in path[1:]:
                gui.wait(0.008)
                QTest.mouseMove(gui.canvas, gui.point(x, y))
                events.append((gui.canvas.revision(), time.perf_counter()))
            released = time.perf_counter()
            QTest.mouseRelease(gui.canvas, button, none, gui.point(*path[-1]))
            final = gui.canvas.revision()
            events.append((final, released))
            if not gui.wait(10.0, until=lambda: any(r >= final for r, _ in painted)):
                raise RuntimeError("no map arrived within 10 s of the end of a stroke")
            releases.append(next(t for r, t in painted if r >= final) - released)
    finally:
        explainer.updated.disconnect(on_update)
        controls.toggle.setChecked(False)
    lags = []
    for revision, when in events:
        shown = next((t for r, t in painted if r >= revision and t >= when), None)
        if shown is not None:
            lags.append(shown - when)
    return {"events": len(events), "event_to_map_median_ms": float(np.median(lags)) * 1000,
            "event_to_map_p90_ms": percentile(lags, 90) * 1000, "event_to_map_max_ms": max(lags) * 1000,
            "within_50ms": float(np.mean(np.array(lags) <= 0.05)),
            "release_to_map_median_ms": float(np.median(releases)) * 1000,
            "release_to_map_max_ms": max(releases) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two strokes per model and view")
    parser.add_argument("--strokes", type=int, default=12)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report: dict = {"bench": "saliency_latency", "quick": args.quick, "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as home:
        os.environ["SCRATCHNET_HOME"] = home
        gui = GuiBench()
        try:
            for index, entry in enumerate(gui.window.library.entries()):
                for view in ("reasons", "occlusion"):
                    r = follow(gui, 2 if args.quick else args.strokes, index, view)
                    report[f"{entry.name} / {view}"] = r
                    print(f"{entry.name}, {view}: event -> map median {r['event_to_map_median_ms']:.1f} ms, "
                          f"p90 {r['event_to_map_p90_ms']:.1f} ms, {r['within_50ms']:.0%} within 50 ms; "
                          f"release -> map median {r['release_to_map_median_ms']:.1f} ms")
        finally:
            gui.close()
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
