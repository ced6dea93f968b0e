"""The step helper: a second process taking half of large products and optimizer steps."""
import multiprocessing
import os
import signal
import threading
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from engine import batch_process, parallel, step_helper
from engine.augment import Augmentation
from engine.batches import Batches
from engine.builders import ModelSpec
from engine.datasets import Split
from engine.layers import Parameter
from engine.optimizers import OPTIMIZERS
from engine.step_helper import SLEEPING, StepHelper, StepHelperError
from engine.trainer import TrainConfig, Trainer
from tests.orphans import children_outlive_a_killed_parent

pytestmark = pytest.mark.skipif(not step_helper.supported(),
                                reason="the step helper runs on x86-64 Linux with a RAM folder")


def ready(helper: StepHelper) -> StepHelper:
    deadline = time.monotonic() + 60
    while not helper.ready():
        assert time.monotonic() < deadline, "the helper did not start"
        time.sleep(0.01)
    return helper


@pytest.fixture
def trainer_helpers(monkeypatch):
    """Two engine threads, and a helper for runs of any length that is ready before the first step
    (a short run would otherwise end before it starts): the helpers made, in order."""
    before = parallel.threads()
    parallel.set_threads(2)
    monkeypatch.setattr(step_helper, "MIN_STEPS", 10)
    made = []
    real_init = StepHelper.__init__

    def started(self, rule, batches=None):
        real_init(self, rule, batches)
        made.append(ready(self))
    monkeypatch.setattr(StepHelper, "__init__", started)
    yield made
    parallel.set_threads(before)


@pytest.fixture
def helper():
    rng = np.random.default_rng(0)
    params = [Parameter(rng.standard_normal((784, 256)).astype(np.float32)),
              Parameter(np.zeros(256, np.float32), "b", decay=False)]
    made = ready(StepHelper(OPTIMIZERS["adam"](params, lr=0.01)))
    yield made
    made.close()


def test_products_shared_with_the_helper_equal_numpys(helper):
    rng = np.random.default_rng(1)
    w = helper._rule.params[0]
    x = rng.standard_normal((100, 784), dtype=np.float32)
    d = rng.standard_normal((100, 256), dtype=np.float32)
    assert helper.multiplies(x, w.value) and helper.multiplies(x.T, d)
    np.testing.assert_allclose(helper.matmul(x, w.value), x @ w.value, rtol=1e-5, atol=1e-4)   # by columns
    out = np.full((100, 256), np.nan, np.float32)
    assert helper.matmul(x, w.value, out) is out
    np.testing.assert_allclose(out, x @ w.value, rtol=1e-5, atol=1e-4)
    helper.matmul(x.T, d, out=w.grad)                # by rows, a transposed operand, into the shared buffer
    np.testing.assert_allclose(w.grad, x.T @ d, rtol=1e-5, atol=1e-4)
    big = rng.standard_normal((600, 784), dtype=np.float32)
    np.testing.assert_allclose(helper.matmul(big, w.value[:, ::2]), big @ w.value[:, ::2], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_step_shared_with_the_helper_is_the_step_made_alone(name):
    rng = np.random.default_rng(2)
    values = [rng.standard_normal((300, 200)).astype(np.float32), rng.standard_normal(200).astype(np.float32)]
    alone = OPTIMIZERS[name]([Parameter(v.copy()) for v in values], lr=0.01, weight_decay=0.1)
    shared = OPTIMIZERS[name]([Parameter(v.copy()) for v in values], lr=0.01, weight_decay=0.1)
    with step_helper.beside(shared) as made:
        ready(made)
        for _ in range(5):
            grads = [rng.standard_normal(v.shape).astype(np.float32) for v in values]
            for rule in (alone, shared):
                for p, g in zip(rule.params, grads):
                    p.grad[...] = g
                rule.lr *= 0.9
                rule.step()
        assert made._seq == 5                         # every step was shared
        assert parallel._processes_beside == 1        # and BLAS kept to one thread beside it
    for a, b in zip(alone.params, shared.params):
        np.testing.assert_array_equal(a.value, b.value)


@pytest.fixture
def small_split(mnist) -> Split:
    return Split(mnist.train_images[:3000].astype(np.float32) / 255, mnist.train_labels[:3000])


def trained_with_and_without_a_helper(split: Split, monkeypatch, augment: bool = False) -> None:
    """Train the same MLP for two epochs with a helper (step_helper's MIN_PARAMETERS lowered) and
    without (raised); the two end alike."""
    config = TrainConfig(optimizer="adam", batch_size=100, epochs=2, validation=0, train_eval_size=0, seed=3,
                         augment=augment)
    runs = []
    for helped in (True, False):
        monkeypatch.setattr(step_helper, "MIN_PARAMETERS", 50_000 if helped else 10**9)
        trainer = Trainer(ModelSpec(arch="mlp", hidden=(256,)).build(3), split, config)
        assert trainer.run().status == "finished"
        runs.append(trainer.network)
        assert multiprocessing.active_children() == []
    for a, b in zip(runs[0].parameters(), runs[1].parameters()):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-3, atol=1e-5)


def test_training_with_the_helper_matches_training_without(small_split, monkeypatch, trainer_helpers):
    shared_steps = []
    real_update = StepHelper.update

    def counted(self, grad):
        shared_steps.append(self._rule.t)
        real_update(self, grad)
    monkeypatch.setattr(StepHelper, "update", counted)
    trained_with_and_without_a_helper(small_split, monkeypatch)
    assert len(trainer_helpers) == 1
    assert shared_steps == list(range(1, 61))         # the helper took every step


@pytest.fixture
def augmented(small_split) -> Batches:
    return Batches(small_split, 100, seed=1, augmentation=Augmentation(), random_steps=True)


def same_batches(got, expected) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.t, b.t)
        assert a.rng.random() == b.rng.random()       # dropout goes on from where augmenting left it


def test_the_helper_makes_the_batches_that_this_process_would(augmented):
    """Blocks asked for before the helper is ready are made here; after, by the helper. Either way
    they are the batches made in line."""
    rule = OPTIMIZERS["adam"]([Parameter(np.zeros(100_000, np.float32))], lr=0.01)
    with closing(StepHelper(rule, augmented)) as made:
        made.request(0, 10)                           # before it is ready
        ready(made)
        made.request(10, 20)
        with pytest.raises(RuntimeError, match="every slot is taken"):
            made.request(20, 30)                      # two asked for and not received: its capacity
        same_batches(made.receive(), augmented.make_many(0, 10))
        made.request(20, 30)
        same_batches(made.receive(), augmented.make_many(10, 20))
        made.request(30, 35)
        same_batches(made.receive(), augmented.make_many(20, 30))
        same_batches(made.receive(), augmented.make_many(30, 35))
        assert made._sent == 3                        # all but the first by the helper


def test_training_with_augmentation_has_the_helper_make_the_batches(small_split, monkeypatch, trainer_helpers):
    """With augmentation, the helper makes the batches (batch processes do without it)."""
    processes = []
    real_init = batch_process.BatchProcesses.__init__

    def counted(self, *args):
        processes.append(self)
        real_init(self, *args)
    monkeypatch.setattr(batch_process.BatchProcesses, "__init__", counted)
    trained_with_and_without_a_helper(small_split, monkeypatch, augment=True)
    assert len(processes) == 1                        # for the run without the helper
    assert len(trainer_helpers) == 1 and trainer_helpers[0]._sent == 6     # every block of 10 steps


def test_the_batches_the_helper_made_are_multiplied_where_they_lie(small_split):
    """A step's images lie in the files the helper made them into: its products read them there,
    through views of any strides, without copying them into the work space."""
    rng = np.random.default_rng(2)
    w = Parameter(rng.standard_normal((784, 256)).astype(np.float32))
    d = rng.standard_normal((100, 256), dtype=np.float32)
    with closing(ready(StepHelper(OPTIMIZERS["adam"]([w], lr=0.01), Batches(small_split, 100, seed=1)))) as made:
        made.request(0, 10)
        x = made.receive()[3].x
        made._areas["a"][:] = np.nan
        assert made._locate(x)[0] == made._locate(x.T[392:])[0] == 1          # the region of the files
        np.testing.assert_allclose(made.matmul(x, w.value), x @ w.value, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(made.matmul(x.T, d), x.T @ d, rtol=1e-5, atol=1e-4)
        assert np.isnan(made._areas["a"]).all()


def test_a_helper_that_dies_while_making_batches_is_reported(augmented):
    rule = OPTIMIZERS["adam"]([Parameter(np.zeros(100_000, np.float32))], lr=0.01)
    with closing(ready(StepHelper(rule, augmented))) as made:
        os.kill(made._process.pid, signal.SIGKILL)
        made._process.join()
        made.request(0, 10)
        with pytest.raises(StepHelperError, match="ended unexpectedly"):
            made.receive()


def test_only_the_thread_that_made_the_helper_shares_work(helper):
    x = np.ones((100, 784), np.float32)
    answers = []
    other = threading.Thread(target=lambda: answers.append(
        (helper.multiplies(x, helper._rule.params[0].value), helper.updates(helper._rule))))
    other.start()
    other.join()
    assert answers == [(False, False)]
    assert helper.updates(helper._rule)


def test_the_helper_sleeps_when_idle_and_wakes_for_work(helper):
    deadline = time.monotonic() + 10
    while not helper._control[SLEEPING]:
        assert time.monotonic() < deadline, "the helper kept spinning"
        time.sleep(0.01)
    x = np.ones((100, 784), np.float32)
    np.testing.assert_allclose(helper.matmul(x, helper._rule.params[0].value), x @ helper._rule.params[0].value,
                               rtol=1e-5, atol=1e-4)


def test_its_shared_file_is_deleted_once_it_has_it_open(helper):
    assert not helper._folder.exists()


def test_a_helper_that_dies_is_reported(helper):
    os.kill(helper._process.pid, signal.SIGKILL)
    helper._process.join()
    helper._rule.t = 1
    with pytest.raises(StepHelperError, match="ended unexpectedly"):
        helper.update(helper._rule.buffers()["grads"])
    assert not helper.ready()                         # and not used again


PARENT = """
import sys, time
import numpy as np
from engine.layers import Parameter
from engine.optimizers import Adam
from engine.step_helper import StepHelper
if __name__ == "__main__":
    helper = StepHelper(Adam([Parameter(np.zeros(100_000, np.float32))], lr=0.01))
    while not helper.ready():
        time.sleep(0.01)
    print(helper._process.pid, flush=True)
    time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for the process in /proc")
def test_the_helper_ends_when_its_parent_is_killed(tmp_path):
    assert children_outlive_a_killed_parent(PARENT, tmp_path) == []


class FailsInTheHelper(OPTIMIZERS["adam"]):
    def update(self, w, g, state, tmp):
        if multiprocessing.parent_process() is not None:
            raise ArithmeticError("no update here")
        super().update(w, g, state, tmp)


def test_an_error_in_the_helper_reaches_the_training_thread():
    rule = FailsInTheHelper([Parameter(np.zeros(100_000, np.float32))], lr=0.01)
    with step_helper.beside(rule) as made:
        ready(made)
        with pytest.raises(StepHelperError, match="ArithmeticError: no update here"):
            rule.step()
        assert not made.ready()
        rule.step()                                   # this thread does the whole step from now on


def test_the_parameters_leave_the_shared_memory_when_the_helper_ends():
    rule = OPTIMIZERS["adam"]([Parameter(np.ones((400, 250), np.float32))], lr=0.01)
    made = ready(StepHelper(rule))
    assert made._locate(rule.params[0].value) is not None
    made.close()
    assert made._locate(rule.params[0].value) is None
    np.testing.assert_array_equal(rule.params[0].value, 1)
    rule.params[0].grad[...] = 1
    rule.t = 0
    rule.step()                                       # and steps go on in this process
    assert np.all(rule.params[0].value < 1)


def test_ctrl_c_is_left_to_the_parent(helper):
    """Ctrl-C in a terminal goes to every process of the group: the helper carries on (the parent
    decides, and ends it), instead of printing a traceback and leaving the step half done."""
    os.kill(helper._process.pid, signal.SIGINT)
    time.sleep(0.2)
    assert helper._process.is_alive()
    helper._rule.t = 1
    helper.update(helper._rule.buffers()["grads"])


@pytest.mark.parametrize("augment", [False, True])
def test_a_run_on_a_worker_thread_pauses_resumes_and_stops_with_its_helper(mnist, trainer_helpers, augment):
    """The GUI's way of training: Trainer.run on a thread of its own, paused, resumed and stopped
    from another (the helper making the batches, augmented or not)."""
    split = Split(mnist.train_images[:2000].astype(np.float32) / 255, mnist.train_labels[:2000])
    config = TrainConfig(optimizer="adam", batch_size=50, epochs=50, validation=0, train_eval_size=0, seed=4,
                         augment=augment)
    trainer = Trainer(ModelSpec(arch="mlp", hidden=(256,)).build(4), split, config)
    results = []
    worker = threading.Thread(target=lambda: results.append(trainer.run()))
    worker.start()
    while trainer.step < 20:
        time.sleep(0.01)
    trainer.pause()
    time.sleep(0.2)
    paused_at = trainer.step
    helpers = trainer_helpers
    assert helpers[0]._control[SLEEPING]               # a paused run leaves the core idle
    trainer.resume()
    while trainer.step < paused_at + 20:
        time.sleep(0.01)
    trainer.stop()
    worker.join(timeout=30)
    assert results[0].status == "stopped"
    assert multiprocessing.active_children() == []
    assert helpers[0]._seq > 40                         # it shared the steps before and after the pause
    assert helpers[0]._sent > 4                         # and made the batches
    assert all(helpers[0]._locate(np.atleast_2d(p.value)) is None for p in trainer.network.parameters())


def test_a_helper_that_dies_before_it_is_ready_is_given_up_at_once(caplog):
    rule = OPTIMIZERS["adam"]([Parameter(np.zeros(100_000, np.float32))], lr=0.01)
    made = StepHelper(rule)
    try:
        os.kill(made._process.pid, signal.SIGKILL)    # long before it has imported NumPy
        made._process.join()
        with caplog.at_level("WARNING", logger="engine.step_helper"):
            assert not made.ready()
        assert "ended unexpectedly" in caplog.text
    finally:
        made.close()
