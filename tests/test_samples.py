"""The personal samples folder: survives restarts, skips damaged files, never loses earlier samples."""
import logging

import numpy as np
import pytest

from engine.data.datasets import load_idx_folder
from engine.storage.samples import SampleFileError, SampleStore, default_samples_dir, holdout_mask, read_sample


def vector(rng):
    return rng.random(784).astype(np.float32)


def strokes(rng, n=2):
    return [rng.random((rng.integers(1, 20), 2)).astype(np.float32) for _ in range(n)]


@pytest.fixture
def store(rng):
    store = SampleStore()
    for label in (7, 7, 1, 3):
        store.add(label, vector(rng), strokes(rng), pen_width=0.05)
    return store


def test_the_default_folder_is_in_the_users_data_not_the_bundle(isolated_home):
    assert SampleStore().folder == default_samples_dir() == isolated_home / "samples"


def test_samples_survive_a_restart_with_everything_they_hold(store):
    again = SampleStore(store.folder)
    assert again.load() == []
    assert [s.id for s in again.samples()] == [s.id for s in store.samples()]   # in the order they were made
    for old, new in zip(store.samples(), again.samples()):
        assert (new.label, new.pen_width, new.created, new.source) == (old.label, old.pen_width, old.created, "drawn")
        np.testing.assert_array_equal(new.vector, old.vector)
        assert len(new.strokes) == len(old.strokes)
        for a, b in zip(new.strokes, old.strokes):
            np.testing.assert_array_equal(a, b)
    assert again.counts().tolist() == [0, 1, 0, 1, 0, 0, 0, 2, 0, 0]
    x, t = again.arrays()
    assert x.shape == (4, 784) and x.dtype == np.float32 and t.tolist() == [7, 7, 1, 3]


def test_files_are_small_and_hold_no_pickle(store):
    path = store.path_of(store.samples()[0].id)
    assert path.stat().st_size < 8000
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"meta.json", "points", "stroke_lengths", "vector"}
        assert all(npz[name].dtype != object for name in npz.files)


def test_a_corrupt_file_is_skipped_with_a_warning_and_the_rest_load(store, caplog):
    victim, *others = store.samples()
    data = bytearray(store.path_of(victim.id).read_bytes())
    data[len(data) // 2:] = b"\0" * (len(data) - len(data) // 2)   # the second half of the file lost
    store.path_of(victim.id).write_bytes(bytes(data))
    (store.folder / "garbage.npz").write_bytes(b"not a zip at all")
    again = SampleStore(store.folder)
    with caplog.at_level(logging.WARNING, logger="engine.storage.samples"):
        problems = again.load()
    assert len(problems) == 2 and any(victim.id in p for p in problems) and any("garbage" in p for p in problems)
    assert sum("skipping a sample file" in r.getMessage() for r in caplog.records) == 2
    assert [s.id for s in again.samples()] == [s.id for s in others]
    assert store.path_of(victim.id).exists()     # left for the user to look at, not deleted


def test_a_file_of_another_kind_or_with_bad_values_is_refused(tmp_path, rng):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(SampleFileError, match="not a valid sample"):
        read_sample(tmp_path / "other.npz")
    store = SampleStore(tmp_path / "s")
    with pytest.raises(ValueError, match="digit from 0 to 9"):
        store.add(10, vector(rng))
    with pytest.raises(ValueError, match="784 numbers"):
        store.add(3, np.full(784, 2.0, np.float32))
    assert len(store) == 0 and not list((tmp_path / "s").glob("*"))


def test_a_failed_write_leaves_earlier_samples_intact(store, rng, monkeypatch):
    before = {p.name: p.read_bytes() for p in store.folder.iterdir()}

    def disk_full(f, **arrays):
        f.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(SampleFileError, match="No space left"):
        store.add(5, vector(rng), strokes(rng))
    victim = store.samples()[0]
    with pytest.raises(SampleFileError, match="No space left"):
        store.relabel(victim.id, 2)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in store.folder.iterdir()} == before   # no partial or temporary file
    assert len(store) == 4 and store.get(victim.id).label == victim.label
    again = SampleStore(store.folder)
    assert again.load() == [] and len(again) == 4


def test_relabel_and_delete_are_kept(store):
    first, second = store.samples()[:2]
    store.relabel(first.id, 4)
    store.delete(second.id)
    again = SampleStore(store.folder)
    again.load()
    assert again.get(first.id).label == 4
    assert second.id not in [s.id for s in again.samples()] and not store.path_of(second.id).exists()


def test_holdout_is_stratified_seeded_and_never_takes_a_digits_only_sample():
    labels = np.array([1] * 8 + [7] * 4 + [3])
    mask = holdout_mask(labels, 0.25, seed=0)
    assert mask[labels == 1].sum() == 2 and mask[labels == 7].sum() == 1 and not mask[labels == 3].any()
    np.testing.assert_array_equal(mask, holdout_mask(labels, 0.25, seed=0))
    assert not np.array_equal(holdout_mask(np.ones(40, int), 0.25, 0), holdout_mask(np.ones(40, int), 0.25, 1))


def test_export_writes_idx_that_load_idx_folder_reads(store, tmp_path):
    for i in range(8):
        store.add(1, np.full(784, i / 10, np.float32))
    train, test = store.export_idx(tmp_path / "idx", holdout=0.25, seed=0)
    data = load_idx_folder(tmp_path / "idx")
    assert (train, test) == (len(data.train_labels), len(data.test_labels)) and train + test == len(store)
    x, t = store.arrays()
    mask = holdout_mask(t, 0.25, 0)
    assert data.test_labels.tolist() == t[mask].tolist() and data.train_labels.tolist() == t[~mask].tolist()
    kept = [s.image().ravel() for s, held in zip(store.samples(), mask) if not held]
    np.testing.assert_array_equal(data.train_images, np.array(kept))


def test_import_from_idx_and_from_a_samples_folder_skips_duplicates(store, tmp_path):
    store.export_idx(tmp_path / "idx")
    fresh = SampleStore(tmp_path / "fresh")
    report = fresh.import_from(tmp_path / "idx")
    assert (report.added, report.duplicates) == (4, 0)
    assert sorted(s.label for s in fresh.samples()) == [1, 3, 7, 7]
    assert all(s.source == "imported" and s.strokes == () for s in fresh.samples())
    assert fresh.import_from(tmp_path / "idx").duplicates == 4 and len(fresh) == 4

    other = SampleStore(tmp_path / "other")
    report = other.import_from(store.folder)      # a samples folder: strokes come along
    assert report.added == 4 and all(s.strokes for s in other.samples())
    again = SampleStore(tmp_path / "other")
    again.load()
    assert len(again) == 4
    (tmp_path / "empty").mkdir()
    with pytest.raises(SampleFileError, match="neither sample files nor IDX"):
        store.import_from(tmp_path / "empty")
