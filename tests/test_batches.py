import logging
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine import parallel
from engine.augment import Augmentation, apply
from engine.batch_process import BatchProcessError, BatchProcesses
from engine.batches import AUGMENT, IMAGES_PER_MAP, Batch, Batches
from engine.datasets import Split
from engine.shared_files import PREFIX, remove_abandoned_folders
from tests.orphans import children_outlive_a_killed_parent


@pytest.fixture
def split(mnist):
    """250 images: with batches of 40, an epoch has 7 steps and its last batch holds 10."""
    return Split(mnist.train_images[:250].astype(np.float32) / 255, mnist.train_labels[:250])


def batches_in_line(batches, start, stop):
    return [batches.make(step) for step in range(start, stop)]


def shared_folders():
    """The folders of the files shared with a batch process, where the system keeps them in RAM."""
    shm = Path("/dev/shm")
    return set(shm.glob(f"{PREFIX}*")) if shm.is_dir() else set()


def taken(made, steps_per_block, start=0):
    """The batches of an ahead() iterator from step `start`, copied as they come. Those made in child
    processes lie in a shared slot and need only hold until the next block (blocks are counted from
    step 0): each block's are checked to be unchanged when its last one is taken."""
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
        # The generator handed on to dropout is in the same state.
        assert (a.rng is None) == (b.rng is None)
        if a.rng is not None:
            assert a.rng.random() == b.rng.random()


@pytest.mark.parametrize("process", [False, True], ids=["thread", "process"])
@pytest.mark.parametrize("augmentation", [None, Augmentation()], ids=["plain", "augmented"])
@pytest.mark.parametrize("dropout", [False, True], ids=["", "dropout"])
def test_batches_made_ahead_in_blocks_equal_batches_made_in_line(split, augmentation, dropout, process):
    # Blocks of 3 steps, across epoch ends.
    batches = Batches(split, 40, seed=5, augmentation=augmentation, random_steps=dropout, block_images=120)
    assert batches.steps_per_epoch == 7
    for start in (0, 5):                                      # a fresh run and one resumed mid-epoch and mid-block
        in_line = batches_in_line(Batches(split, 40, 5, augmentation, dropout, block_images=120), start, 17)
        assert_same(taken(batches.ahead(start, 17, process=process), batches.block_steps(), start), in_line)


def test_an_epoch_goes_through_every_image_once_in_a_new_order(split):
    batches = Batches(split, 40, seed=0)
    first = np.concatenate([batches.make(step).t for step in range(7)])
    second = np.concatenate([batches.make(step).t for step in range(7, 14)])
    assert len(first) == 250 and sorted(first) == sorted(split.t) == sorted(second)
    assert not np.array_equal(first, second)


def test_an_augmented_batch_takes_its_maps_from_its_block_by_place(split):
    """Blocks of 25 steps of 40 images here, 20 maps to a block: image i of a block takes map
    i % 20, so each batch has 20 maps, two images to each, and a step's images do not depend on
    the steps it is made with."""
    batches = Batches(split, 40, seed=3, augmentation=Augmentation())
    assert batches.block_steps() == 25 and 25 * 40 // IMAGES_PER_MAP == 20
    plain = Batches(split, 40, seed=3).make(9)
    maps = Augmentation().draw(np.random.default_rng([3, AUGMENT, 0]), 20)
    expected = apply(plain.x, maps, Augmentation().border(), which=(9 * 40 + np.arange(40)) % 20)
    np.testing.assert_array_equal(batches.make(9).x, expected)
    np.testing.assert_array_equal(batches.make_many(8, 11)[1].x, expected)
    assert not np.array_equal(expected, plain.x)
    across = batches.make_many(23, 27)                  # the end of block 0 and the start of block 1
    for step, batch in zip(range(23, 27), across):
        np.testing.assert_array_equal(batch.x, batches.make(step).x)


def test_making_an_augmented_block_gathers_at_most_a_chunk_of_images_between_pauses(split):
    # The step helper answers its requests only in making_block()'s pauses: gathering a whole block
    # of 1,000 images between two of them (0.27 ms) held requests up and cost MLP 784-256-256-10's
    # epochs about 4% (engine/step_helper.py). At most one map's images are gathered at a time.
    gathered: list[int] = []

    class Watched(np.ndarray):
        def __getitem__(self, index):
            if isinstance(index, np.ndarray):
                gathered.append(len(index))
            return np.asarray(super().__getitem__(index))

    batches = Batches(Split(split.x.view(Watched), split.t), 40, seed=1, augmentation=Augmentation())
    per_pause = []
    for _ in batches.making_block(0, 5):
        per_pause.append(sum(gathered))
        gathered.clear()
    per_pause.append(sum(gathered))
    assert sum(per_pause) == 200
    assert max(per_pause) <= IMAGES_PER_MAP


def test_making_a_plain_block_gathers_a_batch_between_pauses(split):
    # As with augmenting: the step helper answers requests only in the pauses.
    out = np.full((200, 784), np.nan, np.float32)
    filled = [int((~np.isnan(out[:, 0])).sum()) for _ in Batches(split, 40, seed=1).making_block(0, 5, out=out)]
    assert filled == [40, 80, 120, 160, 200]


def test_steps_draw_no_generator_unless_they_need_one(split):
    assert Batches(split, 40, seed=0).make(0).rng is None
    assert Batches(split, 40, seed=0, random_steps=True).make(0).rng is not None


def test_augmented_batches_are_made_in_child_processes_that_end_with_the_iterator(split):
    batches = Batches(split, 40, seed=0, augmentation=Augmentation())
    before = shared_folders()
    made = batches.ahead(0, 70)
    try:
        next(made)
        children = multiprocessing.active_children()
        assert sorted(child.name for child in children) == \
            [f"scratchnet-batches-{i + 1}" for i in range(parallel.usable_cores())]
        # Their files are gone already (they have them open), and BLAS's threads keep off their cores.
        assert shared_folders() <= before
        assert parallel._processes_beside == 1
    finally:
        made.close()
    assert not any(child.is_alive() for child in children) and multiprocessing.active_children() == []
    assert parallel._processes_beside == 0


def test_an_error_in_the_child_process_reaches_the_consumer(split):
    batches = Batches(split, 40, seed=0, augmentation=Augmentation(max_rotation="twelve"))
    with pytest.raises(BatchProcessError, match="TypeError"):
        next(batches.ahead(0, 5))
    assert multiprocessing.active_children() == []


def test_batches_are_made_on_a_thread_if_the_child_process_cannot_start(split, monkeypatch, caplog):
    def cannot_start(self, batches, count):
        raise BatchProcessError("the process making the batches did not start within 60 s")
    monkeypatch.setattr("engine.batch_process.BatchProcesses.__init__", cannot_start)
    batches = Batches(split, 40, seed=2, augmentation=Augmentation())
    with caplog.at_level(logging.WARNING, logger="engine.batches"):
        got = list(batches.ahead(0, 9))
    assert "on a thread instead" in caplog.text and "did not start" in caplog.text
    assert_same(got, batches_in_line(batches, 0, 9))


def test_products_stay_on_one_blas_thread_beside_a_process(monkeypatch):
    calls = []
    monkeypatch.setattr(parallel, "_set_blas_threads", calls.append)
    monkeypatch.setattr(parallel, "threads", lambda: 2)
    a = np.ones((200, 300), np.float32)
    b = np.ones((300, 200), np.float32)                         # 12M multiply-adds: threaded otherwise
    with parallel.beside_a_process():
        np.testing.assert_array_equal(parallel.matmul(a, b), a @ b)
    assert calls == []
    parallel.matmul(a, b)
    assert calls == [2, 1]


def test_an_error_while_making_a_batch_reaches_the_consumer(split, monkeypatch):
    batches = Batches(split, 40, seed=0)

    def broken(start, stop):
        raise OSError("the training set could not be read")
    monkeypatch.setattr(batches, "make_many", broken)
    with pytest.raises(OSError, match="could not be read"):
        next(batches.ahead(0, 5))


def test_closing_the_iterator_early_ends_its_thread(split):
    batches = Batches(split, 40, seed=0)
    made = batches.ahead(0, 70)
    next(made)
    assert any(t.name.startswith("batches") for t in threading.enumerate())
    made.close()
    assert not any(t.name.startswith("batches") for t in threading.enumerate())


PARENT = """
import multiprocessing, sys, time
import numpy as np
from engine.augment import Augmentation
from engine.batches import Batches
from engine.datasets import Split
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    batches = Batches(Split(rng.random((500, 784), dtype=np.float32), rng.integers(0, 10, 500)), 50, 0, Augmentation())
    made = batches.ahead(0, 100)
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
    running = tmp_path / f"{PREFIX}helper-{os.getppid()}-c3d4"
    other = tmp_path / "scratchnet-something-else"
    for folder in (abandoned, mine, running, other):
        folder.mkdir()
        (folder / "images").write_bytes(b"\0" * 64)
    remove_abandoned_folders(str(tmp_path))
    assert not abandoned.exists()
    assert mine.exists() and running.exists() and other.exists()


def test_a_new_run_names_its_folder_after_its_process(split, monkeypatch, tmp_path):
    monkeypatch.setattr("engine.shared_files.memory_folder", lambda: str(tmp_path))
    seen = []
    real_remove = BatchProcesses._remove_files

    def remember(self):
        seen.append(self._folder.name)
        real_remove(self)
    monkeypatch.setattr(BatchProcesses, "_remove_files", remember)
    batches = Batches(split, 40, seed=0, augmentation=Augmentation())
    assert_same(taken(batches.ahead(0, 3, process=True), batches.block_steps()), batches_in_line(batches, 0, 3))
    assert seen and seen[0].startswith(f"{PREFIX}batches-{os.getpid()}-")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "posix_fallocate"), reason="reserves the slots' storage with posix_fallocate")
def test_a_ram_folder_without_room_for_the_blocks_means_a_thread_from_the_start(split, monkeypatch, caplog):
    """Writing a block into a page that a full RAM folder cannot give would kill a child mid-run;
    the slots' storage is taken before any child starts, so the run goes on a thread instead."""
    def full(fd, offset, length):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "posix_fallocate", full)
    batches = Batches(split, 40, seed=3, augmentation=Augmentation())
    with caplog.at_level(logging.WARNING, logger="engine.batches"):
        got = list(batches.ahead(0, 9))
    assert "on a thread instead" in caplog.text and "No space left" in caplog.text
    assert_same(got, batches_in_line(batches, 0, 9))
    assert multiprocessing.active_children() == []
