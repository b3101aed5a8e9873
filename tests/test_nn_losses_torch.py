"""The losses with PyTorch's options: cross_entropy (weight, ignore_index, label_smoothing, class-probability
targets), nll_loss (weight, ignore_index), binary_cross_entropy(_with_logits) with weight / pos_weight,
smooth_l1_loss and huber_loss, one_hot, and softmax's implicit dim. Each: chain rule against central differences
with a random incoming gradient, and values and gradients against PyTorch in float64."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F

from .nn_parity import check_torch, check_vjp
from .strategies import uses_torch

REDUCTIONS = ["mean", "sum", "none"]


@st.composite
def class_problems(draw, allow_ignore=True):
    """Logits (N, C), labels (some maybe ignore_index -100), class weights or None, smoothing, reduction, and an
    incoming gradient of the loss's shape."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    logits = draw(arrays(np.float64, (n, c), elements=st.floats(-5, 5)))
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    if allow_ignore and draw(st.booleans()):
        labels[draw(st.lists(st.integers(0, n - 1), max_size=n))] = -100
    weight = draw(st.one_of(st.none(), arrays(np.float64, (c,), elements=st.floats(0.1, 2.0))))
    smoothing = draw(st.sampled_from([0.0, 0.1, 0.35]))
    reduction = draw(st.sampled_from(REDUCTIONS))
    g = draw(arrays(np.float64, (n,) if reduction == "none" else (), elements=st.floats(-2, 2)))
    return logits, labels, weight, smoothing, reduction, g


def _ce(labels, weight, smoothing, reduction):
    return lambda x: F.cross_entropy(x, labels, reduction, weight=weight, label_smoothing=smoothing)


def _torch_ce(torch, labels, weight, smoothing, reduction):
    w = None if weight is None else torch.tensor(weight)
    return lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(labels), w, reduction=reduction,
                                                       label_smoothing=smoothing)


@given(class_problems())
def test_cross_entropy_chain_rule(problem):
    logits, labels, weight, smoothing, reduction, g = problem
    if reduction == "mean" and (labels == -100).all():
        return  # nan: nothing to differentiate
    check_vjp(_ce(labels, weight, smoothing, reduction), [logits], g)


@uses_torch
@given(class_problems())
def test_cross_entropy_matches_torch(torch, problem):
    logits, labels, weight, smoothing, reduction, g = problem
    check_torch(torch, _ce(labels, weight, smoothing, reduction), _torch_ce(torch, labels, weight, smoothing, reduction),
                [logits], g)


@uses_torch
@given(class_problems(allow_ignore=True))
def test_nll_loss_matches_torch(torch, problem):
    logits, labels, weight, _, reduction, g = problem
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    w = None if weight is None else torch.tensor(weight)
    ours = lambda x: F.nll_loss(x, labels, reduction, weight=weight)  # noqa: E731
    theirs = lambda x: torch.nn.functional.nll_loss(x, torch.tensor(labels), w, reduction=reduction)  # noqa: E731
    check_torch(torch, ours, theirs, [logp], g)
    if not (reduction == "mean" and (labels == -100).all()):
        check_vjp(ours, [logp], g)


@st.composite
def soft_targets(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    logits = draw(arrays(np.float64, (n, c), elements=st.floats(-5, 5)))
    raw = draw(arrays(np.float64, (n, c), elements=st.floats(0.01, 1.0)))
    target = raw / raw.sum(axis=1, keepdims=True)
    weight = draw(st.one_of(st.none(), arrays(np.float64, (c,), elements=st.floats(0.1, 2.0))))
    smoothing = draw(st.sampled_from([0.0, 0.2]))
    reduction = draw(st.sampled_from(REDUCTIONS))
    g = draw(arrays(np.float64, (n,) if reduction == "none" else (), elements=st.floats(-2, 2)))
    return logits, target, weight, smoothing, reduction, g


@uses_torch
@given(soft_targets())
def test_cross_entropy_with_class_probabilities_matches_torch(torch, problem):
    """Both the logits' and the target's gradients (a target that requires grad), and the mean over N."""
    logits, target, weight, smoothing, reduction, g = problem
    w = None if weight is None else torch.tensor(weight)
    ours = lambda x, t: F.cross_entropy(x, t, reduction, weight=weight, label_smoothing=smoothing)  # noqa: E731
    theirs = lambda x, t: torch.nn.functional.cross_entropy(x, t, w, reduction=reduction,  # noqa: E731
                                                            label_smoothing=smoothing)
    check_torch(torch, ours, theirs, [logits, target], g)
    check_vjp(ours, [logits, target], g)


def test_cross_entropy_formulas_by_hand():
    """One sample, 3 classes: the weight, smoothing and ignore rules written out."""
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    w = np.array([0.5, 2.0, 1.0])
    y = np.array([1, 2])
    weighted = -(w[1] * logp[0, 1] + w[2] * logp[1, 2]) / (w[1] + w[2])
    assert F.cross_entropy(Tensor(logits), y, weight=w).item() == pytest.approx(weighted, rel=1e-6)
    e = 0.2
    smooth = -((logp * w).sum(axis=1)).sum() / (w[1] + w[2])
    assert F.cross_entropy(Tensor(logits), y, weight=w, label_smoothing=e).item() == pytest.approx(
        (1 - e) * weighted + e / 3 * smooth, rel=1e-6)
    assert F.cross_entropy(Tensor(logits), [1, -100]).item() == pytest.approx(-logp[0, 1], rel=1e-6)
    assert F.cross_entropy(Tensor(logits), [5, 2], ignore_index=5).item() == pytest.approx(-logp[1, 2], rel=1e-6)
    assert np.isnan(F.cross_entropy(Tensor(logits), [-100, -100]).item())  # as torch: 0 / 0


def test_nll_loss_picks_only_the_label_column_even_next_to_minus_inf():
    logp = Tensor([[-np.inf, -0.1, -3.0]], requires_grad=True)
    loss = F.nll_loss(logp, [1])
    loss.backward()
    assert loss.item() == pytest.approx(0.1)
    np.testing.assert_array_equal(logp.grad, [[0, -1, 0]])


def test_class_loss_argument_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\), got \(2,\)"):
        F.cross_entropy(x, [0, 1], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="label_smoothing must be in \\[0, 1\\], got 1.5"):
        F.cross_entropy(x, [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        F.nll_loss(x, [3, -100])
    with pytest.raises(TypeError, match="pass weight=... by keyword"):
        F.nll_loss(x, [0, 1], np.ones(3))


# ----------------------------------------------------------------------------------------------- binary losses


@st.composite
def binary_problems(draw, probabilities=False):
    shape = draw(st.sampled_from([(3,), (2, 3), (4, 1)]))
    lo, hi = (0.02, 0.98) if probabilities else (-8.0, 8.0)
    x = draw(arrays(np.float64, shape, elements=st.floats(lo, hi)))
    y = draw(arrays(np.float64, shape, elements=st.floats(0, 1)))
    weight = draw(st.one_of(st.none(), arrays(np.float64, shape[-1:], elements=st.floats(0.1, 2))))
    pos_weight = draw(st.one_of(st.none(), arrays(np.float64, shape[-1:], elements=st.floats(0.1, 4))))
    reduction = draw(st.sampled_from(REDUCTIONS))
    g = draw(arrays(np.float64, shape if reduction == "none" else (), elements=st.floats(-2, 2)))
    return x, y, weight, pos_weight, reduction, g


@uses_torch
@given(binary_problems())
def test_bce_with_logits_pos_weight_matches_torch(torch, problem):
    x, y, weight, pos_weight, reduction, g = problem
    ours = lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction, weight=weight,  # noqa: E731
                                                             pos_weight=pos_weight)
    tw = None if weight is None else torch.tensor(weight)
    tpw = None if pos_weight is None else torch.tensor(pos_weight)
    theirs = lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(  # noqa: E731
        a, b, tw, reduction=reduction, pos_weight=tpw)
    check_torch(torch, ours, theirs, [x, y], g)
    check_vjp(ours, [x, y], g)


@uses_torch
@given(binary_problems(probabilities=True))
def test_bce_weight_matches_torch(torch, problem):
    p, y, weight, _, reduction, g = problem
    ours = lambda a, b: F.binary_cross_entropy(a, b, reduction, weight=weight)  # noqa: E731
    tw = None if weight is None else torch.tensor(weight)
    theirs = lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, tw, reduction=reduction)  # noqa: E731
    check_torch(torch, ours, theirs, [p, y], g)
    check_vjp(ours, [p, y], g)


def test_bce_gradient_at_0_and_1_is_torchs():
    """PyTorch's (p - y) / max(p (1 - p), 1e-12): huge against a wrong target, 0 against the right one."""
    p = Tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True, dtype=np.float64)
    loss = F.binary_cross_entropy(p, [1, 0, 0, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0])
    loss.backward(np.array([1.0, 1.0, 1.0, 1.0]))
    np.testing.assert_allclose(p.grad, [-1e12, 1e12, 0, 0])


def test_bce_gradient_at_0_and_1_matches_torch(torch):
    for dtype in ("float32", "float64"):
        data = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5], dtype=dtype)
        y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.25], dtype=dtype)
        g = np.array([0.5, 2.0, 1.0, -1.0, 1.5, 3.0], dtype=dtype)
        p = Tensor(data, requires_grad=True, dtype=dtype)
        F.binary_cross_entropy(p, y, reduction="none").backward(g)
        ref = torch.tensor(data, requires_grad=True)
        torch.nn.functional.binary_cross_entropy(ref, torch.tensor(y), reduction="none").backward(torch.tensor(g))
        np.testing.assert_allclose(p.grad, ref.grad.numpy(), rtol=1e-6)


# ----------------------------------------------------------------------------------------------- robust regression


@st.composite
def regression_problems(draw):
    shape = draw(st.sampled_from([(3,), (2, 3)]))
    x = draw(arrays(np.float64, shape, elements=st.floats(-4, 4)))
    y = draw(arrays(np.float64, shape, elements=st.floats(-4, 4)))
    beta = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    reduction = draw(st.sampled_from(REDUCTIONS))
    g = draw(arrays(np.float64, shape if reduction == "none" else (), elements=st.floats(-2, 2)))
    return x, y, beta, reduction, g


def _off_kinks(x, y, beta):
    """Move differences that sit on a corner (|d| = beta, or d = 0 for beta = 0) off it, for finite differences."""
    d = x - y
    for corner in (0.0, beta, -beta):
        x = np.where(np.abs(d - corner) < 1e-3, x + 1e-2, x)
    return x


@uses_torch
@given(regression_problems())
def test_smooth_l1_and_huber_match_torch(torch, problem):
    x, y, beta, reduction, g = problem
    smooth = lambda a, b: F.smooth_l1_loss(a, b, reduction, beta=beta)  # noqa: E731
    check_torch(torch, smooth, lambda a, b: torch.nn.functional.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                [x, y], g)
    if beta > 0:
        huber = lambda a, b: F.huber_loss(a, b, reduction, delta=beta)  # noqa: E731
        check_torch(torch, huber, lambda a, b: torch.nn.functional.huber_loss(a, b, reduction=reduction, delta=beta),
                    [x, y], g)


@given(regression_problems())
def test_smooth_l1_and_huber_chain_rule(problem):
    x, y, beta, reduction, g = problem
    x = _off_kinks(x, y, beta)
    check_vjp(lambda a, b: F.smooth_l1_loss(a, b, reduction, beta=beta), [x, y], g)
    if beta > 0:
        check_vjp(lambda a, b: F.huber_loss(a, b, reduction, delta=beta), [x, y], g)


def test_smooth_l1_by_hand_and_modules():
    x, y = Tensor([0.0, 0.5, 3.0]), [0.0, 0.0, 0.0]
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, "none").data, [0, 0.125, 2.5])
    np.testing.assert_allclose(F.huber_loss(x, y, "none", delta=2.0).data, [0, 0.125, 4.0])
    assert nn.SmoothL1Loss(beta=0.5)(x, y).item() == F.smooth_l1_loss(x, y, beta=0.5).item()
    assert nn.HuberLoss(delta=2.0)(x, y).item() == F.huber_loss(x, y, delta=2.0).item()
    with pytest.raises(ValueError, match="delta must be > 0"):
        F.huber_loss(x, y, delta=0)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        F.smooth_l1_loss(x, y, beta=-1)


def test_loss_modules_pass_their_options():
    logits, y = Tensor(np.random.default_rng(0).standard_normal((4, 3))), np.array([0, 2, -100, 1])
    w = np.array([1.0, 2.0, 0.5])
    assert nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)(logits, y).item() == \
        F.cross_entropy(logits, y, weight=w, label_smoothing=0.1).item()
    assert nn.CrossEntropyLoss(ignore_index=2)(logits, [0, 2, 1, 1]).item() == \
        F.cross_entropy(logits, [0, 2, 1, 1], ignore_index=2).item()
    logp = logits.log_softmax(axis=1)
    assert nn.NLLLoss(weight=w)(logp, y).item() == F.nll_loss(logp, y, weight=w).item()
    x, t = Tensor([0.5, -1.0]), [1.0, 0.0]
    assert nn.BCEWithLogitsLoss(pos_weight=[3.0])(x, t).item() == \
        F.binary_cross_entropy_with_logits(x, t, pos_weight=[3.0]).item()
    assert nn.BCELoss(weight=[2.0, 1.0])(x.sigmoid(), t).item() == \
        F.binary_cross_entropy(x.sigmoid(), t, weight=[2.0, 1.0]).item()


# ----------------------------------------------------------------------------------------------- one_hot, softmax dim


def test_one_hot_matches_torch(torch):
    labels = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(F.one_hot(labels, 4).data,
                                  torch.nn.functional.one_hot(torch.tensor(labels), 4).numpy())
    np.testing.assert_array_equal(F.one_hot([0, 3]).data, torch.nn.functional.one_hot(torch.tensor([0, 3])).numpy())
    assert F.one_hot([1], 2).dtype == np.int64


def test_one_hot_errors():
    with pytest.raises(ValueError, match="label 3 is out of range for num_classes=3"):
        F.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="integer labels"):
        F.one_hot(np.array([0.0, 1.0]), 2)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_dim_follows_torch_and_warns(torch, shape, name):
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        ours = getattr(F, name)(Tensor(x, dtype=np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_softmax_with_dim_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(Tensor(np.ones((2, 3))), dim=-1)
        nn.Softmax(dim=1)(np.ones((2, 3)))
