"""Broken and hostile files of every kind the app reads (model files, sample files, IDX datasets,
images): each must end in its loader's own error with a message naming the file, never a
traceback of another kind, a hang or gigabytes allocated. Issue 21's reproductions are marked (#n)."""
from __future__ import annotations

import gzip
import json
import os
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data.datasets import load_idx_folder, read_checksums, read_idx_bytes
from engine.errors import DatasetError, ModelFileError
from engine.storage.model_file import META_KEY, load_model, read_meta
from engine.storage.samples import Sample, SampleFileError, SampleStore, read_sample, write_sample

from tests.hostile import (idx_bytes, idx_folder, members, npy, npy_header, record_of, small_model, with_member,
                      with_record, write_members, zero_bomb)

FUZZ = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def flip_bits(data, raw: bytes, most: int = 8, within: int | None = None) -> bytes:
    """`raw` with 1 to `most` random bits flipped (in its first `within` bytes if given)."""
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, most))):
        raw[data.draw(st.integers(0, min(len(raw), within or len(raw)) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    return bytes(raw)


def loads_or_fails_cleanly(load, error: type[Exception], path) -> None:
    """Damage may leave a file loadable (a weight's low bit, say); otherwise `error` names the file."""
    try:
        load(path)
    except error as e:
        assert path.name in str(e)


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    return {arch: small_model(folder / f"{arch}.npz", arch).read_bytes() for arch in ("mlp", "cnn")}


@pytest.fixture
def model(tmp_path, model_bytes):
    path = tmp_path / "m.npz"
    path.write_bytes(model_bytes["mlp"])
    return path


def refused(path, match: str | None = None) -> str:
    with pytest.raises(ModelFileError, match=match) as caught:
        load_model(path)
    assert path.name in str(caught.value) or "not found" in str(caught.value)
    assert "pickle" not in str(caught.value)      # (#12) NumPy's advice is never passed on
    return str(caught.value)


def test_the_valid_files_load(model, tmp_path, model_bytes):
    assert load_model(model).network.predict(np.zeros((1, 784), np.float32)).shape == (1,)
    cnn = tmp_path / "c.npz"
    cnn.write_bytes(model_bytes["cnn"])
    assert load_model(cnn).spec.arch == "cnn"


# Reproductions: model files (#3, #6, #7, #10, #12).
@pytest.mark.parametrize("change, match", [
    (lambda m: m.update(version="1"), "version"),
    (lambda m: m.update(history=[]), "history"),
    (lambda m: m.update(spec=[]), "spec"),
    (lambda m: m["architecture"]["layers"][0]["config"].update(colour="red"), "colour"),
    (lambda m: m["architecture"].update(input_shape=[100]), "input_shape"),
    (lambda m: m["architecture"].update(input_shape=[28, 28]), "input_shape"),
    (lambda m: m["architecture"].update(dtype="object"), "number type"),
    (lambda m: m["architecture"]["layers"][0]["config"].update(n_out=500_000), "weights|shape"),
    (lambda m: m["architecture"].update(layers=[]), "layers"),
    (lambda m: m.update(step=-100), "step"),
    (lambda m: m.update(test_accuracy="high"), "test accuracy"),
    (lambda m: m["optimizer"].update(name="nadam"), "optimizer"),
    (lambda m: m["optimizer"]["hyperparameters"].update(lr=float("nan")), "lr"),
    (lambda m: m.update(format="something-else"), "not a ScratchNet model"),
    (lambda m: m.update(version=99), "newer"),
    (lambda m: m["architecture"]["layers"][2]["config"].update(n_in=9), "expects 9 inputs"),
], ids=["version-text", "history-list", "spec-list", "unknown-layer-key", "input-100", "input-28x28",
        "dtype-object", "500k-outputs", "no-layers", "step-negative", "accuracy-text", "optimizer-unknown",
        "lr-nan", "foreign-format", "newer-version", "layers-do-not-fit"])
def test_a_damaged_record_is_refused(model, change, match):
    meta = record_of(model)
    change(meta)
    refused(with_record(model, meta), match)


def test_a_cnn_with_a_zero_kernel_or_stride_is_refused(tmp_path, model_bytes):
    for key in ("kernel", "stride"):
        path = tmp_path / f"{key}.npz"
        path.write_bytes(model_bytes["cnn"])
        meta = record_of(path)
        conv = next(layer for layer in meta["architecture"]["layers"] if layer["type"] == "Conv2D")
        conv["config"][key] = 0
        refused(with_record(path, meta), key)


def test_a_model_ending_in_26_scores_is_refused(model):
    meta = record_of(model)
    last = meta["architecture"]["layers"][-1]["config"]
    last["n_out"] = 26
    content = members(model)
    content["layer2/param0.npy"] = npy(np.zeros((last["n_in"], 26), np.float32))
    content["layer2/param1.npy"] = npy(np.zeros(26, np.float32))
    write_members(model, content)
    refused(with_record(model, meta), "10 class scores")


def test_unknown_top_level_keys_are_tolerated(model):
    meta = record_of(model)
    meta.update(temperature=1.5, future={"anything": [1, 2]})
    assert load_model(with_record(model, meta)).step == 1


def test_deeply_nested_json_is_refused_without_recursion(model):
    refused(with_record(model, b"[" * 100_000 + b"]" * 100_000, out=model.with_name("deep.npz")), "nested")
    meta = record_of(model)
    meta["notes"] = {"deep": json.loads("[" * 60 + "]" * 60)}
    nested = json.dumps(meta).encode()
    nested = nested[:-1] + b', "x": ' + b"{\"a\": " * 200 + b"1" + b"}" * 200 + b"}"
    refused(with_record(model, nested), "nested")


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{\"format\": "])
def test_a_record_that_is_not_a_json_object_is_refused(model, raw):
    refused(with_record(model, raw), "damaged model record|not a ScratchNet")


def test_a_member_stored_raw_or_missing_is_refused(model):
    content = members(model)
    with_member(model, "layer0/param0.npy", None, out=model.with_name("missing.npz"))
    refused(model.with_name("missing.npz"), "layer0/param0")
    raw = dict(content)
    raw["layer0/param0"] = raw.pop("layer0/param0.npy")[128:]     # the bytes without an .npy header
    refused(write_members(model.with_name("raw.npz"), raw), "not stored as a NumPy array")
    meta_raw = dict(content)
    meta_raw[META_KEY] = meta_raw.pop(f"{META_KEY}.npy")
    refused(write_members(model.with_name("meta-raw.npz"), meta_raw), "no meta.json|not stored")


def test_weights_of_the_wrong_shape_kind_or_value_are_refused(model):
    refused(with_member(model, "layer0/param0.npy", npy(np.zeros((3, 3), np.float32)), out=model.with_name("a.npz")),
            "shape")
    refused(with_member(model, "layer0/param0.npy", npy(np.zeros((784, 8), np.int32)), out=model.with_name("b.npz")),
            "not floating")
    nan = np.full((784, 8), np.nan, np.float32)
    refused(with_member(model, "layer0/param0.npy", npy(nan), out=model.with_name("c.npz")), "NaN")
    huge = with_member(model, "layer0/param1.npy", npy(np.full(8, 3e38, np.float32)), out=model.with_name("d.npz"))
    refused(with_member(huge, "layer2/param0.npy", npy(np.full((8, 10), 3e38, np.float32))), "overflow")
    structured = np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")])
    refused(with_member(model, "layer0/param0.npy", npy(structured), out=model.with_name("e.npz")), "not floating")


def test_an_npy_header_declaring_a_huge_array_is_refused_before_reading(model):
    forged = with_member(model, "layer0/param0.npy", npy_header((10 ** 6, 10 ** 6)), out=model.with_name("f.npz"))
    refused(forged, "shape")
    forged = with_member(model, "history/losses.npy", npy_header((10 ** 12,), "<f8"), out=model.with_name("g.npz"))
    refused(forged, "history/losses")
    oversized = b"\x93NUMPY\x02\x00" + (200_000).to_bytes(4, "little") + b" " * 200_000
    refused(with_member(model, "layer0/param0.npy", oversized, out=model.with_name("h.npz")), "damaged")


def test_a_zero_bomb_is_not_decompressed(model, tmp_path):
    """A 256 MB member of zeros in a file of a few hundred kilobytes: the header says what it is, and
    that is refused before one byte of the data is inflated (#6; the issue's was 3 GiB)."""
    content = members(model)
    bomb = zero_bomb(tmp_path / "bomb.npz", "history/losses.npy", 2 ** 28,
                     {k: v for k, v in content.items() if k != "history/losses.npy"})
    assert bomb.stat().st_size < 2 ** 20
    refused(bomb, "history/losses")


def test_files_that_are_not_model_files(tmp_path):
    npy_file = tmp_path / "renamed.npz"
    np.save(npy_file.with_suffix(".npy"), np.zeros(3))
    npy_file.write_bytes(npy_file.with_suffix(".npy").read_bytes())       # a .npy renamed .npz
    refused(npy_file, "not a NumPy archive")
    (tmp_path / "empty.npz").write_bytes(b"")
    refused(tmp_path / "empty.npz", "not a NumPy archive")
    (tmp_path / "text.npz").write_text("hello")
    refused(tmp_path / "text.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    refused(tmp_path / "other.npz", "not a ScratchNet model")
    np.savez(tmp_path / "objects.npz", **{META_KEY: np.array([{"a": 1}], dtype=object)})
    refused(tmp_path / "objects.npz", "object|not bytes|damaged")
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "absent.npz")
    (tmp_path / "folder.npz").mkdir()
    refused(tmp_path / "folder.npz", "folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_device_is_not_read_as_a_model(tmp_path):
    os.mkfifo(tmp_path / "fifo.npz")
    refused(tmp_path / "fifo.npz", "pipe")               # returns at once: no writer is waited for
    with pytest.raises(ModelFileError, match="device"):
        load_model("/dev/zero")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_an_unreadable_model_is_not_reported_missing(model):
    model.chmod(0)
    try:
        refused(model, "permission denied")
    finally:
        model.chmod(0o644)


def test_a_file_that_cannot_be_opened_is_not_reported_missing(model, monkeypatch):
    """The same, as root too: the open itself is made to fail as it would for another user's file."""
    def denied(path, flags, *args):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(os, "open", denied)
    assert "not found" not in refused(model, "permission denied")


# Fuzz: random damage to a valid model file.
@FUZZ
@given(data=st.data())
def test_fuzz_truncated_model_files(tmp_path, model_bytes, data):
    raw = model_bytes[data.draw(st.sampled_from(["mlp", "cnn"]))]
    cut = data.draw(st.integers(0, len(raw) - 1))
    path = tmp_path / "cut.npz"
    path.write_bytes(raw[:cut])
    refused(path)


@pytest.mark.parametrize("field_offset, value", [(6, 0xAD), (10, 99)], ids=["zip version 17.3", "compression 99"])
def test_a_zip_feature_python_cannot_read_is_a_clean_error(tmp_path, model_bytes, field_offset, value):
    """Found by the bit-flip fuzz: zipfile raises NotImplementedError for these."""
    raw = bytearray(model_bytes["mlp"])
    central = raw.index(b"PK\x01\x02")      # the first member's central-directory entry
    raw[central + field_offset] = value
    path = tmp_path / "odd.npz"
    path.write_bytes(bytes(raw))
    refused(path)


@FUZZ
@given(data=st.data())
def test_fuzz_bit_flips_in_model_files(tmp_path, model_bytes, data):
    """A flipped bit either leaves a loadable model (a weight's low bit, say) or gives a ModelFileError."""
    path = tmp_path / "flipped.npz"
    path.write_bytes(flip_bits(data, model_bytes[data.draw(st.sampled_from(["mlp", "cnn"]))]))
    loads_or_fails_cleanly(load_model, ModelFileError, path)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)


def _paths(value, prefix=()):
    """Every (path of keys/indices) inside a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def mutate(data, value) -> None:
    """Replace 1 to 3 values anywhere inside a JSON value by any JSON value, or delete them."""
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from([p for p in _paths(value) if p]))
        parent = value
        for key in where[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(JSON_VALUES)


@FUZZ
@given(data=st.data())
def test_fuzz_json_mutations_of_the_model_record(tmp_path, model_bytes, data):
    """Any value of the record replaced by any JSON value, or deleted: loads, or a ModelFileError."""
    path = tmp_path / "m.npz"
    path.write_bytes(model_bytes[data.draw(st.sampled_from(["mlp", "cnn"]))])
    meta = record_of(path)
    mutate(data, meta)
    with_record(path, json.dumps(meta).encode())
    loads_or_fails_cleanly(load_model, ModelFileError, path)


@FUZZ
@given(shape=st.lists(st.integers(0, 2 ** 40), min_size=0, max_size=4),
       descr=st.sampled_from(["<f4", "<f8", ">f4", "<i4", "|u1", "|O", "<c8", "|V8", "<U4"]))
def test_fuzz_forged_npy_headers(tmp_path, model_bytes, shape, descr):
    path = tmp_path / "m.npz"
    path.write_bytes(model_bytes["mlp"])
    with_member(path, "layer0/param0.npy", npy_header(shape, descr))
    refused(path)


def test_read_meta_refuses_what_load_model_refuses(model):
    assert read_meta(model)["format"] == "scratchnet-model"
    with pytest.raises(ModelFileError, match="nested"):
        read_meta(with_record(model, b"{" * 10_000))


# Sample files (#4, #12).
def _sample(i=0) -> Sample:
    stroke = np.array([[0.2, 0.2], [0.8, 0.8]], np.float32)
    return Sample(f"s{i}", i % 10, np.full(784, 0.5, np.float32), (stroke,), 0.05)


@pytest.fixture
def sample_file(tmp_path):
    path = tmp_path / "samples" / "s0.npz"
    path.parent.mkdir()
    write_sample(path, _sample())
    return path


def test_a_bad_sample_file_costs_only_itself(sample_file):
    folder = sample_file.parent
    write_sample(folder / "s1.npz", _sample(1))
    with_record(sample_file, b"[" * 10_000 + b"]" * 10_000, out=folder / "deep.npz")
    content = members(sample_file)
    content["meta.json"] = content.pop("meta.json.npy")
    write_members(folder / "raw.npz", content)
    zero_bomb(folder / "bomb.npz", "vector.npy", 2 ** 27, {k: v for k, v in content.items() if k != "vector.npy"})
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "x.npz")
    store = SampleStore(folder)
    problems = store.load()
    assert len(store) == 2
    assert len(problems) == (4 if hasattr(os, "mkfifo") else 3)
    assert any("nested" in p for p in problems), problems
    assert any("pipe" in p for p in problems) or not hasattr(os, "mkfifo"), problems


def test_sample_files_and_their_folder_are_private(tmp_path):
    store = SampleStore(tmp_path / "new" / "samples")
    sample = store.add(_sample().label, _sample().vector, _sample().strokes, 0.05)
    assert (store.folder / f"{sample.id}.npz").stat().st_mode & 0o777 == 0o600
    assert store.folder.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("change", [
    lambda m: m.update(label=10), lambda m: m.update(label=True), lambda m: m.update(label="7"),
    lambda m: m.update(pen_width=float("inf")), lambda m: m.update(version="x"), lambda m: m.update(format=None),
    lambda m: m.update(created=[]),
], ids=["label-10", "label-bool", "label-text", "pen-inf", "version-text", "format-null", "created-list"])
def test_a_damaged_sample_record_is_refused(sample_file, change):
    meta = record_of(sample_file)
    change(meta)
    with pytest.raises(SampleFileError, match=sample_file.name):
        read_sample(with_record(sample_file, meta))


@FUZZ
@given(data=st.data())
def test_fuzz_json_mutations_of_the_sample_record(sample_file, data):
    meta = record_of(sample_file)
    mutate(data, meta)
    mutated = with_record(sample_file, json.dumps(meta).encode(), out=sample_file.with_name("mutated.npz"))
    loads_or_fails_cleanly(read_sample, SampleFileError, mutated)


@FUZZ
@given(data=st.data())
def test_fuzz_damaged_sample_files(sample_file, data):
    raw = sample_file.read_bytes()
    raw = raw[:data.draw(st.integers(0, len(raw) - 1))] if data.draw(st.booleans()) else flip_bits(data, raw)
    damaged = sample_file.with_name("damaged.npz")
    damaged.write_bytes(raw)
    loads_or_fails_cleanly(read_sample, SampleFileError, damaged)


# IDX datasets (#6, #8).
def test_labels_outside_0_to_9_are_refused(tmp_path):
    with pytest.raises(DatasetError, match="found 10"):
        load_idx_folder(idx_folder(tmp_path / "a", train_labels=[10] * 20))
    with pytest.raises(DatasetError, match="found 250"):
        load_idx_folder(idx_folder(tmp_path / "b", test_labels=[250] * 10))
    with pytest.raises(DatasetError, match="found -1"):
        load_idx_folder(idx_folder(tmp_path / "c", train_labels=[-1] * 20, label_code=0x09))
    with pytest.raises(DatasetError, match="whole numbers"):
        load_idx_folder(idx_folder(tmp_path / "d", train_labels=[np.nan] * 20, label_code=0x0D))


def test_an_empty_training_set_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="no images"):
        load_idx_folder(idx_folder(tmp_path / "e", train=0))


def test_idx_headers_that_lie_are_refused_before_allocating(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    for shape, match in [((2 ** 31, 2 ** 31, 2 ** 31), "declares"), ((0xFFFFFFFF,) * 4, "declares"),
                         ((10, 28, 28), "shorter")]:
        path.write_bytes(idx_bytes(shape, data=b""))
        with pytest.raises(DatasetError, match=match):
            read_idx_bytes(path)
    path.write_bytes(bytes([0, 0, 8, 200]))
    with pytest.raises(DatasetError, match="dimensions"):
        read_idx_bytes(path)
    path.write_bytes(idx_bytes((2, 2)) + b"extra")
    with pytest.raises(DatasetError, match="longer"):
        read_idx_bytes(path)


def test_a_gzip_bomb_is_not_expanded(tmp_path):
    """A small .gz whose IDX header declares 6 GB: refused from the header alone (#6)."""
    import gzip
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(idx_bytes((80_000, 28_000, 28), data=b""))
        f.write(bytes(2 ** 22))
    with pytest.raises(DatasetError, match="declares"):
        read_idx_bytes(path)


def test_a_checksum_file_that_is_not_text_is_refused(tmp_path):
    (tmp_path / "SHA256SUMS").write_bytes(b"\xff\xfe\x00 garbage")
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_checksums(tmp_path)


@FUZZ
@given(data=st.data())
def test_fuzz_damaged_idx_files(tmp_path, data):
    raw = idx_bytes((3, 28, 28))
    raw = raw[:data.draw(st.integers(0, len(raw) - 1))] if data.draw(st.booleans()) else flip_bits(data, raw, 4, 16)
    path = tmp_path / "fuzz-idx3-ubyte"
    path.write_bytes(raw)
    loads_or_fails_cleanly(read_idx_bytes, DatasetError, path)


def test_zip_archives_with_odd_members(model, tmp_path):
    """Encrypted flags and unknown compression methods are refused by name, not by a zipfile error."""
    content = members(model)
    path = tmp_path / "bzip.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as z:
        for name, data in content.items():
            z.writestr(name, data)
    refused(path, "compressed")


# Image files (#1, #6, #12): read_gray is what predict and the app use.
def _png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height (its data is a few bytes)."""
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="99" height="99">{}</svg>'


@pytest.mark.parametrize("name, content, match", [
    ("bomb.png", _png(60_000, 60_000), "megapixels"),
    ("empty.png", b"", "empty"),
    ("text.png", b"hello", "cannot read"),
    ("link.svg", SVG.format('<image href="/etc/hostname" width="9" height="9"/>').encode(), "refers to another file"),
    ("xlink.svg", SVG.format('<image xlink:href="file:///x.png"/>').encode(), "refers to another file"),
    ("css.svg", SVG.format("<style>@import url(/x.css);</style>").encode(), "style sheet"),
    ("lol.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>' + SVG.format("<text>&a;</text>").encode(),
     "entities"),
    ("bomb.svgz", gzip.compress(SVG.format(" " * 2 ** 25).encode()), "expands"),
], ids=["bomb.png", "empty.png", "text.png", "link.svg", "xlink.svg", "css.svg", "lol.svg", "bomb.svgz"])
def test_hostile_images_are_refused(qapp, tmp_path, name, content, match):
    from gui.image_file import ImageReadError, read_gray
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImageReadError, match=match):
        read_gray(tmp_path / name)


def test_an_svg_with_text_and_a_huge_size_is_drawn_at_a_bounded_size(qapp, tmp_path):
    """(With the app's QApplication made first, as pytest-qt makes it: read_gray would make a
    QGuiApplication for the command line, and none other could be made after it.)"""
    from gui.image_file import SVG_SIDE, read_gray
    (tmp_path / "t.svg").write_text(SVG.format('<text y="80" font-size="80">7</text>'))
    assert read_gray(tmp_path / "t.svg").min() < 128
    (tmp_path / "huge.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1000000" height="1000000">'
                                       '<circle cx="500000" cy="500000" r="300000"/></svg>')
    assert max(read_gray(tmp_path / "huge.svg").shape) <= SVG_SIDE
