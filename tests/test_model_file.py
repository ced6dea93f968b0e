import json
import zipfile

import numpy as np
import pytest

from engine.nn.builders import ModelSpec
from engine.errors import ModelFileError
from engine.storage.model_file import META_KEY, SavedModel, load_model, save_model
from engine.nn.optimizers import Adam
from engine.training.records import EpochReport, History, TrainConfig


@pytest.fixture
def saved(tmp_path):
    spec = ModelSpec(arch="cnn", channels=(2, 3), hidden=(8,), batchnorm=True, dropout=0.1)
    net = spec.build(0)
    rng = np.random.default_rng(0)
    opt = Adam(net.parameters(), lr=0.01)
    for _ in range(2):
        net.gradient(rng.random((4, 784)).astype(np.float32), np.arange(4))
        opt.step()
    history = History([2.3, 2.1], [EpochReport(1, 2, 2.2, 0.5, 0.4, None, 1.0, 0.01)])
    model = SavedModel(net, spec, TrainConfig(epochs=1), history, 0.42, opt, step=2)
    path = tmp_path / "model.npz"
    save_model(path, model)
    return path, model


def test_round_trip_keeps_everything(saved):
    path, original = saved
    loaded = load_model(path)
    x = np.random.default_rng(1).random((5, 784)).astype(np.float32)
    np.testing.assert_array_equal(loaded.network.predict_proba(x), original.network.predict_proba(x))
    assert loaded.spec == original.spec and loaded.train_config == original.train_config
    assert loaded.test_accuracy == 0.42 and loaded.step == 2
    assert loaded.history.losses == pytest.approx([2.3, 2.1]) and loaded.history.epochs == original.history.epochs
    assert loaded.optimizer.t == 2 and loaded.optimizer.lr == 0.01
    for a, b in zip(loaded.optimizer.state_arrays().values(), original.optimizer.state_arrays().values()):
        np.testing.assert_array_equal(a, b)
    bn = loaded.network.layers[2]
    np.testing.assert_array_equal(bn.running_mean, original.network.layers[2].running_mean)


def test_file_is_plain_npz_without_pickle(saved):
    path, _ = saved
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(npz[META_KEY].tobytes())
    assert meta["format"] == "scratchnet-model" and meta["spec"]["arch"] == "cnn"


def test_save_is_atomic_and_leaves_no_temporary_files(saved, monkeypatch):
    path, model = saved
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(ModelFileError, match="No space left"):
        save_model(path, model)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def expect_error(path, pattern):
    with pytest.raises(ModelFileError, match=pattern):
        load_model(path)


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.npz", "not found")


def test_random_bytes(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(np.random.default_rng(0).bytes(3000))
    expect_error(path, "not a ScratchNet model")


def test_truncated_file(saved):
    path, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    expect_error(path, "not a ScratchNet model|damaged or truncated")


def test_flipped_byte_in_the_weights(saved):
    path, _ = saved
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("layer1/param0.npy")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    expect_error(path, "damaged or truncated")


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, W1=np.zeros((784, 50)), b1=np.zeros(50))
    expect_error(path, "not a ScratchNet model")


def test_pickled_object_array_is_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, **{META_KEY: np.array([{"format": "scratchnet-model"}], dtype=object)})
    expect_error(path, "not a ScratchNet model|damaged")


def rewrite(path, change):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays[META_KEY].tobytes())
    change(arrays, meta)
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **arrays)


def test_shape_mismatch(saved):
    path, _ = saved
    rewrite(path, lambda a, m: a.__setitem__("layer1/param0", np.zeros((3, 3, 1, 2), np.float32)))
    expect_error(path, "shape")


def test_unknown_layer_type(saved):
    path, _ = saved
    rewrite(path, lambda a, m: m["architecture"]["layers"][1].__setitem__("type", "Transformer"))
    expect_error(path, "unknown type")


def test_layers_that_do_not_fit_together(saved):
    path, _ = saved
    rewrite(path, lambda a, m: m["architecture"]["layers"].pop(1))
    expect_error(path, "model.npz")


def test_nan_weights(saved):
    path, _ = saved
    rewrite(path, lambda a, m: a["layer1/param0"].__setitem__((0, 0, 0, 0), np.nan))
    expect_error(path, "NaN")


def test_newer_format(saved):
    path, _ = saved
    rewrite(path, lambda a, m: m.__setitem__("version", 99))
    expect_error(path, "newer ScratchNet")


def test_damaged_record(saved):
    path, _ = saved
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[META_KEY] = np.frombuffer(b'{"format": "scratchnet-mo', np.uint8)
    np.savez(path, **arrays)
    expect_error(path, "damaged model record")


def test_a_file_whose_optimizer_kept_scaled_moments_loads_with_the_papers_moments(saved, tmp_path):
    """ScratchNet 1.0 kept Adam's m / (1 - beta1) and v / (1 - beta2), and said so in state_scales."""
    path, original = saved
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(arrays[META_KEY].tobytes())
    meta["optimizer"]["state_scales"] = {"m": 0.1, "v": 0.001}
    for name in [n for n in arrays if n.startswith("optimizer/m/")]:
        arrays[name] = arrays[name] / 0.1
    for name in [n for n in arrays if n.startswith("optimizer/v/")]:
        arrays[name] = arrays[name] / 0.001
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    loaded = load_model(old).optimizer.state_arrays()
    for name, expected in original.optimizer.state_arrays().items():
        np.testing.assert_allclose(loaded[name], expected, rtol=1e-6)
