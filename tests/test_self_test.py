"""`python main.py --self-test` (../shared/CONTRACT.md) in a fresh process: every check passes."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_self_test_passes_and_reports_every_check(isolated_home):
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)     # it must go offscreen by itself
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test"], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for name in ("main window", "drawing", "tabs", "engine gradients", "bundled MNIST", "model Default CNN",
                 "model Small MLP", "sample images", "closing"):
        assert any(line.startswith("ok") and name in line for line in lines), proc.stdout
    assert "FAIL" not in proc.stdout
    assert lines[-1].startswith("self-test passed")
    assert not isolated_home.exists()     # it works in a temporary folder, never in the user's


def test_a_damaged_bundled_model_fails_its_check_by_name(tmp_path, monkeypatch, capsys):
    from cli.self_test import Check, model_check, run_checks
    (tmp_path / "resources" / "models").mkdir(parents=True)
    (tmp_path / "resources" / "models" / "small_mlp.npz").write_bytes(b"not a model")
    monkeypatch.setattr("engine.storage.paths.app_root", lambda: tmp_path)
    assert run_checks([Check("model Small MLP", model_check("Small MLP", "small_mlp.npz"))]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith("FAIL") and "small_mlp.npz is not a ScratchNet model file" in line
