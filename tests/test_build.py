"""The PyInstaller executable (scripts/build makes dist/scratchnet), used from outside the repository,
offscreen. Skipped when it has not been built; scripts/smoke_test_build builds it and runs more."""
import json
import os
import subprocess

import pytest

from tests.conftest import ROOT

EXECUTABLE = ROOT / "dist" / "scratchnet"

pytestmark = [pytest.mark.build,
              pytest.mark.skipif(not EXECUTABLE.exists(), reason="no dist/scratchnet: build it with scripts/build")]


def run(*args, cwd, timeout=300):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(EXECUTABLE), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


def test_version(tmp_path):
    proc = run("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("ScratchNet "), proc.stderr


def test_self_test_of_the_executable(tmp_path, isolated_home):
    proc = run("--self-test", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(Python" in proc.stdout and "executable)" in proc.stdout      # it ran frozen, not from source
    assert "main window shown" in proc.stdout and proc.stdout.splitlines()[-1].startswith("self-test passed")
    assert not isolated_home.exists()


def test_predict_the_sample_images(tmp_path):
    samples = sorted((ROOT / "resources" / "samples").glob("digit-*.png"))
    proc = run("predict", "--json", *samples, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    digits = [json.loads(line)["digit"] for line in proc.stdout.splitlines()]
    assert digits == [int(p.stem[-1]) for p in samples]


def test_training_works_offline_on_the_bundled_mnist(tmp_path, isolated_home):
    out = tmp_path / "tiny.npz"
    proc = run("train", "--hidden", "16", "--epochs", "1", "--train-size", "3000", "--validation", "500",
               "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "Test accuracy" in proc.stderr


def test_augmented_batches_come_from_child_processes_of_the_executable(tmp_path, isolated_home):
    """The frozen program starts its batch processes as new runs of itself (main.py's
    freeze_support); had they failed to start, the training thread would make them, with a warning."""
    out = tmp_path / "augmented.npz"
    proc = run("train", "--hidden", "16", "--epochs", "1", "--train-size", "3000", "--validation", "500",
               "--augment", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "Test accuracy" in proc.stderr
    assert "on the training thread instead" not in proc.stderr and "Traceback" not in proc.stderr
