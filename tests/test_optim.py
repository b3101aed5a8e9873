"""SGD and Adam: hand-computed steps, PyTorch's update rules over 10 steps, scalar Values, and argument checks."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, nn
from tinygrad_edu.optim import SGD, Adam

X = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
W0 = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
B0 = np.random.default_rng(2).standard_normal(2).astype(np.float32)


def _param(value):
    return Tensor(np.array(value, np.float32), requires_grad=True)


def _step_with_grad(opt, p, grad):
    p.grad = np.array(grad, np.float32)
    opt.step()
    return p.data.tolist()


# --------------------------------------------------------------------------------------------------- by hand


def test_sgd_plain_step_by_hand():
    p = _param([1.0, -2.0])
    assert _step_with_grad(SGD([p], lr=0.1), p, [0.5, -1.0]) == pytest.approx([0.95, -1.9])


def test_sgd_momentum_two_steps_by_hand():
    p = _param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    assert _step_with_grad(opt, p, [1.0]) == pytest.approx([0.9])  # v = 1
    assert _step_with_grad(opt, p, [1.0]) == pytest.approx([0.71])  # v = 0.9 * 1 + 1 = 1.9


def test_sgd_nesterov_and_weight_decay_by_hand():
    p = _param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.5, nesterov=True)
    assert _step_with_grad(opt, p, [2.0]) == pytest.approx([0.7])  # v = 2, step g + 0.5 v = 3
    assert _step_with_grad(opt, p, [2.0]) == pytest.approx([0.35])  # v = 0.5 * 2 + 2 = 3, step 2 + 1.5 = 3.5
    q = _param([2.0])
    assert _step_with_grad(SGD([q], lr=0.1, weight_decay=0.5), q, [1.0]) == pytest.approx([1.8])  # g = 1 + 0.5 * 2


def test_adam_first_steps_by_hand():
    p = _param([1.0, 1.0])
    opt = Adam([p], lr=0.1)
    # Step 1: m_hat = g, v_hat = g^2, so each entry moves by lr * sign(g), whatever the gradient's size.
    assert _step_with_grad(opt, p, [4.0, -0.01]) == pytest.approx([0.9, 1.1], abs=1e-6)
    # Step 2 with g = 0: m = 0.9 * 0.1 g1, v = 0.999 * 0.001 g1^2; corrected by 1/0.19 and 1/0.001999.
    m_hat = 0.09 * 4.0 / 0.19
    v_hat = 0.999 * 0.001 * 16.0 / (1 - 0.999**2)
    expected = 0.9 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert _step_with_grad(opt, p, [0.0, 0.0])[0] == pytest.approx(expected, abs=1e-6)


def test_adam_weight_decay_adds_to_the_gradient():
    p, q = _param([3.0]), _param([3.0])
    _step_with_grad(Adam([p], lr=0.01, weight_decay=0.1), p, [0.2])
    _step_with_grad(Adam([q], lr=0.01), q, [0.2 + 0.1 * 3.0])
    assert p.data.tolist() == pytest.approx(q.data.tolist(), abs=1e-7)


# --------------------------------------------------------------------------------------------------- against PyTorch


def _train_ours(make_opt, steps=10):
    w, b = Tensor(W0.copy(), requires_grad=True), Tensor(B0.copy(), requires_grad=True)
    opt = make_opt([w, b])
    for _ in range(steps):
        opt.zero_grad()
        out = (Tensor(X) @ w + b).tanh()
        ((out - 0.5) * (out - 0.5)).sum().backward()
        opt.step()
    return w.data, b.data


def _train_torch(torch, make_opt, steps=10):
    w = torch.tensor(W0.copy(), requires_grad=True)
    b = torch.tensor(B0.copy(), requires_grad=True)
    opt = make_opt([w, b])
    for _ in range(steps):
        opt.zero_grad()
        out = torch.tanh(torch.tensor(X) @ w + b)
        ((out - 0.5) * (out - 0.5)).sum().backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy()


SETTINGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kwargs", SETTINGS, ids=[f"{n}-{'-'.join(k)}" for n, k in SETTINGS])
def test_ten_steps_match_torch(torch, name, kwargs):
    ours = _train_ours(lambda ps: {"SGD": SGD, "Adam": Adam}[name](ps, **kwargs))
    theirs = _train_torch(torch, lambda ps: getattr(torch.optim, name)(ps, **kwargs))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)
    assert not np.allclose(ours[0], W0)  # the weights did move


# --------------------------------------------------------------------------------------------------- Values


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda ps: Adam(ps, lr=0.1, weight_decay=0.01)], ids=["SGD", "Adam"])
def test_scalar_values_follow_the_same_rule_as_tensors(make):
    v = [Value(0.5), Value(-1.5)]
    t = Tensor(np.array([0.5, -1.5]), requires_grad=True, dtype=np.float64)
    opt_v, opt_t = make(v), make([t])
    for _ in range(5):
        opt_v.zero_grad()
        opt_t.zero_grad()
        (v[0] * v[0] * v[1] + v[1].tanh()).backward()
        (t[0] * t[0] * t[1] + t[1].tanh()).backward()
        opt_v.step()
        opt_t.step()
    assert all(type(p.data) is float for p in v)
    np.testing.assert_allclose([p.data for p in v], t.data, rtol=1e-12)


def test_tensor_updates_are_in_place_and_stay_float32():
    model = nn.Linear(3, 2, seed=0)
    arrays = [p.data for p in model.parameters()]
    opt = Adam(model.parameters(), lr=0.1)
    model(Tensor(X)).sum().backward()
    opt.step()
    assert all(p.data is a and p.dtype == np.float32 for p, a in zip(model.parameters(), arrays))


def test_params_without_grad_are_skipped_and_zero_grad_clears():
    a, b = _param([1.0]), _param([1.0])
    opt = Adam([a, b], lr=0.1)
    a.grad = np.array([1.0], np.float32)
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == 1.0 and opt.steps == [1, 0]
    opt.zero_grad()
    assert a.grad is None
    v = Value(1.0)
    v.grad = 3.0
    SGD([v], lr=0.1).zero_grad()
    assert v.grad == 0.0


# --------------------------------------------------------------------------------------------------- arguments


def test_argument_errors():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        Adam(nn.ReLU().parameters())
    with pytest.raises(TypeError, match="pass model.parameters\\(\\)"):
        SGD(nn.Linear(2, 1), lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        SGD([_param([1.0]), 2.0], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        SGD([Tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="lr=-1"):
        SGD([_param([1.0])], lr=-1)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum"):
        SGD([_param([1.0])], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.0"):
        Adam([_param([1.0])], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="eps must be >= 0"):
        Adam([_param([1.0])], eps=-1.0)
