"""Temperature scaling: the fit finds the temperature that made the labels, no answer changes, the
calibration error goes down, and the temperature survives the model file."""
import numpy as np
import pytest

from engine.errors import ModelFileError
from engine.nn.builders import ModelSpec
from engine.nn.calibration import calibrate, expected_calibration_error, fit_temperature, probabilities_at
from engine.nn.losses import softmax
from engine.storage.model_file import SavedModel, load_model, save_model


def labels_drawn_at(scores, temperature, rng):
    """Labels drawn from softmax(scores / temperature): probabilities calibrated at that temperature."""
    p = softmax(scores / temperature)
    return (p.cumsum(axis=1) > rng.random((len(p), 1))).argmax(axis=1)


def test_the_fit_finds_the_temperature_the_labels_were_drawn_at():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 6, (20000, 10))
    for true in (0.5, 1.0, 2.5):
        assert fit_temperature(scores, labels_drawn_at(scores, true, rng)) == pytest.approx(true, rel=0.05)


def test_calibration_lowers_the_error_of_an_overconfident_model_and_changes_no_answer():
    rng = np.random.default_rng(1)
    scores = rng.normal(0, 6, (20000, 10))
    labels = labels_drawn_at(scores, 2.0, rng)       # the scores are twice as sure as they should be
    t = fit_temperature(scores, labels)
    before = expected_calibration_error(probabilities_at(scores, None), labels)
    after = expected_calibration_error(probabilities_at(scores, t), labels)
    assert after < 0.02 < before
    np.testing.assert_array_equal(probabilities_at(scores, t).argmax(axis=1), scores.argmax(axis=1))


def test_a_calibrated_network_applies_its_temperature_and_keeps_it_in_the_file(tmp_path):
    net = ModelSpec(hidden=(16,)).build(0)
    x = np.random.default_rng(2).random((200, 784)).astype(np.float32)
    labels = np.random.default_rng(3).integers(0, 10, 200)
    plain = net.predict_proba(x)
    t = calibrate(net, x, labels)
    np.testing.assert_allclose(net.predict_proba(x), softmax(net.forward(x) / t), rtol=1e-5)
    np.testing.assert_array_equal(net.predict(x), plain.argmax(axis=1))
    save_model(tmp_path / "m.npz", SavedModel(net, ModelSpec(hidden=(16,))))
    assert load_model(tmp_path / "m.npz").network.temperature == pytest.approx(t)


def test_a_model_without_a_temperature_loads_without_one(tmp_path):
    net = ModelSpec(hidden=(8,)).build(0)
    save_model(tmp_path / "m.npz", SavedModel(net, ModelSpec(hidden=(8,))))
    assert load_model(tmp_path / "m.npz").network.temperature is None


@pytest.mark.parametrize("bad", [-1.0, 0.0, "2", True])
def test_a_bad_temperature_in_the_record_is_refused(tmp_path, bad):
    from engine.storage import model_file
    net = ModelSpec(hidden=(8,)).build(0)
    net.temperature = bad
    save_model(tmp_path / "m.npz", SavedModel(net, ModelSpec(hidden=(8,))))
    with pytest.raises(ModelFileError, match="temperature"):
        model_file.load_model(tmp_path / "m.npz")


def test_fitting_needs_examples():
    with pytest.raises(ValueError):
        fit_temperature(np.zeros((0, 10)), np.zeros(0, int))
