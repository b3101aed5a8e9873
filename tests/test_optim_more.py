"""AdamW, RMSprop, the learning-rate schedulers and clip_grad_norm_: PyTorch's updates over 10 steps (to 1e-6),
its schedules epoch by epoch, its clipping and returned norm; scalar Values take the same steps as Tensors."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value
from tinygrad_edu.nn.utils import clip_grad_norm_, clip_grad_value_
from tinygrad_edu.optim import SGD, AdamW, RMSprop
from tinygrad_edu.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, StepLR

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal((6, 2))
W0, B0 = RNG.standard_normal((3, 2)), RNG.standard_normal(2)


def _loss(x, w, b, y):
    d = x @ w + b - y
    return (d * d * d * d).mean() + (d * d).sum()  # a quartic term: the gradient changes from step to step


def _run_ours(make_opt, steps=10):
    w, b = Tensor(W0.copy(), requires_grad=True, dtype=np.float64), Tensor(B0.copy(), requires_grad=True, dtype=np.float64)
    opt = make_opt([w, b])
    for _ in range(steps):
        opt.zero_grad()
        _loss(Tensor(X, dtype=np.float64), w, b, Tensor(Y, dtype=np.float64)).backward()
        opt.step()
    return w.data, b.data


def _run_torch(torch, make_opt, steps=10):
    w, b = torch.tensor(W0, requires_grad=True), torch.tensor(B0, requires_grad=True)
    opt = make_opt([w, b])
    for _ in range(steps):
        opt.zero_grad()
        _loss(torch.tensor(X), w, b, torch.tensor(Y)).backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy()


ADAMW = [{}, {"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.3}, {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-3},
         {"weight_decay": 0.0, "lr": 0.01}]
RMSPROP = [{}, {"lr": 0.005, "alpha": 0.9}, {"lr": 0.01, "momentum": 0.8}, {"lr": 0.01, "centered": True},
           {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-4}]


@pytest.mark.parametrize("kwargs", ADAMW, ids=str)
def test_adamw_matches_torch_over_10_steps(torch, kwargs):
    ours = _run_ours(lambda p: AdamW(p, **kwargs))
    theirs = _run_torch(torch, lambda p: torch.optim.AdamW(p, **kwargs))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs", RMSPROP, ids=str)
def test_rmsprop_matches_torch_over_10_steps(torch, kwargs):
    ours = _run_ours(lambda p: RMSprop(p, **kwargs))
    theirs = _run_torch(torch, lambda p: torch.optim.RMSprop(p, **kwargs))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert not np.allclose(ours[0], W0)


def test_adamw_first_step_by_hand():
    """Step 1: p (1 - lr wd) - lr * g / (|g| + eps): the decay does not go through the adaptive scaling."""
    p = Tensor(np.array([2.0]), requires_grad=True, dtype=np.float64)
    p.grad = np.array([0.5])
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.data[0] == pytest.approx(2.0 * (1 - 0.05) - 0.1 * 0.5 / (0.5 + 1e-8))


def test_rmsprop_first_step_by_hand():
    p = Tensor(np.array([1.0]), requires_grad=True, dtype=np.float64)
    p.grad = np.array([2.0])
    RMSprop([p], lr=0.1, alpha=0.9).step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 * 2.0 / (math.sqrt(0.1 * 4.0) + 1e-8))


@pytest.mark.parametrize("make", [lambda p: AdamW(p, lr=0.1, weight_decay=0.2),
                                  lambda p: RMSprop(p, lr=0.1, momentum=0.5, centered=True, weight_decay=0.1)])
def test_values_take_the_same_steps_as_tensors(make):
    values = [Value(1.5), Value(-0.5)]
    tensor = Tensor(np.array([1.5, -0.5]), requires_grad=True, dtype=np.float64)
    opt_v, opt_t = make(values), make([tensor])
    for step in range(4):
        grads = [0.3 * (step + 1), -1.2 + step]
        for v, g in zip(values, grads):
            v.grad = g
        tensor.grad = np.array(grads)
        opt_v.step()
        opt_t.step()
    np.testing.assert_allclose([v.data for v in values], tensor.data, rtol=1e-12)


def test_new_optimizer_argument_errors():
    p = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        RMSprop([p], alpha=-0.1)
    with pytest.raises(ValueError, match="betas\\[1\\] must be in \\[0, 1\\)"):
        AdamW([p], betas=(0.9, 1.0))


# ----------------------------------------------------------------------------------------------- schedulers


SCHEDULES = {
    "StepLR": (lambda o: StepLR(o, step_size=3, gamma=0.5),
               lambda t, o: t.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "CosineAnnealingLR": (lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.01),
                          lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
    "CosineAnnealingLR(0)": (lambda o: CosineAnnealingLR(o, T_max=5),
                             lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5)),
    "LambdaLR": (lambda o: LambdaLR(o, lambda e: min(1.0, (e + 1) / 4) * 0.9**e),
                 lambda t, o: t.optim.lr_scheduler.LambdaLR(o, lambda e: min(1.0, (e + 1) / 4) * 0.9**e)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_torch_for_25_epochs(torch, name):
    ours_make, theirs_make = SCHEDULES[name]
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = SGD([p], lr=0.3)
    sched = ours_make(opt)
    tp = torch.zeros(2, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.3)
    tsched = theirs_make(torch, topt)
    for epoch in range(25):
        assert sched.get_last_lr()[0] == pytest.approx(tsched.get_last_lr()[0], rel=1e-9, abs=1e-12), f"epoch {epoch}"
        assert opt.lr == sched.get_last_lr()[0]
        topt.step()
        sched.step()
        tsched.step()


def test_step_lr_by_hand_and_errors():
    opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    seen = []
    for _ in range(5):
        seen.append(opt.lr)
        sched.step()
    assert seen == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01])
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        StepLR(opt, step_size=0)
    with pytest.raises(TypeError, match="needs an optimizer"):
        StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="T_max must be positive"):
        CosineAnnealingLR(opt, T_max=0)


# ----------------------------------------------------------------------------------------------- clipping


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2,))]
    ours = [Tensor(np.zeros_like(g), requires_grad=True, dtype=np.float64) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad = g.copy()
        t.grad = torch.tensor(g)
    no_grad_param = Tensor(np.zeros(2), requires_grad=True)
    total = clip_grad_norm_(ours + [no_grad_param], max_norm, norm_type)
    ref_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(ref_total.item(), rel=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12)
    assert no_grad_param.grad is None


def test_clip_grad_norm_by_hand_and_edge_cases():
    p = Tensor(np.zeros(2), requires_grad=True, dtype=np.float64)
    p.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)
    assert clip_grad_norm_([Tensor(np.zeros(2), requires_grad=True)], 1.0).item() == 0.0  # no grads at all
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(TypeError, match="pass model.parameters"):
        clip_grad_norm_([np.zeros(2)], 1.0)
    v = Value(0.0)
    v.grad = -10.0
    assert clip_grad_norm_([v], 2.0).item() == pytest.approx(10.0)
    assert v.grad == pytest.approx(-2.0, rel=1e-6)


def test_clip_grad_value():
    p = Tensor(np.zeros(3), requires_grad=True, dtype=np.float64)
    p.grad = np.array([-5.0, 0.2, 3.0])
    clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, 0.2, 1.0])
