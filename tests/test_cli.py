"""The command line end to end, as ../shared/CONTRACT.md describes it, in fresh processes."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def cli(*args, check=False, home=None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if home:
        env["SCRATCHNET_HOME"] = str(home)
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "tiny.npz"
    proc = cli("train", "--hidden", "32", "--epochs", "1", "--train-size", "5000", "--validation", "1000",
               "--out", out, check=True)
    assert "epoch   1" in proc.stderr and "Test accuracy" in proc.stderr
    assert out.exists()
    return out


def write_png(path, array):
    from PySide6.QtGui import QImage
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = array.shape
    QImage(array.data, w, h, w, QImage.Format.Format_Grayscale8).save(str(path))


@pytest.fixture(scope="module")
def digit_images(tmp_path_factory, mnist):
    """Test-set digits as image files: a large dark-on-light PNG, a small light-on-dark JPEG, a blank page."""
    folder = tmp_path_factory.mktemp("images")
    first, second = mnist.test_images[0].reshape(28, 28), mnist.test_images[1].reshape(28, 28)
    big = np.full((300, 240), 255, np.uint8)
    big[40:40 + 196, 30:30 + 196] = 255 - np.kron(first, np.ones((7, 7), np.uint8))
    write_png(folder / "seven.png", big)
    from PySide6.QtGui import QImage
    small = np.zeros((60, 60), np.uint8)
    small[10:38, 20:48] = second
    write_png(folder / "two.png", small)
    QImage(str(folder / "two.png")).save(str(folder / "two.jpg"))
    write_png(folder / "blank.png", np.full((50, 50), 250, np.uint8))
    return folder, [int(mnist.test_labels[0]), int(mnist.test_labels[1])]


def test_version():
    proc = cli("--version", check=True)
    assert proc.stdout.startswith("ScratchNet ")


def test_evaluate_json(trained_model):
    result = json.loads(cli("evaluate", "--model", trained_model, "--json", check=True).stdout)
    assert result["n"] == 10000
    confusion = np.array(result["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert result["accuracy"] == pytest.approx(np.trace(confusion) / 10000)
    assert result["accuracy"] > 0.75   # 50 steps of training: 84% measured
    assert confusion.sum(axis=1).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_evaluate_text(trained_model):
    out = cli("evaluate", "--model", trained_model, check=True).stdout
    assert "test set" in out and "true\\pred" in out


def test_predict_json_files_of_any_size_and_polarity(trained_model, digit_images):
    folder, labels = digit_images
    proc = cli("predict", "--model", trained_model, "--json", folder / "seven.png", folder / "two.jpg",
               folder / "blank.png", check=True)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(folder / n) for n in ("seven.png", "two.jpg", "blank.png")]
    for line, label in zip(lines[:2], labels):
        assert line["blank"] is False and line["digit"] == label
        assert len(line["probs"]) == 10 and sum(line["probs"]) == pytest.approx(1, abs=1e-4)
        assert line["digit"] == int(np.argmax(line["probs"]))
    assert lines[2]["blank"] is True


def test_predict_unreadable_file_reports_and_exits_1(trained_model, digit_images, tmp_path):
    folder, _ = digit_images
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    proc = cli("predict", "--model", trained_model, "--json", broken, folder / "seven.png", tmp_path / "missing.png")
    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert "error" in lines[0] and lines[0]["file"] == str(broken)
    assert lines[1]["digit"] is not None          # the good file in the middle is still classified
    assert "not found" in lines[2]["error"]
    assert "Traceback" not in proc.stderr


def test_bad_model_file_is_a_clear_error(tmp_path, digit_images):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    proc = cli("evaluate", "--model", bad)
    assert proc.returncode == 1 and "not a ScratchNet model" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_options_are_clear_errors(tmp_path):
    proc = cli("train", "--optimizer", "lbfgs", "--out", tmp_path / "x.npz")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
    proc = cli("train", "--data", tmp_path / "nowhere", "--out", tmp_path / "x.npz")
    assert proc.returncode == 1 and "not found" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("train", "--lr", "-3", "--out", tmp_path / "x.npz")
    assert proc.returncode == 1 and "learning rate" in proc.stderr


def test_info_and_resume(trained_model, tmp_path):
    out = cli("info", trained_model, check=True).stdout
    assert "MLP 784-32-10" in out and '"optimizer"' in out
    resumed = tmp_path / "resumed.npz"
    proc = cli("train", "--resume", trained_model, "--epochs", "2", "--out", resumed, check=True)
    assert "epoch   2" in proc.stderr and "epoch   1" not in proc.stderr
    from engine.storage.model_file import load_model
    assert len(load_model(resumed).history.epochs) == 2


def test_a_preset_sets_the_network_and_run_and_keeps_the_seed():
    from cli.main import build_parser
    from cli.options import spec_and_config
    from engine.training.presets import PRESETS
    args = build_parser().parse_args(["train", "--preset", "quick", "--seed", "7", "--lr", "1", "--out", "x.npz"])
    spec, config = spec_and_config(args)
    quick = PRESETS["quick"]
    assert spec == quick.spec and config.seed == 7 and config.lr == quick.config.lr
    args = build_parser().parse_args(["train", "--warmup", "0.1", "--label-smoothing", "0.05", "--out", "x.npz"])
    _, config = spec_and_config(args)
    assert (config.warmup, config.label_smoothing) == (0.1, 0.05)


def test_evaluate_reports_the_calibration_error_before_and_after(trained_model):
    result = json.loads(cli("evaluate", "--model", trained_model, "--json", check=True).stdout)
    assert result["temperature_stored"] and result["temperature"] > 0   # fitted when it was trained
    assert 0 <= result["ece_before"] <= 1 and 0 <= result["ece_after"] <= 1
    assert "Expected calibration error" in cli("evaluate", "--model", trained_model, check=True).stdout


def test_evaluate_calibrate_saves_the_temperature(trained_model, tmp_path):
    import shutil
    from engine.storage.model_file import load_model, save_model
    copy = tmp_path / "copy.npz"
    shutil.copy(trained_model, copy)
    model = load_model(copy)
    model.network.temperature = None
    save_model(copy, model)
    assert json.loads(cli("evaluate", "--model", copy, "--json", check=True).stdout)["temperature_stored"] is False
    fitted = json.loads(cli("evaluate", "--model", copy, "--json", "--calibrate", check=True).stdout)
    assert load_model(copy).network.temperature == pytest.approx(fitted["temperature"])
