"""Fine-tuning on personal samples: a style MNIST lacks is learnt, MNIST is not forgotten."""
import json

import numpy as np
import pytest

from cli.main import main
from engine.training.finetune import FinetuneConfig, Finetuning, finetune, mixed_set, split_personal
from engine.storage.model_file import load_model, save_model
from engine.storage.paths import bundled_model
from engine.data.preprocess import to_mnist
from engine.storage.samples import SampleStore

# A 1 written with a long up-stroke, as much of Europe writes it: both bundled models read it as a 7.
FLAGGED_ONE = [[(0.30, 0.36), (0.56, 0.18), (0.56, 0.82)]]
# The crossed 7 that goes with it; MNIST's models read it right, and must go on doing so.
CROSSED_SEVEN = [[(0.28, 0.22), (0.72, 0.22), (0.42, 0.82)], [(0.38, 0.52), (0.68, 0.52)]]
SIDE = 112


def rasterize(strokes, width):
    """Strokes in unit coordinates as a SIDE x SIDE picture, dark ink on white, without Qt."""
    ys, xs = (np.mgrid[0:SIDE, 0:SIDE] + 0.5) / SIDE
    pixels = np.stack([xs.ravel(), ys.ravel()], 1)
    distance = np.full(len(pixels), np.inf)
    for points in strokes:
        for a, b in zip(points[:-1], points[1:]):
            ab = b - a
            u = np.clip((pixels - a) @ ab / max(ab @ ab, 1e-12), 0, 1)
            distance = np.minimum(distance, np.linalg.norm(pixels - (a + u[:, None] * ab), axis=1))
    ink = np.clip((width / 2 - distance) * SIDE + 0.5, 0, 1)
    return (255 * (1 - ink)).reshape(SIDE, SIDE).astype(np.uint8)


def handwritten(strokes, n, rng):
    """n variations of a digit: turned, scaled, moved and wobbly, drawn with pens of different widths."""
    out = []
    for _ in range(n):
        angle = np.radians(rng.uniform(-8, 8))
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * rng.uniform(0.85, 1.1)
        shift = rng.uniform(-0.06, 0.06, 2)
        moved = [np.clip((np.array(s) - 0.5) @ turn.T + 0.5 + shift + rng.normal(0, 0.008, (len(s), 2)), 0.02, 0.98)
                 for s in strokes]
        out.append(to_mnist(rasterize(moved, rng.uniform(0.045, 0.065))).vector)
    return np.array(out, np.float32)


@pytest.fixture(scope="module")
def personal():
    rng = np.random.default_rng(7)
    x = np.concatenate([handwritten(FLAGGED_ONE, 24, rng), handwritten(CROSSED_SEVEN, 12, rng)])
    return x, np.array([1] * 24 + [7] * 12)


@pytest.fixture(scope="module")
def small_mlp():
    return load_model(bundled_model("small_mlp.npz"))


@pytest.mark.slow
def test_a_flagged_one_is_learnt_without_forgetting_mnist(personal, small_mlp, mnist):
    weights = [p.value.copy() for p in small_mlp.network.parameters()]
    split = split_personal(*personal, holdout=0.25, seed=0)
    assert len(split.holdout) == 9
    outcome = finetune(small_mlp, split, mnist, FinetuneConfig(), base_name="small_mlp.npz")
    before, after = outcome.before, outcome.after
    print(f"held-out personal {before.personal:.2%} -> {after.personal:.2%}, "
          f"MNIST test {before.mnist:.2%} -> {after.mnist:.2%}")
    assert outcome.result.status == "finished"
    assert before.personal <= 0.5            # the flagged 1s are read as 7s
    assert after.personal >= 0.85
    assert after.mnist >= before.mnist - 0.005
    ones = split.holdout.t == 1
    assert (outcome.model.network.predict(split.holdout.x[ones]) == 1).mean() >= 0.8
    for p, w in zip(small_mlp.network.parameters(), weights):   # the base model is untouched
        np.testing.assert_array_equal(p.value, w)


def test_the_fine_tuned_model_records_where_it_came_from(personal, small_mlp, mnist, tmp_path):
    config = FinetuneConfig(epochs=1, mnist_images=2000)
    outcome = finetune(small_mlp, split_personal(*personal, 0.25, 0), mnist, config, base_name="small_mlp.npz")
    save_model(tmp_path / "tuned.npz", outcome.model)
    loaded = load_model(tmp_path / "tuned.npz")
    assert loaded.notes["finetuned_from"] == "small_mlp.npz"
    record = loaded.notes["finetune"]
    assert record["personal_train"] == 27 and record["personal_holdout"] == 9 and record["epochs"] == 1
    assert record["lr"] == pytest.approx(small_mlp.train_config.learning_rate / 10)
    assert record["after"]["mnist_test"] == loaded.test_accuracy == outcome.after.mnist
    assert loaded.spec == small_mlp.spec


def test_each_digit_keeps_its_mnist_frequency(personal, mnist):
    split = split_personal(*personal, 0.25, 0)
    config = FinetuneConfig(mnist_images=5000, personal_share=0.2)
    x, t = mixed_set(split.train, mnist, config, np.float32)
    subset = np.random.default_rng([config.seed, 0xF1E]).permutation(len(mnist.train_labels))[:5000]
    assert np.bincount(t, minlength=10).tolist() == np.bincount(mnist.train_labels[subset], minlength=10).tolist()
    ones = np.flatnonzero(t == 1)
    personal_ones = ones[-round(0.2 * len(ones)):]
    # Every personal 1 is there, the first copies as drawn, the rest augmented (different pixels).
    mine = split.train.x[split.train.t == 1]
    np.testing.assert_array_equal(x[personal_ones[:len(mine)]], mine)
    assert not np.allclose(x[personal_ones[len(mine):2 * len(mine)]], mine)


def test_stop_ends_the_run_between_batches_and_keeps_a_usable_model(personal, small_mlp, mnist):
    tuning = Finetuning(small_mlp, split_personal(*personal, 0.25, 0), mnist, FinetuneConfig(epochs=2))

    def on_step(step, loss):
        if step == 5:
            tuning.trainer.stop()

    outcome = tuning.run(on_step=on_step)
    assert outcome.result.status == "stopped" and outcome.model is not None and outcome.model.step == 5


def test_no_personal_training_samples_is_a_clear_error(small_mlp, mnist):
    split = split_personal(np.zeros((0, 784), np.float32), np.zeros(0, int), 0.25, 0)
    with pytest.raises(ValueError, match="label a few drawings"):
        Finetuning(small_mlp, split, mnist)


@pytest.mark.slow
def test_command_line_with_a_samples_folder_and_with_its_idx_export(personal, tmp_path, capsys):
    store = SampleStore(tmp_path / "samples")
    for v, t in zip(*personal):
        store.add(int(t), v)
    args = ["finetune", "--model", str(bundled_model("small_mlp.npz")), "--epochs", "1", "--json"]
    assert main(args + ["--samples", str(store.folder), "--out", str(tmp_path / "a.npz")]) == 0
    out = capsys.readouterr()
    figures = json.loads(out.out)
    assert figures["personal_train"] == 27 and figures["personal_holdout"] == 9
    assert figures["after"]["personal_holdout"] > figures["before"]["personal_holdout"]
    assert "held-out" in out.err and load_model(tmp_path / "a.npz").notes["finetuned_from"] == "small_mlp.npz"

    store.export_idx(tmp_path / "idx")       # the same split as the samples folder's, so the same figures
    assert main(args + ["--samples", str(tmp_path / "idx"), "--out", str(tmp_path / "b.npz")]) == 0
    out = capsys.readouterr()
    assert "IDX" in out.err
    assert json.loads(out.out)["before"] == figures["before"]

    assert main(["finetune", "--samples", str(tmp_path / "missing"), "--out", str(tmp_path / "c.npz")]) == 1
    assert "not found" in capsys.readouterr().err and not (tmp_path / "c.npz").exists()
