"""Each update rule against a step computed by hand, and all of them on the book's f(x, y)."""
import numpy as np
import pytest

from engine.nn.layers import Parameter
from engine.nn.optimizers import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

W0, G1, G2 = 1.0, 0.5, -0.25


def two_steps(optimizer_cls, **kw):
    p = Parameter(np.array([W0]))
    opt = optimizer_cls([p], **kw)
    p.grad[:] = G1
    opt.step()
    first = float(p.value[0])
    p.grad[:] = G2
    opt.step()
    return first, float(p.value[0])


def test_sgd_step():
    assert two_steps(SGD, lr=0.1) == pytest.approx((1 - 0.05, 1 - 0.05 + 0.025))


def test_momentum_step():
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    assert two_steps(Momentum, lr=0.1, momentum=0.9) == pytest.approx((W0 + v1, W0 + v1 + v2))


def test_nesterov_step():
    m, lr = 0.9, 0.1
    v1 = -lr * G1
    w1 = W0 + m * m * v1 - (1 + m) * lr * G1
    v2 = m * v1 - lr * G2
    w2 = w1 + m * m * v2 - (1 + m) * lr * G2
    assert two_steps(Nesterov, lr=lr, momentum=m) == pytest.approx((w1, w2))


def test_adagrad_step():
    h1 = G1 ** 2
    w1 = W0 - 0.1 * G1 / (np.sqrt(h1) + 1e-7)
    h2 = h1 + G2 ** 2
    w2 = w1 - 0.1 * G2 / (np.sqrt(h2) + 1e-7)
    assert two_steps(AdaGrad, lr=0.1) == pytest.approx((w1, w2))


def test_rmsprop_step():
    h1 = 0.01 * G1 ** 2
    w1 = W0 - 0.1 * G1 / (np.sqrt(h1) + 1e-7)
    h2 = 0.99 * h1 + 0.01 * G2 ** 2
    w2 = w1 - 0.1 * G2 / (np.sqrt(h2) + 1e-7)
    assert two_steps(RMSProp, lr=0.1) == pytest.approx((w1, w2))


def test_adam_step_is_bias_corrected_as_in_the_paper():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1 ** 2
    w1 = W0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2 ** 2
    w2 = w1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps)
    assert two_steps(Adam, lr=lr) == pytest.approx((w1, w2))
    assert w1 == pytest.approx(W0 - lr, rel=1e-6)  # the first Adam step is lr * sign(g)


def test_weight_decay_adds_lambda_w_to_the_gradient_of_weights_only():
    w = Parameter(np.array([2.0]))
    b = Parameter(np.array([2.0]), "b", decay=False)
    opt = SGD([w, b], lr=0.1, weight_decay=0.5)
    w.grad[:] = b.grad[:] = 1.0
    opt.step()
    assert w.value[0] == pytest.approx(2.0 - 0.1 * (1.0 + 0.5 * 2.0))
    assert b.value[0] == pytest.approx(2.0 - 0.1 * 1.0)


def f(x, y):  # book 6.1: the elongated bowl of figures 6-1 to 6-8
    return x ** 2 / 20.0 + y ** 2


BOOK_LR = {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5, "rmsprop": 0.1, "adam": 0.3}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_converges_on_the_book_function(name):
    p = Parameter(np.array([-7.0, 2.0]))
    opt = OPTIMIZERS[name]([p], lr=BOOK_LR[name])
    for _ in range(200):
        x, y = p.value
        p.grad[:] = [x / 10.0, 2.0 * y]
        opt.step()
    assert f(*p.value) < 0.05 * f(-7.0, 2.0), f"{name} ended at {p.value}"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_state_round_trip(name):
    rng = np.random.default_rng(0)
    a, b = Parameter(rng.standard_normal(3)), Parameter(rng.standard_normal(3))
    opt_a, opt_b = OPTIMIZERS[name]([a], lr=0.01), OPTIMIZERS[name]([b], lr=0.01)
    b.value[:] = a.value
    for _ in range(3):
        a.grad[:] = rng.standard_normal(3)
        opt_a.step()
    opt_b.load_state_arrays(opt_a.state_arrays(), opt_a.t)
    b.value[:] = a.value
    g = rng.standard_normal(3)
    a.grad[:] = b.grad[:] = g
    opt_a.step()
    opt_b.step()
    np.testing.assert_array_equal(a.value, b.value)


def test_adam_steps_follow_algorithm_1_of_the_paper_over_many_steps():
    rng = np.random.default_rng(4)
    p = Parameter(rng.standard_normal(700))
    w, m, v = p.value.copy(), np.zeros_like(p.value), np.zeros_like(p.value)
    opt = Adam([p], lr=0.01)
    for t in range(1, 30):
        g = rng.standard_normal(p.value.size)
        p.grad[:] = g
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(p.value, w, rtol=1e-10, atol=1e-12)


def test_adam_with_weight_decay_follows_the_paper_for_weights_and_leaves_biases_undecayed():
    rng = np.random.default_rng(5)
    params = [Parameter(rng.standard_normal(1500)), Parameter(rng.standard_normal(30), decay=False)]
    opt = Adam(params, lr=0.01, weight_decay=0.1)
    w = [p.value.copy() for p in params]
    m, v = [np.zeros_like(x) for x in w], [np.zeros_like(x) for x in w]
    for t in range(1, 6):
        for i, p in enumerate(params):
            g = rng.standard_normal(p.value.size)
            p.grad[:] = g
            g = g + 0.1 * w[i] if p.decay else g
            m[i], v[i] = 0.9 * m[i] + 0.1 * g, 0.999 * v[i] + 0.001 * g * g
            w[i] = w[i] - 0.01 * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
        opt.step()
    for p, expected in zip(params, w):
        np.testing.assert_allclose(p.value, expected, rtol=1e-10, atol=1e-12)


def test_adam_state_never_lingers_in_the_slow_subnormal_range():
    from engine.nn.optimizers import FLUSH_EVERY
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
