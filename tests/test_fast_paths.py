"""The engine's faster code paths give what the plain formulas give."""
import numpy as np
import pytest

from engine.gradcheck import check_layer
from engine.layers import Conv2D, MaxPool2D
from engine.layers.im2col import im2col, pad_images


def plain_im2col(x, k, stride, pad):
    """Row by row, as the book writes it."""
    x = pad_images(x, pad)
    n, h, w, c = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    rows = [x[i, y * stride:y * stride + k, z * stride:z * stride + k].reshape(-1)
            for i in range(n) for y in range(oh) for z in range(ow)]
    return np.array(rows)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 2), (2, 1)])
def test_im2col_matches_the_plain_version(channels, stride, pad):
    x = np.random.default_rng(0).standard_normal((2, 7, 6, channels)).astype(np.float32)
    np.testing.assert_array_equal(im2col(x, 3, 3, stride, pad), plain_im2col(x, 3, stride, pad))
    buffer = np.full(plain_im2col(x, 3, stride, pad).size, np.nan, np.float32)
    np.testing.assert_array_equal(im2col(x, 3, 3, stride, pad, out=buffer), plain_im2col(x, 3, stride, pad))


def test_conv_training_reuses_its_column_buffer_without_mixing_up_batches():
    rng = np.random.default_rng(1)
    conv = Conv2D(1, 4, 5, pad=2, rng=rng)
    a, b = rng.random((3, 8, 8, 1), np.float32), rng.random((3, 8, 8, 1), np.float32)
    expected = conv.forward(b, train=False)
    conv.forward(a, train=True)
    np.testing.assert_allclose(conv.forward(b, train=True), expected, rtol=1e-6)
    dout = rng.standard_normal(expected.shape).astype(np.float32)
    conv.backward(dout)
    np.testing.assert_allclose(conv.W.grad.reshape(-1, 4), plain_im2col(b, 5, 1, 2).T @ dout.reshape(-1, 4),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(conv.b.grad, dout.reshape(-1, 4).sum(axis=0), rtol=1e-4)


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


@pytest.fixture
def split_everything(monkeypatch):
    """Two threads, and every job split between them however small."""
    from engine import parallel
    before = parallel.threads()
    parallel.set_threads(2)
    monkeypatch.setattr(parallel, "MIN_WORK_PER_THREAD", 1)
    yield
    parallel.set_threads(before)


@pytest.mark.parametrize("name", ["conv-same", "conv-5x5", "conv-stride2", "maxpool-2", "maxpool-3-stride-2",
                                  "maxpool-overlapping", "relu"])
def test_layers_split_across_threads_still_match_numerical_gradients(name, split_everything):
    from tests.test_layers import TOLERANCE, layer_cases
    layer, x = next((layer, x) for case, layer, x in layer_cases() if case == name)
    for what, err in check_layer(layer, x.copy()).items():
        assert err < TOLERANCE, f"{name}: {what} relative error {err:.2e}"


def test_a_network_gives_the_same_numbers_on_one_thread_and_on_two(monkeypatch):
    from engine import parallel
    from engine.builders import ModelSpec
    rng = np.random.default_rng(2)
    x, t = rng.random((6, 784)).astype(np.float32), rng.integers(0, 10, 6)
    results = []
    before = parallel.threads()
    for count, min_work in ((1, parallel.MIN_WORK_PER_THREAD), (2, 1)):
        parallel.set_threads(count)
        monkeypatch.setattr(parallel, "MIN_WORK_PER_THREAD", min_work)
        net = ModelSpec(arch="cnn", channels=(4, 6), hidden=(10,)).build(0)
        loss = net.gradient(x, t)
        results.append((loss, [p.grad.copy() for p in net.parameters()], net.predict_proba(x)))
    parallel.set_threads(before)
    (loss1, grads1, p1), (loss2, grads2, p2) = results
    assert loss1 == pytest.approx(loss2, rel=1e-6)
    for g1, g2 in zip(grads1, grads2):
        np.testing.assert_allclose(g1, g2, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(p1, p2, rtol=1e-5, atol=1e-7)


def test_relu_then_max_pool_may_run_in_either_order():
    """The network runs a ReLU after the max-pool that follows it; outputs and gradients are those
    of the listed order, exactly (ties of zeros included)."""
    from engine.builders import ModelSpec
    rng = np.random.default_rng(3)
    x = (rng.random((5, 784)) * (rng.random((5, 784)) > 0.7)).astype(np.float32)   # many zero windows
    t = rng.integers(0, 10, 5)
    net = ModelSpec(arch="cnn", channels=(3, 4), hidden=(8,)).build(0)
    assert [type(layer).__name__ for layer in net.running_order()][1:4] == ["Conv2D", "MaxPool2D", "ReLU"]
    loss = net.gradient(x, t)
    grads = [p.grad.copy() for p in net.parameters()]

    out = x                                         # the listed order, by hand
    for layer in net.layers:
        out = layer.forward(out, train=True)
    assert net.loss_layer.forward(out, t) == loss
    dout = net.loss_layer.backward()
    for layer in reversed(net.layers[1:]):
        dout = layer.backward(dout)
    for g, p in zip(grads, net.parameters()):
        np.testing.assert_array_equal(g, p.grad)
    np.testing.assert_array_equal(net.forward(x), net.activations(x)[-1])


def test_adam_state_never_lingers_in_the_slow_subnormal_range():
    from engine.layers import Parameter
    from engine.optimizers import FLUSH_EVERY, Adam
    p = Parameter(np.ones(4, np.float32))
    opt = Adam([p], lr=0.001)
    p.grad[:] = [1.0, 1.0, 1.0, 1.0]
    opt.step()
    p.grad[:] = [0.0, 0.0, 0.0, 1.0]              # three gradients stay zero from now on: m decays by 0.9
    tiny = np.finfo(np.float32).tiny
    while opt.t % FLUSH_EVERY or opt.t < 9 * FLUSH_EVERY:
        opt.step()
    m, v = opt.state_arrays()["m/0"], opt.state_arrays()["v/0"]
    for array in (m, v):
        assert not np.any((array != 0) & (np.abs(array) < tiny))
    assert m[3] > 0.5 and v[0] > 0   # normal values are kept


def test_an_error_in_a_helper_thread_reaches_the_caller(split_everything):
    from engine import parallel

    def job(start, stop):
        if start > 0:
            raise ValueError("from the helper")
        return start

    with pytest.raises(ValueError, match="from the helper"):
        parallel.over_rows(job, 10, 10)
    assert parallel.over_rows(lambda start, stop: (start, stop), 10, 10) == [(0, 5), (5, 10)]


def test_a_batch_cut_into_uneven_slices_gives_the_gradient_of_the_whole_batch(monkeypatch):
    """Data parallelism: 7 images go through two replicas as 3 + 4; each slice's loss gradient is
    weighted by its share, so the sum is the gradient of the mean loss over all 7 (float64)."""
    from engine import parallel
    from engine.builders import ModelSpec
    rng = np.random.default_rng(5)
    x, t = rng.random((7, 784)), rng.integers(0, 10, 7)
    spec = ModelSpec(arch="cnn", channels=(3, 4), hidden=(8,), dtype="float64")
    whole, sliced = spec.build(0), spec.build(0)
    before = parallel.threads()
    try:
        parallel.set_threads(1)
        loss = whole.gradient(x, t)
        parallel.set_threads(2)
        monkeypatch.setattr(parallel, "MIN_WORK_PER_THREAD", 1)
        assert sliced.slices(len(t)) == 2
        assert sliced.gradient(x, t) == pytest.approx(loss, rel=1e-12)
        assert sliced._data_parallel is not None
    finally:
        parallel.set_threads(before)
    for a, b in zip(whole.parameters(), sliced.parameters()):
        np.testing.assert_allclose(b.grad, a.grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("extra", [{"dropout": 0.3}, {"batchnorm": True}])
def test_networks_whose_layers_see_the_whole_batch_are_not_cut_into_slices(extra, split_everything):
    from engine.builders import ModelSpec
    net = ModelSpec(arch="cnn", channels=(3, 4), hidden=(8,), **extra).build(0)
    assert net.slices(100) == 1


def test_a_dense_product_on_blas_threads_gives_the_same_numbers(monkeypatch):
    from engine import parallel
    rng = np.random.default_rng(6)
    a, b = rng.random((50, 300), dtype=np.float32), rng.random((300, 40), dtype=np.float32)
    before = parallel.threads()
    try:
        parallel.set_threads(2)
        monkeypatch.setattr(parallel, "MIN_BLAS_THREADED_PRODUCT", 1)
        out = np.empty((50, 40), np.float32)
        parallel.matmul(a, b, out=out)
    finally:
        parallel.set_threads(before)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5)


def test_work_split_inside_a_share_of_another_split_job_runs_in_place(split_everything):
    """A layer that splits its work, running inside a slice that is itself a share of a split job,
    must not wait for threads that are busy with that job."""
    from engine import parallel
    inner = parallel.run(lambda start, stop: parallel.parts(10**9), [(0, 1), (1, 2)])
    assert inner == [1, 1]
    assert parallel.parts(10**9) == 2


def test_a_network_cut_into_slices_still_matches_numerical_gradients(split_everything):
    from engine.builders import ModelSpec
    from engine.gradcheck import check_network
    from tests.test_layers import TOLERANCE
    rng = np.random.default_rng(5)
    net = ModelSpec(arch="cnn", channels=(3, 4), hidden=(10,), dtype="float64").build(seed=1)
    x, t = rng.random((6, 784)), rng.integers(0, 10, 6)
    assert net.slices(len(t)) == 2
    for name, err in check_network(net, x, t, max_entries=25):
        assert err < TOLERANCE, f"{name}: relative error {err:.2e}"


@pytest.mark.parametrize("kernel,stride,pad,side", [(3, 2, 1, 8), (5, 3, 2, 9), (2, 2, 0, 7)])
def test_strided_conv_input_gradient_by_rows_matches_numerical_gradients(kernel, stride, pad, side):
    """Strides that leave some input columns outside every window included (they get zero)."""
    from tests.test_layers import TOLERANCE
    rng = np.random.default_rng(7)
    conv = Conv2D(2, 3, kernel, stride=stride, pad=pad, rng=rng, dtype=np.float64)
    x = rng.standard_normal((2, side, side, 2))
    for what, err in check_layer(conv, x).items():
        assert err < TOLERANCE, f"{what} relative error {err:.2e}"


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
