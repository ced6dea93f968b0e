"""The benchmark scripts run (tiny quick mode, engine only) and end with a JSON line of figures.
Speed is not asserted here: the figures depend on the machine and its load."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_bench(module: str, *args: str, home: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SCRATCHNET_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", module, "--quick", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_train_speed_quick(isolated_home):
    report = run_bench("bench.train_speed", "--no-torch", home=isolated_home)
    assert report["bench"] == "train_speed" and report["quick"]
    assert [r["net"] for r in report["results"]] == ["mlp", "mlp2", "cnn"]
    for r in report["results"]:
        assert r["engine_s"] > 0 and 0 <= r["engine_test_accuracy"] <= 1
        assert r["torch_s"] is None and r["ratio"] is None
        assert {a["engine_threads"] for a in r["augmentation"]} >= {1}
        for a in r["augmentation"]:
            assert len(a["plain_epochs_s"]) == len(a["augmented_epochs_s"]) == 1 and a["augment_share"] > -1


@pytest.mark.slow
def test_latency_quick(isolated_home):
    report = run_bench("bench.latency", home=isolated_home)
    assert report["bench"] == "latency"
    assert set(report["inference"]) == {"mlp", "cnn", "bundled_mlp", "bundled_cnn"}
    assert all(r["median_us"] > 0 for r in report["inference"].values())
    assert report["stroke"] and all(s["median_ms"] > 0 for s in report["stroke"].values())
    assert all(report[key]["ticks"] > 0 for key in ("stall_training", "stall_training_draw_tab", "stall_training_augmented"))
    assert report["startup"]["median_s"] > 0


def test_time_to_accuracy_quick(isolated_home):
    report = run_bench("bench.time_to_accuracy", "--seeds", "0,1", home=isolated_home)
    assert report["bench"] == "time_to_accuracy" and report["preset"] == "quick"
    assert [run["seed"] for run in report["runs"]] == [0, 1]
    for run in report["runs"]:
        assert len(run["engine"]) == 2 and all(0 <= e["test_accuracy"] <= 1 and e["seconds"] > 0 for e in run["engine"])
        assert "torch" not in run


@pytest.mark.slow
def test_saliency_latency_quick(isolated_home):
    report = run_bench("bench.saliency_latency", home=isolated_home)
    assert report["bench"] == "saliency_latency"
    views = [key for key in report if " / " in key]
    assert sorted(views) == ["Default CNN / occlusion", "Default CNN / reasons", "Small MLP / occlusion",
                             "Small MLP / reasons"]
    assert all(report[key]["events"] > 0 and report[key]["event_to_map_median_ms"] > 0 for key in views)
