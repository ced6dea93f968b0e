"""engine/speed gives what the plain engine gives: the same batches, the same gradients (to rounding)."""
import logging
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.data.augment import AUGMENTATIONS, Augmentation
from engine.data.batches import Batch, Batches, in_order
from engine.data.datasets import Split
from engine.nn.builders import ModelSpec
from engine.nn.gradcheck import check_network
from engine.speed import ParallelGradient, accelerate, augment_processes, slices_worth, threads
from engine.speed.augment_processes import BatchProcessError, BatchProcesses
from engine.speed.shared_files import PREFIX, remove_abandoned_folders
from engine.training.records import TrainConfig
from engine.training.trainer import Trainer
from tests.orphans import children_outlive_a_killed_parent
from tests.test_layers import TOLERANCE


@pytest.fixture
def split(mnist):
    """250 images: with batches of 40, an epoch has 7 steps and its last batch holds 10."""
    return Split(mnist.train_images[:250].astype(np.float32) / 255, mnist.train_labels[:250])


SMALL_BLOCKS = {"map_block_images": 120}    # 3 steps of 40 images: a short run crosses several blocks and epochs


def shared_folders():
    """The folders of the files shared with the batch processes, where the system keeps them in RAM."""
    shm = Path("/dev/shm")
    return set(shm.glob(f"{PREFIX}*")) if shm.is_dir() else set()


def taken(made, steps_per_block, start):
    """The batches of an ahead() source from step `start`, copied as they come. They lie in a shared
    slot and need only hold until the next block: each block's are checked to be unchanged when its
    last one is taken."""
    kept, block = [], []
    for step, batch in enumerate(made, start=start):
        block.append(batch)
        kept.append(Batch(batch.x.copy(), batch.t.copy(), batch.rng))
        if (step + 1) % steps_per_block == 0:
            time.sleep(0.02)                            # time for a child to write into a slot too soon
            for held, copy in zip(block, kept[-len(block):]):
                np.testing.assert_array_equal(held.x, copy.x)
            block = []
    return kept


def assert_same(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.t, b.t)
        assert (a.rng is None) == (b.rng is None)     # and dropout's generator is in the same state
        if a.rng is not None:
            assert a.rng.random() == b.rng.random()


# Batches made in child processes.
@pytest.mark.parametrize("augmentation", [None, Augmentation(), AUGMENTATIONS["hands"]], ids=["plain", "augmented", "hands"])
@pytest.mark.parametrize("dropout", [False, True], ids=["", "dropout"])
def test_batches_made_ahead_in_child_processes_equal_the_plain_ones(split, augmentation, dropout):
    for start in (0, 5):                                 # a fresh run, and one resumed mid-epoch and mid-block
        batches = Batches(split, 40, seed=5, augmentation=augmentation, random_steps=dropout, **SMALL_BLOCKS)
        plain = list(in_order(Batches(split, 40, 5, augmentation, dropout, **SMALL_BLOCKS), start, 17))
        assert_same(taken(augment_processes.ahead(batches, start, 17), 3, start), plain)


def test_the_child_processes_end_with_the_source_and_leave_no_files(split, engine_threads):
    engine_threads(2)
    batches = Batches(split, 40, seed=0, augmentation=Augmentation())
    before = shared_folders()
    made = augment_processes.ahead(batches, 0, 70)
    try:
        next(made)
        children = multiprocessing.active_children()
        assert sorted(child.name for child in children) == \
            [f"scratchnet-batches-{i + 1}" for i in range(threads.usable_cores())]
        assert shared_folders() <= before               # gone already: the children have them open
    finally:
        made.close()
    assert not any(child.is_alive() for child in children) and multiprocessing.active_children() == []


def test_an_error_in_a_child_process_reaches_the_trainer(split):
    batches = Batches(split, 40, seed=0, augmentation=Augmentation(max_rotation="twelve"))
    with pytest.raises(BatchProcessError, match="TypeError"):
        next(augment_processes.ahead(batches, 0, 5))
    assert multiprocessing.active_children() == []


def test_batches_are_made_in_line_if_the_child_processes_cannot_start(split, monkeypatch, caplog):
    def cannot_start(self, batches, count, per_block):  # noqa: ARG001
        raise BatchProcessError("a process making the batches did not start within 60 s")
    monkeypatch.setattr(BatchProcesses, "__init__", cannot_start)
    batches = Batches(split, 40, seed=2, augmentation=Augmentation())
    with caplog.at_level(logging.WARNING, logger=augment_processes.__name__):
        got = list(augment_processes.ahead(batches, 0, 9))
    assert "on the training thread instead" in caplog.text and "did not start" in caplog.text
    assert_same(got, list(in_order(batches, 0, 9)))


@pytest.mark.skipif(not hasattr(os, "posix_fallocate"), reason="reserves the slots' storage with posix_fallocate")
def test_a_ram_folder_without_room_for_the_blocks_means_batches_in_line(split, monkeypatch, caplog):
    """Writing a block into a page that a full RAM folder cannot give would kill a child mid-run;
    the slots' storage is taken before any child starts, so the run goes on without children."""
    def full(fd, offset, length):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "posix_fallocate", full)
    batches = Batches(split, 40, seed=3, augmentation=Augmentation())
    with caplog.at_level(logging.WARNING, logger=augment_processes.__name__):
        got = list(augment_processes.ahead(batches, 0, 9))
    assert "No space left" in caplog.text
    assert_same(got, list(in_order(batches, 0, 9)))
    assert multiprocessing.active_children() == []


PARENT = """
import multiprocessing, sys, time
import numpy as np
from engine.data.augment import AUGMENTATIONS, Augmentation
from engine.data.batches import Batches
from engine.data.datasets import Split
from engine.speed import augment_processes
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    batches = Batches(Split(rng.random((500, 784), dtype=np.float32), rng.integers(0, 10, 500)), 50, 0, Augmentation())
    made = augment_processes.ahead(batches, 0, 100)
    next(made)
    print(*(child.pid for child in multiprocessing.active_children()), flush=True)
    time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for the processes in /proc")
def test_the_child_processes_end_when_their_parent_is_killed(tmp_path):
    assert children_outlive_a_killed_parent(PARENT, tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="asks POSIX whether a process exists")
def test_folders_left_by_processes_that_ended_are_removed(tmp_path):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    abandoned = tmp_path / f"{PREFIX}batches-{ended.pid}-x1y2"
    mine = tmp_path / f"{PREFIX}batches-{os.getpid()}-a1b2"
    running = tmp_path / f"{PREFIX}batches-{os.getppid()}-c3d4"
    other = tmp_path / "scratchnet-something-else"
    for folder in (abandoned, mine, running, other):
        folder.mkdir()
        (folder / "images").write_bytes(b"\0" * 64)
    remove_abandoned_folders(str(tmp_path))
    assert not abandoned.exists()
    assert mine.exists() and running.exists() and other.exists()


def test_a_run_names_its_folder_after_its_process_and_removes_it(split, monkeypatch, tmp_path):
    monkeypatch.setattr("engine.speed.shared_files.memory_folder", lambda: str(tmp_path))
    made = []
    real_make = augment_processes.shared_files.make_folder

    def remember(purpose):
        made.append(real_make(purpose))
        return made[-1]
    monkeypatch.setattr(augment_processes.shared_files, "make_folder", remember)
    batches = Batches(split, 40, seed=0, augmentation=Augmentation())
    assert_same(list(augment_processes.ahead(batches, 0, 3)), list(in_order(batches, 0, 3)))
    assert made and made[0].name.startswith(f"{PREFIX}batches-{os.getpid()}-")
    assert list(tmp_path.iterdir()) == []


# A batch in slices on several threads.
@pytest.mark.parametrize("smoothing", [0.0, 0.1], ids=["", "label-smoothing"])
def test_a_batch_cut_into_uneven_slices_gives_the_gradient_of_the_whole_batch(engine_threads, smoothing):
    """7 images go through two replicas as 3 + 4; each slice's loss gradient is weighted by its
    share, so the sum is the gradient of the mean loss over all 7 (float64). Each slice has the
    network's loss, its label smoothing included."""
    from engine.nn.losses import SoftmaxCrossEntropy
    engine_threads(2)
    rng = np.random.default_rng(5)
    x, t = rng.random((7, 784)), rng.integers(0, 10, 7)
    spec = ModelSpec(arch="cnn", channels=(3, 4), hidden=(8,), dtype="float64")
    whole, sliced = spec.build(0), spec.build(0)
    whole.loss_layer, sliced.loss_layer = SoftmaxCrossEntropy(smoothing), SoftmaxCrossEntropy(smoothing)
    loss = whole.gradient(x, t)
    assert ParallelGradient(sliced, 2)(x, t) == pytest.approx(loss, rel=1e-12)
    for a, b in zip(whole.parameters(), sliced.parameters()):
        np.testing.assert_allclose(b.grad, a.grad, rtol=1e-10, atol=1e-14)


def test_a_network_in_slices_still_matches_numerical_gradients(engine_threads):
    engine_threads(2)
    rng = np.random.default_rng(5)
    net = ModelSpec(arch="cnn", channels=(3, 4), hidden=(10,), dtype="float64").build(seed=1)
    net.gradient = ParallelGradient(net, 2)          # check_network calls net.gradient
    x, t = rng.random((6, 784)), rng.integers(0, 10, 6)
    for name, err in check_network(net, x, t, max_entries=25):
        assert err < TOLERANCE, f"{name}: relative error {err:.2e}"


def test_an_error_in_a_pool_thread_reaches_the_caller(engine_threads):
    engine_threads(2)

    def job(index):
        if index > 0:
            raise ValueError("from the other thread")
        return index

    with pytest.raises(ValueError, match="from the other thread"):
        threads.run(job, [(0,), (1,)])
    assert threads.run(lambda a, b: a + b, [(1, 2), (3, 4)]) == [3, 7]


def trainer_for(spec, split, **config):
    net = spec.build(0)
    return Trainer(net, split, TrainConfig(batch_size=100, epochs=2, **config))


@pytest.mark.parametrize("extra", [{"dropout": 0.3}, {"batchnorm": True}])
def test_networks_whose_layers_see_the_whole_batch_are_not_cut_into_slices(extra, split, engine_threads):
    engine_threads(2)
    big = ModelSpec(arch="cnn", channels=(16, 32), hidden=(100,))
    assert slices_worth(trainer_for(big, split)) == 2
    assert slices_worth(trainer_for(ModelSpec(arch="cnn", channels=(16, 32), hidden=(100,), **extra), split)) == 1


def test_an_accelerated_run_trains_the_same_network_as_the_plain_run(split, engine_threads):
    """Augmented batches from child processes and a CNN's batches in two slices: after a run of
    6 steps (two epochs) the weights agree with the plain loop's to rounding (in float64: in float32,
    Adam's first steps of about lr * sign(g) turn rounding differences of tiny gradients into lr)."""
    engine_threads(2)
    spec = ModelSpec(arch="cnn", channels=(16, 32), hidden=(20,), dtype="float64")
    plain, fast = trainer_for(spec, split, augment=True), accelerate(trainer_for(spec, split, augment=True))
    assert isinstance(fast.gradient, ParallelGradient) and fast.batch_source is augment_processes.ahead
    assert fast.accuracy.__self__.layers is fast.gradient.slices[0].layers      # the twins the gradient goes through
    for trainer in (plain, fast):
        trainer.run()
    for a, b in zip(plain.network.parameters(), fast.network.parameters()):
        np.testing.assert_allclose(b.value, a.value, rtol=1e-7, atol=1e-9)
    assert plain.history.losses == pytest.approx(fast.history.losses, rel=1e-9)


# Faster twins of the layers and the update rules.
@pytest.mark.parametrize("kernel,stride,pad,channels,side", [
    (5, 1, 2, 1, 12), (3, 1, 0, 3, 9), (3, 2, 1, 2, 8), (5, 3, 2, 2, 9), (2, 2, 0, 3, 7)])
def test_the_fast_convolution_gives_the_plain_outputs_and_gradients(kernel, stride, pad, channels, side):
    """Strides that leave some input columns outside every window included (they get zero)."""
    from engine.nn.layers import Conv2D
    from engine.speed.fast_layers import FastConv2D
    rng = np.random.default_rng(7)
    plain = Conv2D(channels, 4, kernel, stride=stride, pad=pad, rng=rng, dtype=np.float64)
    fast = FastConv2D.twin_of(plain)
    x = rng.standard_normal((3, side, side, channels))
    out = plain.forward(x, train=True)
    np.testing.assert_allclose(fast.forward(x, train=True), out, rtol=1e-12, atol=1e-12)
    d = rng.standard_normal(out.shape)
    dx = plain.backward(d)
    grads = [p.grad.copy() for p in plain.parameters()]
    np.testing.assert_allclose(fast.backward(d), dx, rtol=1e-12, atol=1e-12)
    for before, p in zip(grads, fast.parameters()):        # written into the same Parameters
        np.testing.assert_allclose(p.grad, before, rtol=1e-12, atol=1e-12)
    assert fast.parameters()[0] is plain.parameters()[0]


@pytest.mark.parametrize("size,stride,side", [(2, 2, 8), (2, 2, 7), (3, 2, 8)])
def test_the_fast_max_pool_gives_the_plain_outputs_and_gradients(size, stride, side, rng):
    from engine.nn.layers import MaxPool2D
    from engine.speed.fast_layers import FastMaxPool2D
    plain = MaxPool2D(size, stride)
    fast = FastMaxPool2D.twin_of(plain)
    x = rng.standard_normal((2, side, side, 3))
    x[0, :4, :4] = 0.0                                       # whole windows of ties, as blank paper gives
    out = plain.forward(x, train=True)
    np.testing.assert_array_equal(fast.forward(x, train=True), out)
    d = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(fast.backward(d), plain.backward(d))


def test_training_through_the_fast_layers_gives_the_plain_gradients():
    from engine.speed.conv_relu_pool import ConvReluPool
    from engine.speed.fast_layers import FastConv2D, FastMaxPool2D
    from engine.speed.twins import training_layers
    rng = np.random.default_rng(3)
    x = (rng.random((5, 784)) * (rng.random((5, 784)) > 0.7))   # many zero windows
    t = rng.integers(0, 10, 5)
    spec = ModelSpec(arch="cnn", channels=(3, 4), hidden=(8,), dtype="float64")
    plain, fast = spec.build(0), spec.build(0)
    layers = training_layers(fast.layers, fast.input_shape)
    # 28 -> conv 28 -> pool 14 (merged); conv 10 -> pool 5 (merged); then the head.
    assert [type(layer) for layer in layers[1:3]] == [ConvReluPool, ConvReluPool]
    loss = plain.gradient(x, t)
    assert ParallelGradient(fast, 1, layers)(x, t) == pytest.approx(loss, rel=1e-12)
    for a, b in zip(plain.parameters(), fast.parameters()):
        np.testing.assert_allclose(b.grad, a.grad, rtol=1e-10, atol=1e-13)
    # An odd-sized convolution output keeps the separate twins, with the ReLU after the pool.
    odd = ModelSpec(arch="cnn", channels=(3, 4), hidden=(8,), kernel=4, dtype="float64").build(0)  # 29 and 11
    layers = training_layers(odd.layers, odd.input_shape)
    relu = type(odd.layers[2])
    assert [type(layer) for layer in layers[1:7]] == [FastConv2D, FastMaxPool2D, relu] * 2


@pytest.mark.parametrize("kernel", [3, 4])       # 4: odd-sized convolution outputs, the separate twins
def test_the_accuracy_through_the_twins_is_the_plain_accuracy(kernel):
    from engine.speed.twins import through_twins, training_layers
    rng = np.random.default_rng(5)
    x = rng.random((300, 784), dtype=np.float32) * (rng.random((300, 784)) > 0.6)
    network = ModelSpec(arch="cnn", channels=(4, 6), hidden=(12,), kernel=kernel).build(1)
    t = network.predict(x)
    t[::3] = (t[::3] + 1) % 10                           # two in three right
    fast = through_twins(network, training_layers(network.layers, network.input_shape)).accuracy
    assert fast(x, t) == network.accuracy(x, t) == pytest.approx(2 / 3, abs=0.01)
    assert fast(x, t, batch_size=7) == network.accuracy(x, t)
    assert np.isnan(fast(x[:0], t[:0]))


@pytest.mark.parametrize("kernel,stride,pad,channels,side", [
    (3, 1, 1, 1, 8), (5, 1, 2, 3, 12), (3, 1, 0, 2, 10), (2, 2, 0, 3, 8), (3, 2, 1, 2, 8)])
def test_convolution_relu_and_pool_in_one_give_the_plain_outputs_and_gradients(kernel, stride, pad, channels, side):
    from engine.nn.layers import Conv2D, MaxPool2D, ReLU
    from engine.speed.conv_relu_pool import ConvReluPool
    rng = np.random.default_rng(11)
    plain = [Conv2D(channels, 4, kernel, stride=stride, pad=pad, rng=rng, dtype=np.float64), ReLU(), MaxPool2D(2)]
    assert ConvReluPool.fits(*plain, (side, side, channels))
    fused = ConvReluPool.twin_of(plain[0])
    x = rng.standard_normal((3, side, side, channels))
    x[0, :4, :4] = 0.0                                    # windows of ties: blank paper
    out = x
    for layer in plain:
        out = layer.forward(out, train=True)
    np.testing.assert_allclose(fused.forward(x, train=True), out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused.forward(x), out, rtol=1e-12, atol=1e-12)
    fused.forward(x, train=True)
    d = rng.standard_normal(out.shape)
    dx = d
    for layer in reversed(plain):
        dx = layer.backward(dx)
    grads = [p.grad.copy() for p in plain[0].parameters()]
    np.testing.assert_allclose(fused.backward(d), dx, rtol=1e-12, atol=1e-12)
    for before, p in zip(grads, fused.parameters()):
        np.testing.assert_allclose(p.grad, before, rtol=1e-12, atol=1e-12)


def test_the_fused_adam_follows_the_plain_rule_and_saves_as_adam(tmp_path):
    from engine.nn.layers import Parameter
    from engine.nn.optimizers import Adam
    from engine.speed.fused_optimizers import FusedAdam, fused
    from engine.storage.model_file import SavedModel, load_model, save_model
    rng = np.random.default_rng(4)
    a = [Parameter(rng.standard_normal((30, 7))), Parameter(rng.standard_normal(7), decay=False)]
    b = [Parameter(p.value.copy(), p.name, p.decay) for p in a]
    plain, quick = Adam(a, lr=0.01, weight_decay=0.01), fused(Adam(b, lr=0.01, weight_decay=0.01))
    assert isinstance(quick, FusedAdam)
    for _ in range(20):
        for pa, pb in zip(a, b):
            pa.grad[...] = pb.grad[...] = rng.standard_normal(pa.shape)
        plain.step()
        quick.step()
    for pa, pb in zip(a, b):
        np.testing.assert_allclose(pb.value, pa.value, rtol=1e-12, atol=1e-14)
    net = ModelSpec(hidden=(5,)).build(0)
    save_model(tmp_path / "m.npz", SavedModel(net, ModelSpec(hidden=(5,)), optimizer=fused(Adam(net.parameters(), 0.01))))
    assert type(load_model(tmp_path / "m.npz").optimizer) is Adam


@pytest.mark.parametrize("augmentation", [Augmentation(), AUGMENTATIONS["hands"]], ids=["basic", "hands"])
@pytest.mark.parametrize("start,stop", [(0, 3), (2, 9), (5, 6)])
def test_a_block_made_side_by_side_holds_the_plain_batches(split, start, stop, augmentation):
    """Across map blocks and epoch ends, exactly the images Batches.make() gives."""
    from engine.speed.side_by_side import make_steps
    batches = Batches(split, 40, seed=8, augmentation=augmentation, **SMALL_BLOCKS)
    out = np.full((400, 784), np.nan, np.float32)
    labels = make_steps(batches, start, stop, out)
    plain = [batches.make(step) for step in range(start, stop)]
    np.testing.assert_array_equal(labels, np.concatenate([b.t for b in plain]))
    np.testing.assert_allclose(out[:len(labels)], np.concatenate([b.x for b in plain]), rtol=1e-6, atol=1e-6)
    assert np.isnan(out[len(labels):]).all()
