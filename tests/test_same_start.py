"""What two runs with one seed share at the start (engine/training/same_start.py), checked against
what the trainer really gives them."""
from dataclasses import replace

import numpy as np
import pytest

from engine.data.datasets import Split
from engine.nn.builders import ModelSpec
from engine.training.records import TrainConfig
from engine.training.same_start import Difference, batches, compare, differences, initial_weights
from engine.training.trainer import Trainer

MLP = ModelSpec(arch="mlp", hidden=(32,))
CNN = ModelSpec(arch="cnn", hidden=(16,), channels=(4, 6))
CONFIG = TrainConfig(optimizer="adam", epochs=1, seed=3)


def first_batches(spec, config, steps=3):
    """The images (as row sums, enough to tell them apart) of the first steps of a real trainer."""
    rng = np.random.default_rng(0)
    split = Split(rng.uniform(0, 1, (400, 784)).astype(np.float32), rng.integers(0, 10, 400))
    trainer = Trainer(spec.build(config.seed), split, config)
    return [trainer.batches.make(step).x.sum(axis=1) for step in range(steps)]


def test_another_optimizer_changes_nothing_at_the_start():
    other = replace(CONFIG, optimizer="sgd", lr=0.1)
    result = compare((MLP, CONFIG), (MLP, other))
    assert result.differences == [Difference("optimizer", "adam", "sgd"), Difference("lr", 0.001, 0.1)]
    assert (result.weights, result.batches) == ("same", "same")
    for u, v in zip(first_batches(MLP, CONFIG), first_batches(MLP, other)):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("spec", [MLP, CNN], ids=["mlp", "cnn"])
def test_batchnorm_changes_the_architecture_but_not_the_weights_drawn(spec):
    with_bn = replace(spec, batchnorm=True)
    assert initial_weights(spec, with_bn, 3) == "same"
    plain, normalised = spec.build(3), with_bn.build(3)
    assert len(normalised.layers) > len(plain.layers)
    assert len(normalised.parameters()) != len(plain.parameters())
    assert [str(d) for d in differences((spec, CONFIG), (with_bn, CONFIG))] == ["BatchNorm off → on"]


def test_he_and_xavier_draw_the_same_numbers_at_other_scales():
    xavier = replace(MLP, init="xavier")
    assert initial_weights(MLP, xavier, 3) == "rescaled"
    he_w, xavier_w = MLP.build(3).layers[0].W.value, xavier.build(3).layers[0].W.value
    np.testing.assert_allclose(xavier_w, he_w / np.sqrt(2), rtol=1e-6)
    assert initial_weights(MLP, replace(MLP, init="std", init_std=0.05), 3) == "rescaled"


def test_other_layer_sizes_or_another_seed_start_elsewhere():
    assert initial_weights(MLP, replace(MLP, hidden=(64,)), 3) == "different"
    assert initial_weights(MLP, CNN, 3) == "different"
    result = compare((MLP, CONFIG), (MLP, replace(CONFIG, seed=4)))
    assert (result.weights, result.batches) == ("different", "different")


def test_batch_size_regroups_the_same_order():
    bigger = replace(CONFIG, batch_size=200)
    assert batches(CONFIG, bigger) == "regrouped"
    small, large = first_batches(MLP, CONFIG, 2), first_batches(MLP, bigger, 1)
    np.testing.assert_array_equal(np.concatenate(small), large[0])
    assert batches(CONFIG, replace(CONFIG, validation=1000)) == "different"
    assert batches(CONFIG, replace(CONFIG, train_size=300)) == "different"


def test_settings_that_cannot_matter_are_not_differences():
    assert differences((MLP, CONFIG), (replace(MLP, channels=(8, 8), kernel=3), CONFIG)) == []
    assert differences((MLP, CONFIG), (MLP, replace(CONFIG, step_gamma=0.1))) == []
    assert differences((MLP, CONFIG), (MLP, replace(CONFIG, lr=0.001))) == []   # Adam's own rate, given
    assert [d.setting for d in differences((CNN, CONFIG), (replace(CNN, kernel=3), CONFIG))] == ["kernel"]


def test_the_summary_says_what_is_compared():
    summary = compare((MLP, CONFIG), (replace(MLP, batchnorm=True), CONFIG)).summary()
    assert summary == "BatchNorm off → on. Same initial weights, same batches."
    assert compare((MLP, CONFIG), (MLP, CONFIG)).summary() == "No setting. Same initial weights, same batches."
    augmented = compare((MLP, CONFIG), (MLP, replace(CONFIG, augment=True))).summary()
    assert augmented.endswith("same batches, one run augmented.")
    assert "scaled differently" in compare((MLP, CONFIG), (replace(MLP, init="xavier"), CONFIG)).summary()
