import gzip
import shutil

import numpy as np
import pytest

from engine.data.datasets import (MNIST_SHA256, load_idx_folder, load_mnist, parse_idx, read_idx_bytes, train_validation_split,
                             write_idx)
from engine.errors import DatasetError
from engine.storage.paths import bundled_mnist_dir

# From resources/mnist/README.md
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_bundled_mnist_matches_its_readme(mnist):
    assert mnist.train_images.shape == (60000, 784) and mnist.test_images.shape == (10000, 784)
    assert mnist.train_images.dtype == np.uint8
    assert np.bincount(mnist.train_labels).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.test_labels).tolist() == TEST_COUNTS
    assert mnist.train_labels[0] == 5
    assert mnist.train_images.max() == 255 and mnist.train_images.min() == 0


@pytest.fixture
def mnist_copy(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(bundled_mnist_dir(), folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder


def test_a_corrupted_byte_is_caught_by_the_checksum(mnist_copy):
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(gzip.decompress(path.read_bytes()))
    data[100] = (data[100] + 1) % 10           # still a valid IDX file, with one wrong label
    path.write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(DatasetError, match="SHA-256"):
        load_idx_folder(mnist_copy, MNIST_SHA256)
    # A folder's own SHA256SUMS file is honoured too.
    (mnist_copy / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in MNIST_SHA256.items()))
    with pytest.raises(DatasetError, match="SHA-256"):
        load_idx_folder(mnist_copy)


def test_a_truncated_gzip_gives_a_clear_error(mnist_copy):
    path = mnist_copy / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        load_idx_folder(mnist_copy, MNIST_SHA256)


def test_a_truncated_idx_file_gives_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="truncated"):
        parse_idx(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(5), "labels")
    with pytest.raises(DatasetError, match="not an IDX file"):
        parse_idx(b"PK\x03\x04 this is a zip", "x")


def test_a_missing_file_or_folder_is_named(mnist_copy, tmp_path):
    (mnist_copy / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="test images"):
        load_idx_folder(mnist_copy)
    with pytest.raises(DatasetError, match="not found"):
        load_idx_folder(tmp_path / "nowhere")


def test_another_idx_dataset_loads_from_a_folder(tmp_path):
    """--data DIR: e.g. Fashion-MNIST or EMNIST digits; here a small made-up one, with EMNIST's names."""
    rng = np.random.default_rng(0)
    for part, n in (("train", 50), ("test", 20)):
        write_idx(tmp_path / f"emnist-digits-{part}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(tmp_path / f"emnist-digits-{part}-labels-idx1-ubyte", rng.integers(0, 10, n))
    data = load_idx_folder(tmp_path)
    assert data.train_images.shape == (50, 784) and data.test_labels.shape == (20,)
    assert data.name == tmp_path.name


def test_idx_round_trip_and_gzip(tmp_path):
    array = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    write_idx(tmp_path / "a-idx3-ubyte", array)
    (tmp_path / "b-idx3-ubyte.gz").write_bytes(gzip.compress((tmp_path / "a-idx3-ubyte").read_bytes()))
    for name in ("a-idx3-ubyte", "b-idx3-ubyte.gz"):
        np.testing.assert_array_equal(parse_idx(read_idx_bytes(tmp_path / name)), array)


def test_wrong_image_shape_is_refused(tmp_path):
    for part in ("train", "test"):
        write_idx(tmp_path / f"{part}-images-idx3-ubyte", np.zeros((3, 32, 32)))
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte", np.zeros(3))
    with pytest.raises(DatasetError, match="28x28"):
        load_idx_folder(tmp_path)


def test_validation_split_is_seeded_disjoint_and_complete(mnist):
    x, t = mnist.train_images[:1000], mnist.train_labels[:1000]
    train, val = train_validation_split(x, t, 100, seed=3)
    again, _ = train_validation_split(x, t, 100, seed=3)
    other, _ = train_validation_split(x, t, 100, seed=4)
    assert len(train) == 900 and len(val) == 100
    np.testing.assert_array_equal(train.t, again.t)
    assert not np.array_equal(train.x, other.x)
    assert train.x.dtype == np.float32 and 0 <= train.x.min() and train.x.max() <= 1
    rows = {r.tobytes() for r in np.vstack([train.x, val.x])}
    assert len(rows) == len({r.tobytes() for r in x.astype(np.float32) / 255})


def test_load_mnist_is_cached():
    assert load_mnist() is load_mnist()


def test_the_bundled_copy_is_verified_when_loaded(mnist_copy, monkeypatch):
    import engine.data.datasets as datasets
    path = mnist_copy / "train-labels-idx1-ubyte.gz"
    data = bytearray(gzip.decompress(path.read_bytes()))
    data[-1] = (data[-1] + 1) % 10
    path.write_bytes(gzip.compress(bytes(data)))
    monkeypatch.setattr(datasets, "bundled_mnist_dir", lambda: mnist_copy)
    monkeypatch.setattr(datasets, "_cache", {})
    with pytest.raises(DatasetError, match="SHA-256"):
        datasets.load_mnist()
