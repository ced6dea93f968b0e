import threading
import time

import numpy as np
import pytest

from engine.nn.builders import ModelSpec
from engine.data.datasets import Dataset
from engine.storage.model_file import load_model, save_model
from engine.training.records import TrainConfig
from engine.training.runs import new_trainer, resume_trainer, to_saved_model, train


@pytest.fixture(scope="module")
def small_mnist(mnist):
    """12,000 training and 2,000 test images: enough to learn, quick to go through."""
    return Dataset(mnist.train_images[:12000], mnist.train_labels[:12000],
                   mnist.test_images[:2000], mnist.test_labels[:2000], "MNIST subset")


def test_a_short_real_run_learns(small_mnist):
    """MLP 784-100-10, Adam, 2 epochs (200 steps) on 10,000 images: above 87% on unseen test images
    (89% was measured; a network that does not learn stays near 10%)."""
    steps, epochs, ends = [], [], []
    model, result = train(ModelSpec(hidden=(100,)), TrainConfig(epochs=2, validation=2000, eval_test=True),
                          small_mnist, on_step=lambda s, l: steps.append(l), on_epoch=epochs.append,
                          on_end=ends.append)
    assert result.status == "finished" and ends == [result]
    assert len(steps) == 200 and [e.epoch for e in epochs] == [1, 2]
    assert np.mean(steps[-20:]) < np.mean(steps[:20]) / 3
    assert model.test_accuracy > 0.87
    assert epochs[-1].validation_accuracy > 0.87 and epochs[-1].test_accuracy == model.test_accuracy


def test_the_same_seed_gives_the_same_run(small_mnist):
    config = TrainConfig(epochs=1, validation=1000, train_size=2000, augment=True, seed=7)
    spec = ModelSpec(hidden=(20,), dropout=0.2)
    a, _ = train(spec, config, small_mnist)
    b, _ = train(spec, config, small_mnist)
    c, _ = train(spec, TrainConfig(epochs=1, validation=1000, train_size=2000, augment=True, seed=8), small_mnist)
    assert a.history.losses == b.history.losses
    assert a.history.losses != c.history.losses


def test_resuming_a_saved_run_continues_exactly(small_mnist, tmp_path):
    spec = ModelSpec(hidden=(30,), dropout=0.1, batchnorm=True)
    config = TrainConfig(optimizer="adam", epochs=2, validation=1000, train_size=3000, augment=True, seed=3)
    straight, _ = train(spec, config, small_mnist)

    trainer = new_trainer(spec, config, small_mnist)
    halfway = 45                                        # in the middle of the first epoch
    trainer.run(on_step=lambda step, loss: trainer.stop() if step == halfway else None)
    assert trainer.step == halfway
    save_model(tmp_path / "half.npz", to_saved_model(trainer, spec))
    resumed = resume_trainer(load_model(tmp_path / "half.npz"), small_mnist)
    result = resumed.run()
    assert result.status == "finished" and resumed.step == trainer.total_steps
    for a, b in zip(resumed.network.parameters(), straight.network.parameters()):
        np.testing.assert_array_equal(a.value, b.value)
    assert resumed.history.losses == straight.history.losses


def test_a_diverging_run_stops_with_a_clear_message(small_mnist):
    model, result = train(ModelSpec(hidden=(50,)),
                          TrainConfig(optimizer="momentum", lr=1e15, epochs=1, validation=1000), small_mnist)
    assert result.status == "diverged" and not result.usable
    assert "learning rate" in result.message and "step" in result.message
    assert "try" in result.message


def test_stop_from_another_thread_takes_effect_within_one_batch(small_mnist):
    trainer = new_trainer(ModelSpec(hidden=(50,)), TrainConfig(epochs=50, validation=1000), small_mnist)
    seen = []

    def on_step(step, loss):
        seen.append(step)
        if step == 10:
            threading.Thread(target=trainer.stop).start()
            time.sleep(0.2)                             # the stop lands while this batch finishes

    result = trainer.run(on_step=on_step)
    assert result.status == "stopped"
    assert seen[-1] == 10 and trainer.step == 10


def test_pause_holds_between_batches_and_resume_continues(small_mnist):
    trainer = new_trainer(ModelSpec(hidden=(20,)), TrainConfig(epochs=1, validation=1000, train_size=2000),
                          small_mnist)
    steps = []
    paused_at = []

    def on_step(step, loss):
        steps.append(step)
        if step == 5:
            trainer.pause()
            paused_at.append(step)

    worker = threading.Thread(target=lambda: steps.append(trainer.run(on_step=on_step)))
    worker.start()
    time.sleep(0.5)
    assert trainer.paused and steps[-1] == 5 and trainer.step == 5   # no batch ran while paused
    trainer.resume()
    worker.join(10)
    assert not worker.is_alive()
    assert steps[-1].status == "finished" and trainer.step == 20


def test_stop_while_paused_ends_the_run(small_mnist):
    trainer = new_trainer(ModelSpec(hidden=(20,)), TrainConfig(epochs=1, validation=1000), small_mnist)
    trainer.pause()
    results = []
    worker = threading.Thread(target=lambda: results.append(trainer.run()))
    worker.start()
    time.sleep(0.2)
    trainer.stop()
    worker.join(5)
    assert results[0].status == "stopped" and trainer.step == 0


def test_schedules_change_the_learning_rate(small_mnist):
    cosine = new_trainer(ModelSpec(hidden=(5,)), TrainConfig(epochs=2, validation=1000, schedule="cosine",
                                                             lr=0.01), small_mnist)
    assert cosine.learning_rate(0) == pytest.approx(0.01)
    assert cosine.learning_rate(cosine.total_steps // 2) == pytest.approx(0.005)
    step = new_trainer(ModelSpec(hidden=(5,)), TrainConfig(epochs=4, validation=1000, schedule="step",
                                                           step_epochs=1, step_gamma=0.5, lr=0.01), small_mnist)
    assert step.learning_rate(step.steps_per_epoch * 2) == pytest.approx(0.0025)


@pytest.mark.parametrize("kind", ["warmup_cosine", "onecycle"])
def test_a_warm_up_rises_to_the_full_rate_then_falls_along_a_cosine(kind):
    from engine.nn.schedules import Schedule
    schedule = Schedule(kind, total_steps=100, warmup_steps=20)
    factors = [schedule.factor(step) for step in range(101)]
    assert max(factors) == pytest.approx(1.0) and factors.index(max(factors)) in (19, 20)
    assert all(a <= b for a, b in zip(factors[:20], factors[1:21]))       # rising
    assert all(a >= b for a, b in zip(factors[20:], factors[21:]))        # then falling
    assert factors[60] == pytest.approx(0.5, abs=1e-4)                    # halfway down the cosine
    assert factors[0] < 0.06 and factors[100] < 1e-4


def test_label_smoothing_and_a_validation_subset_reach_the_trainer(small_mnist):
    trainer = new_trainer(ModelSpec(hidden=(5,)), TrainConfig(epochs=1, validation=1000, label_smoothing=0.1,
                                                              validation_eval_size=300), small_mnist)
    assert trainer.network.loss_layer.smoothing == 0.1
    trainer.run()
    held_out = trainer.validation
    report = trainer.history.epochs[-1]
    assert report.validation_accuracy == trainer.accuracy(held_out.x[:300], held_out.t[:300])


def test_small_training_subset_overfits(small_mnist):
    """Book 6.4: 300 images, a large network, no regularisation: train accuracy far above validation."""
    _, result = train(ModelSpec(hidden=(100, 100)), TrainConfig(epochs=30, validation=2000, train_size=300),
                      small_mnist)
    last = result.history.epochs[-1]
    assert last.train_accuracy == 1.0 and last.validation_accuracy < 0.9


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="learning rate"):
        TrainConfig(lr=-1)
    with pytest.raises(ValueError, match="activation"):
        ModelSpec(activation="gelu")
