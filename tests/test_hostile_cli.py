"""The command line fed bad files, bad flags and signals (issue 21's reproductions, marked #n): each
ends in a one-line message and a non-zero exit, never a traceback, an abort, a hang or a file lost."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cli.main import main
from engine.storage.paths import bundled_model
from tests.conftest import ROOT
from tests.hostile import idx_folder, npy, record_of, small_model, with_member, with_record

pytestmark = pytest.mark.slow
DIGIT_3, DIGIT_4 = ROOT / "resources/samples/digit-3.png", ROOT / "resources/samples/digit-4.png"
QUICK = ("--hidden", "8", "--epochs", "1", "--train-size", "500", "--validation", "100")


def start(*args, home=None, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if home:
        env["SCRATCHNET_HOME"] = str(home)
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, **kwargs)


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    proc = start(*args, **kwargs)
    out, err = proc.communicate(timeout=300)
    assert "Traceback" not in err, err
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_predict_reads_an_svg_with_text_and_goes_on(tmp_path):
    """#1: Qt aborted the process drawing an SVG's text without a QGuiApplication."""
    svg = tmp_path / "t.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="99" height="99">'
                   '<text y="80" font-size="80">7</text></svg>')
    proc = cli("predict", DIGIT_3, svg, DIGIT_4)
    assert proc.returncode == 0
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == [str(DIGIT_3), str(svg), str(DIGIT_4)]


def test_predict_does_not_follow_an_svg_image_link(tmp_path):
    """#12: an SVG's <image href> pointing at a local file is refused, not read."""
    svg = tmp_path / "i.svg"
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="99" height="99">'
                   f'<image href="{DIGIT_3}" width="99" height="99"/></svg>')
    proc = cli("predict", "--json", svg, DIGIT_4)
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert proc.returncode == 1 and "refers to another file" in first["error"] and second["digit"] == 4


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_predict_tells_missing_from_special_files(tmp_path):
    """#11: a missing file is "not found"; a FIFO is named as one (and does not hang)."""
    os.mkfifo(tmp_path / "f.png")
    proc = cli("predict", tmp_path / "f.png", tmp_path / "missing.png", DIGIT_3)
    assert proc.returncode == 1
    assert "named pipe" in proc.stderr and "not found: " in proc.stderr and proc.stdout.startswith(str(DIGIT_3))


def test_predict_json_never_prints_nan(tmp_path):
    """#11: weights that overflow on a real drawing (not on the blank image the loader tries) give
    an error line, and every line is valid JSON."""
    model = small_model(tmp_path / "m.npz")
    with_member(model, "layer0/param0.npy", npy(np.full((784, 8), 3e38, np.float32)))
    proc = cli("predict", "--json", "--model", model, DIGIT_3)
    line = json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert proc.returncode == 1 and "overflow" in line["error"]


@pytest.mark.parametrize("flags, message", [
    (("--epochs", "0"), "number of epochs"), (("--step-epochs", "0"), "learning-rate steps"),
    (("--arch", "cnn", "--kernel", "0"), "kernel size"), (("--hidden", "20000000"), "hidden layer sizes"),
    (("--init-std", "nan"), "standard deviation"), (("--weight-decay", "nan"), "weight decay"),
    (("--batch-size", "0"), "batch size"), (("--dropout", "1"), "dropout"),
    (("--threads", "100000"), "--threads"), (("--seed", "-1"), "seed"), (("--data", __file__), "not a dataset folder"),
])
def test_bad_training_flags_are_refused_before_any_work(tmp_path, capsys, flags, message):
    """#10: --epochs 0 trained 5 epochs; NaN was blamed on the learning rate; others were tracebacks."""
    assert main(["train", *flags, "--out", str(tmp_path / "x.npz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("target", ["/dev/null", "fifo", "folder"])
def test_out_never_replaces_what_is_not_a_regular_file(tmp_path, capsys, target):
    """#9: `--out /dev/null` would have replaced the device node (as root)."""
    if target == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("needs FIFOs")
        os.mkfifo(tmp_path / "fifo")
    elif target == "folder":
        (tmp_path / "folder").mkdir()
    out = target if target.startswith("/") else str(tmp_path / target)
    assert main(["train", *QUICK, "--out", out]) == 1
    assert "only a regular file is replaced" in capsys.readouterr().err
    if target == "/dev/null":
        assert not os.path.isfile("/dev/null")


def test_out_follows_a_link_and_says_where_it_saved(tmp_path):
    """#9: "Saved to x" was printed when x.npz was written; a symlink was replaced by a file."""
    proc = cli("train", *QUICK, "--out", tmp_path / "plain")
    assert proc.returncode == 0 and proc.stderr.rstrip().endswith(f"Saved to {tmp_path / 'plain.npz'}")
    (tmp_path / "real.npz").write_bytes(b"old")
    (tmp_path / "link.npz").symlink_to("real.npz")
    proc = cli("train", *QUICK, "--out", tmp_path / "link.npz")
    assert proc.returncode == 0 and f"Saved to {tmp_path / 'real.npz'}" in proc.stderr
    assert (tmp_path / "link.npz").is_symlink() and (tmp_path / "real.npz").stat().st_size > 1000


def test_sigterm_stops_training_cleanly_and_leaves_no_temporary_file(tmp_path):
    """#9: SIGTERM during a run or a save left `.NAME.npz.XXXX.tmp` behind."""
    proc = start("train", "--hidden", "64", "--epochs", "50", "--out", tmp_path / "m.npz")
    time.sleep(4)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "interrupted" in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]     # what it had learnt, and no temporary file


def test_a_save_interrupted_removes_its_temporary_file(tmp_path):
    from engine.storage.atomic import atomic_open
    (tmp_path / "m.npz").write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(tmp_path / "m.npz") as f:
            f.write(b"half")
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"] and (tmp_path / "m.npz").read_bytes() == b"old"


def test_the_temporary_file_of_a_killed_save_is_removed_by_the_next(tmp_path):
    """SIGKILL cannot be caught: the next save to that name removes the dead process's file."""
    from engine.storage.atomic import atomic_write_bytes
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".m.npz.{int(dead.stdout)}.abc123.tmp"
    orphan.write_bytes(b"half")
    mine = tmp_path / f".m.npz.{os.getpid()}.def456.tmp"
    mine.write_bytes(b"a save under way in this process")
    atomic_write_bytes(tmp_path / "m.npz", b"new")
    assert not orphan.exists() and mine.exists() and (tmp_path / "m.npz").read_bytes() == b"new"


def test_info_into_a_closed_pipe_is_quiet():
    """#11: `info FILE | head -1` ended in a BrokenPipeError traceback."""
    info = start("info", bundled_model())
    head = subprocess.run(["head", "-1"], stdin=info.stdout, capture_output=True, text=True, timeout=60)
    info.stdout.close()
    err = info.stderr.read()
    info.wait(timeout=60)
    assert head.stdout.strip() and "Traceback" not in err and "BrokenPipe" not in err


# The interpreter checks for signals as it enters a module, before its first statement ("line 0"):
# that traceback is Python's own, and nothing main.py can catch.
BEFORE_THE_FIRST_LINE = re.compile(r'Traceback \(most recent call last\):\n  File "[^"]*main\.py", line 0, in <module>\n'
                                   r'KeyboardInterrupt\n?')


def test_ctrl_c_while_loading_is_quiet():
    """#11: Ctrl-C in the first 0.4 s showed an import traceback. (Before Python itself has started,
    SIGINT ends the process silently: returncode -2.)"""
    for delay in (0.01, 0.05, 0.3):
        proc = start("evaluate")
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            continue       # it was done before the signal came
        if "init_import_site" in err or BEFORE_THE_FIRST_LINE.fullmatch(err):
            continue       # it came while Python imported its site module or entered main.py: no code of ours ran
        assert proc.returncode in (130, -signal.SIGINT) and "Traceback" not in err, err


def test_resume_from_a_record_with_a_negative_step(tmp_path):
    """#7: a record with step -100 broke --resume."""
    model = small_model(tmp_path / "m.npz")
    meta = record_of(model)
    meta["step"] = -100
    proc = cli("train", "--resume", with_record(model, meta), "--out", tmp_path / "out.npz")
    assert proc.returncode == 1 and "step" in proc.stderr and not (tmp_path / "out.npz").exists()


def test_evaluate_refuses_labels_outside_0_to_9_and_an_empty_test_set(tmp_path):
    """#8: label 250 gave a 251x251 matrix; an empty test set a ZeroDivisionError."""
    proc = cli("evaluate", "--data", idx_folder(tmp_path / "a", test_labels=[250] * 10))
    assert proc.returncode == 1 and "found 250" in proc.stderr
    proc = cli("evaluate", "--data", idx_folder(tmp_path / "b", test=0))
    assert proc.returncode == 1 and "no test images" in proc.stderr


def test_finetune_on_a_folder_of_broken_samples(tmp_path):
    """#4: one sample nested 100,000 deep was a RecursionError; a FIFO named x.npz hung."""
    folder = tmp_path / "samples"
    folder.mkdir()
    small_model(tmp_path / "m.npz")
    with_record(tmp_path / "m.npz", b"[" * 100_000 + b"]" * 100_000, out=folder / "deep.npz")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "x.npz")
    proc = cli("finetune", "--samples", folder, "--out", tmp_path / "out.npz")
    assert proc.returncode == 1 and "error:" in proc.stderr and not (tmp_path / "out.npz").exists()
