"""Every layer's backward() against numerical differentiation (book 4.4, 5.7), in float64."""
import numpy as np
import pytest

from engine.nn.builders import ModelSpec
from engine.nn.gradcheck import check_layer, check_network, relative_error
from engine.nn.numerical import numerical_gradient
from engine.nn.layers import Affine, BatchNorm, Conv2D, Dropout, Flatten, MaxPool2D, ReLU, Reshape, Sigmoid, Tanh
from engine.nn.layers.im2col import col2im, im2col

TOLERANCE = 1e-6
F64 = {"dtype": np.float64}


def layer_cases():
    rng = np.random.default_rng(0)
    flat = rng.standard_normal((8, 6))
    images = rng.standard_normal((3, 7, 7, 2))
    return [
        ("affine", Affine(6, 5, rng=rng, **F64), flat),
        ("affine-no-bias", Affine(6, 4, rng=rng, bias=False, **F64), flat),
        ("relu", ReLU(), flat),
        ("sigmoid", Sigmoid(), flat),
        ("tanh", Tanh(), flat),
        ("batchnorm-2d", BatchNorm(6, **F64), flat),
        ("batchnorm-images", BatchNorm(2, **F64), images),
        ("conv-same", Conv2D(2, 3, 3, pad=1, rng=rng, **F64), images),
        ("conv-5x5", Conv2D(2, 4, 5, rng=rng, **F64), images),
        ("conv-stride2", Conv2D(2, 3, 3, stride=2, rng=rng, **F64), images),
        ("maxpool-2", MaxPool2D(2), images),
        ("maxpool-3-stride-2", MaxPool2D(3, 2), images),
        ("maxpool-overlapping", MaxPool2D(3, 1), images),
        ("flatten", Flatten(), images),
        ("reshape", Reshape((7, 7, 2)), images.reshape(3, -1)),
    ]


@pytest.mark.parametrize("name,layer,x", layer_cases(), ids=[c[0] for c in layer_cases()])
def test_layer_gradients_match_numerical(name, layer, x):
    errors = check_layer(layer, x.copy())
    assert errors, "nothing was checked"
    for what, err in errors.items():
        assert err < TOLERANCE, f"{name}: {what} relative error {err:.2e}"


def test_dropout_silences_its_rate_of_units_and_backward_uses_the_same_mask():
    layer = Dropout(0.4)
    layer.rng = np.random.default_rng(3)
    x = np.random.default_rng(4).standard_normal((200, 50))
    out = layer.forward(x, train=True)
    dx = layer.backward(np.ones_like(out))
    kept = out != 0
    # 10,000 units, each dropped with probability 0.4: the share dropped is 0.4 within 5 standard deviations.
    assert abs((1 - kept.mean()) - 0.4) < 5 * np.sqrt(0.4 * 0.6 / kept.size)
    np.testing.assert_allclose(out[kept], x[kept] / 0.6)
    np.testing.assert_allclose(dx[kept], 1 / 0.6)
    assert np.all(dx[~kept] == 0)
    np.testing.assert_array_equal(layer.forward(x, train=False), x)  # inverted dropout: identity at inference


@pytest.mark.parametrize("spec", [
    ModelSpec(arch="mlp", hidden=(12, 9), activation="tanh", init="xavier", dtype="float64"),
    ModelSpec(arch="mlp", hidden=(10,), activation="sigmoid", batchnorm=True, dropout=0.3, dtype="float64"),
    ModelSpec(arch="cnn", channels=(3, 4), hidden=(10,), dtype="float64"),
    ModelSpec(arch="cnn", channels=(2, 3), hidden=(8,), batchnorm=True, dropout=0.2, dtype="float64"),
], ids=["mlp-tanh", "mlp-bn-dropout", "cnn", "cnn-bn-dropout"])
def test_whole_network_gradients_match_numerical(spec):
    rng = np.random.default_rng(5)
    net = spec.build(seed=1)
    x, t = rng.random((6, 784)), rng.integers(0, 10, 6)
    for name, err in check_network(net, x, t, max_entries=25):
        assert err < TOLERANCE, f"{name}: relative error {err:.2e}"


def test_numerical_gradient_of_a_known_function():
    # book 4.4: f(x0, x1) = x0^2 + x1^2 has gradient (2 x0, 2 x1)
    x = np.array([3.0, 4.0])
    grad = numerical_gradient(lambda x: float(np.sum(x ** 2)), x)
    np.testing.assert_allclose(grad, [6.0, 8.0], rtol=1e-8)
    assert relative_error(grad, [6.0, 8.0]) < 1e-9


def test_inference_does_not_write_to_layers():
    """Inference from the GUI's threads must not race with anything: forward(train=False) caches nothing."""
    net = ModelSpec(arch="cnn", channels=(2, 3), hidden=(8,), batchnorm=True, dropout=0.5).build(0)
    before = {id(layer): dict(vars(layer)) for layer in net.layers}
    net.predict_proba(np.random.default_rng(0).random((3, 784)))
    for layer in net.layers:
        for key, value in vars(layer).items():
            assert before[id(layer)][key] is value, f"{type(layer).__name__}.{key} changed during inference"


def test_float32_stays_float32():
    net = ModelSpec(arch="cnn", channels=(2, 3), hidden=(8,), batchnorm=True).build(0)
    x = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    net.gradient(x, np.arange(4))
    for layer_out in net.activations(x):
        assert layer_out.dtype == np.float32
    assert all(p.grad.dtype == np.float32 and p.value.dtype == np.float32 for p in net.parameters())


def test_the_first_layer_with_weights_returns_no_input_gradient():
    net = ModelSpec(arch="cnn", channels=(2, 3), hidden=(5,)).build(0)
    x = np.random.default_rng(0).random((2, 784)).astype(np.float32)
    net.loss(x, np.array([1, 2]), train=True)
    dout = net.loss_layer.backward()
    grads = []
    for layer in reversed(net.layers):
        dout = layer.backward(dout) if dout is not None else None
        grads.append((type(layer).__name__, dout is None))
    # Backward from the loss: every layer passes a gradient on, until the first convolution gives none.
    assert grads[-2:] == [("Conv2D", True), ("Reshape", True)] and not any(none for _, none in grads[:-2])


def plain_im2col(x, k, stride, pad):
    """Row by row, as the book writes it."""
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n, h, w, c = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    rows = [x[i, y * stride:y * stride + k, z * stride:z * stride + k].reshape(-1)
            for i in range(n) for y in range(oh) for z in range(ow)]
    return np.array(rows)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 2), (2, 1)])
def test_im2col_matches_the_book_loop_and_col2im_adds_back_what_it_copied(channels, stride, pad):
    x = np.random.default_rng(0).standard_normal((2, 7, 6, channels))
    col = im2col(x, 3, 3, stride, pad)
    np.testing.assert_array_equal(col, plain_im2col(x, 3, stride, pad))
    # col2im is im2col's transpose: <im2col(x), c> == <x, col2im(c)> for any c.
    c = np.random.default_rng(1).standard_normal(col.shape)
    assert np.sum(col * c) == pytest.approx(np.sum(x * col2im(c, x.shape, 3, 3, stride, pad)), rel=1e-12)


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 3), (3, 2)])
def test_max_pool_sends_the_gradient_of_a_tie_to_the_first_maximum_only(size, stride):
    x = np.zeros((1, 6, 6, 2), np.float32)          # every window is one big tie
    pool = MaxPool2D(size, stride)
    out = pool.forward(x, train=True)
    dx = pool.backward(np.ones_like(out))
    assert dx.sum() == out.size                      # no gradient counted twice
    first = np.zeros_like(dx)
    for y in range(out.shape[1]):
        for z in range(out.shape[2]):
            first[0, y * stride, z * stride] += 1    # the top-left corner of each window
    np.testing.assert_array_equal(dx, first)


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2)])
def test_an_inference_pass_between_forward_and_backward_changes_nothing(size, stride, rng):
    """The app may read a digit with the network in between: backward still uses the training pass."""
    pool = MaxPool2D(size, stride)
    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    out = pool.forward(x, train=True)
    d = rng.standard_normal(out.shape).astype(np.float32)
    expected = pool.backward(d)
    pool.forward(x, train=True)
    pool.forward(rng.standard_normal((5, 8, 8, 3)).astype(np.float32), train=False)
    np.testing.assert_array_equal(pool.backward(d), expected)
