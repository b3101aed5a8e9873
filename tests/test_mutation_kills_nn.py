"""Specifications that kill the mutants of the nn files (losses, linear layers, optimizers) that survived the suite.

Where we use a PyTorch name we mean PyTorch's behaviour, so most tests here run the same computation through
tinygrad_edu and through PyTorch (float64, skipped cleanly without torch) and compare values and gradients. Every
gradient comes from a random incoming gradient (not 1), and every input is used twice (the op, plus a second
term with its own random weights), so a chain rule that overwrites (`=`) instead of adding (`+=`) fails. The
tests pin behaviour (numbers, dtypes, shapes, which inputs get a gradient, op names, errors), never how an op
computes it: a faster `_linear` or fused cross-entropy must pass them unchanged.
"""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, optim
from tinygrad_edu.nn import functional as F

RNG = np.random.default_rng(20261126)
REDUCTIONS = ["mean", "sum", "none"]


def _arr(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape)


def run_twice(torch, ours, theirs, arrays, needs=None, g_seed=0, rtol=1e-9):
    """Run `ours` on Tensors and `theirs` on torch tensors (float64) with the same inputs, each input used twice:
    loss = sum(out * G) + sum_i sum(x_i * K_i), G and K_i random. Compare the outputs and every gradient."""
    rng = np.random.default_rng(g_seed)
    needs = [True] * len(arrays) if needs is None else needs
    mine = [Tensor(np.array(a, dtype=np.float64), requires_grad=n, dtype=np.float64) for a, n in zip(arrays, needs)]
    ref = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=n) for a, n in zip(arrays, needs)]
    out, want = ours(*mine), theirs(*ref)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-10, atol=1e-12, equal_nan=True,
                               err_msg="value")
    assert out.shape == tuple(want.shape)
    if not any(needs):
        assert not out.requires_grad, "no input requires grad, yet a graph was recorded"
        return out
    G = rng.uniform(0.5, 1.5, size=out.shape) * rng.choice([-1, 1], size=out.shape)
    Ks = [rng.uniform(-1, 1, size=np.shape(a)) for a in arrays]
    total = (out * Tensor(G, dtype=np.float64)).sum()
    ref_total = (want * torch.tensor(G)).sum()
    for x, r, K, n in zip(mine, ref, Ks, needs):
        if n:
            total = total + (x * Tensor(K, dtype=np.float64)).sum()
            ref_total = ref_total + (r * torch.tensor(K)).sum()
    total.backward()
    ref_total.backward()
    for k, (x, r, n) in enumerate(zip(mine, ref, needs)):
        if not n:
            assert x.grad is None, f"input {k} does not require grad but got one"
            continue
        expected = np.zeros(r.shape) if r.grad is None else r.grad.numpy()
        np.testing.assert_allclose(x.grad, expected, rtol=rtol, atol=1e-10, equal_nan=True,
                                   err_msg=f"gradient of input {k}")
    return out


# ------------------------------------------------------------------------------------------------ linear layers

LINEAR_CASES = {
    "2-D": ((5, 3), (4, 3), (4,)),
    "batched 3-D": ((2, 5, 3), (4, 3), (4,)),
    "no bias": ((5, 3), (4, 3), None),
    "one row": ((1, 3), (2, 3), (2,)),
}


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("case", LINEAR_CASES)
@pytest.mark.parametrize("needs", [(True, True, True), (False, True, False), (True, False, False),
                                   (False, False, True)])
def test_linear_and_linear_relu_match_torch(torch, case, relu, needs):
    """F.linear(x, W, b) = x @ W.T + b and linear_relu = relu of it, with PyTorch's values and gradients for
    every combination of inputs that require grad (a constant input gets no grad)."""
    shapes = LINEAR_CASES[case]
    arrays = [_arr(*s) for s in shapes if s is not None]
    needs = list(needs[:len(arrays)])
    ours_fn = F.linear_relu if relu else F.linear
    post = torch.relu if relu else (lambda t: t)
    run_twice(torch, lambda *t: ours_fn(*t), lambda *t: post(torch.nn.functional.linear(*t)), arrays, needs)


@pytest.mark.parametrize("relu", [False, True])
def test_linear_with_a_weight_stored_transposed(torch, relu):
    """nn.Linear keeps W as the transpose of an (in, out) array (Fortran order): the gradient is the same."""
    x, w, b = _arr(6, 3), _arr(3, 4).T, _arr(4)
    mine_w = Tensor(np.asfortranarray(w), requires_grad=True, dtype=np.float64)
    assert mine_w.data.flags.f_contiguous and not mine_w.data.flags.c_contiguous
    tw = torch.tensor(np.ascontiguousarray(w), requires_grad=True)
    X = Tensor(x, requires_grad=True, dtype=np.float64)
    B = Tensor(b, requires_grad=True, dtype=np.float64)
    tx, tb = torch.tensor(x, requires_grad=True), torch.tensor(b, requires_grad=True)
    G = _arr(6, 4)
    out = (F.linear_relu if relu else F.linear)(X, mine_w, B)
    ref = torch.nn.functional.linear(tx, tw, tb)
    ref = torch.relu(ref) if relu else ref
    (out * Tensor(G, dtype=np.float64)).sum().backward()
    (ref * torch.tensor(G)).sum().backward()
    for mine, theirs in ((X, tx), (mine_w, tw), (B, tb)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert mine_w.grad.shape == (4, 3)


def test_linear_relu_gradient_at_special_outputs(torch):
    """linear_relu's backward is relu's: 0 where the output is <= 0 even for an infinite incoming gradient
    (not inf * 0 = nan), and the incoming gradient passes where the output is NaN (as torch's relu)."""
    x = np.array([[1.0, -2.0], [0.5, 1.5]])
    w = np.array([[1.0, 1.0], [-1.0, 0.0], [0.5, 0.25]])
    b = np.array([0.0, 0.0, np.nan])
    G = np.array([[np.inf, 0.3, -0.7], [0.2, 1.1, 0.4]])  # inf where output 0 is negative (row 0: -1)
    X, W, B = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.linear_relu(X, W, B)
    ref = torch.relu(torch.nn.functional.linear(tx, tw, tb))
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    out.backward(G)
    ref.backward(torch.tensor(G))
    np.testing.assert_allclose(W.grad, tw.grad.numpy(), equal_nan=True)
    np.testing.assert_allclose(B.grad, tb.grad.numpy(), equal_nan=True)
    assert np.isfinite(W.grad[:2]).all() and np.isfinite(W.grad[2]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_keeps_dtype_and_names_its_op(dtype):
    """The output and every gradient keep the parameters' dtype; the op is called `linear` (`linear+relu` for
    the fused layer), the name pictures and the player show."""
    x = Tensor(_arr(3, 2).astype(dtype), requires_grad=True, dtype=dtype)
    w = Tensor(_arr(4, 2).astype(dtype), requires_grad=True, dtype=dtype)
    b = Tensor(_arr(4).astype(dtype), requires_grad=True, dtype=dtype)
    for fn, op in ((F.linear, "linear"), (F.linear_relu, "linear+relu")):
        out = fn(x, w, b)
        assert out._op == op and out.dtype == dtype and out.shape == (3, 4) and out.requires_grad
        assert out._parents[0] is x and out._parents[1] is w and out._parents[2] is b
        out.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == dtype
    assert F.linear(x, w)._parents == (x, w)


def test_linear_errors():
    """An integer input (raw pixels) is a TypeError that says to convert it; a shape that does not fit the
    weight is a ValueError naming both shapes; a 0-d input too."""
    w = Tensor(np.ones((4, 3)), requires_grad=True)
    with pytest.raises(TypeError, match=r"linear: the input has dtype int64 but the weight is float32"):
        F.linear(Tensor(np.ones((2, 3), dtype=np.int64)), w)
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\) does not fit weight of shape \(4, 3\) "
                                         r"\(its last axis must be 3\)"):
        F.linear(Tensor(np.ones((2, 5))), w)
    with pytest.raises(ValueError, match=r"input of shape \(\) does not fit"):
        F.linear(Tensor(1.0), w)
    assert F.linear(Tensor(np.ones(3)), w).shape == (4,)  # one sample without a batch axis, as torch


# ------------------------------------------------------------------------------------------------ binary losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(torch, reduction, weighted):
    """BCE's value and gradients (for the probabilities and a target that requires grad) as torch's, with and
    without a per-element weight, for each reduction."""
    p, y = _arr(3, 4, lo=0.05, hi=0.95), _arr(3, 4, lo=0.0, hi=1.0)
    w = _arr(4, lo=0.2, hi=2.0) if weighted else None
    tw = None if w is None else torch.tensor(w)
    run_twice(torch, lambda a, b: F.binary_cross_entropy(a, b, reduction, weight=w),
              lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, tw, reduction=reduction), [p, y])


def test_binary_cross_entropy_at_zero_and_one(torch):
    """At p = 0 or 1 each log is clamped at -100 (a loss of 100, not inf) and the gradient is torch's:
    -1e12 / +1e12 against a wrong target, 0 against the right one; quietly (no numpy warning)."""
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_twice(torch, lambda a: F.binary_cross_entropy(a, y, "none"),
                  lambda a: torch.nn.functional.binary_cross_entropy(a, torch.tensor(y), reduction="none"), [p],
                  rtol=1e-7)  # the random second use adds O(1) to 1e12
    loss = F.binary_cross_entropy(Tensor(p, requires_grad=True, dtype=np.float64), y, "none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])


def test_binary_cross_entropy_dtype_op_and_checks():
    """float32 stays float32; the op is `binary_cross_entropy`; integer 0/1 targets work; probabilities outside
    [0, 1] and a weight of the wrong shape are ValueErrors naming the loss."""
    p = Tensor(np.array([0.2, 0.9], dtype=np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([0, 1]), "none")
    assert loss._op == "binary_cross_entropy" and loss.dtype == np.float32
    np.testing.assert_allclose(loss.data, [-np.log(0.8), -np.log(0.9)], rtol=1e-6)
    for bad in (-0.01, 1.01):
        with pytest.raises(ValueError, match=r"binary_cross_entropy expects probabilities in \[0, 1\]"):
            F.binary_cross_entropy(Tensor([0.5, bad]), np.array([1.0, 0.0]))
    F.binary_cross_entropy(Tensor([0.0, 1.0]), np.array([1.0, 0.0]))  # the edges are allowed
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: weight of shape \(3,\) does not broadcast"):
        F.binary_cross_entropy(Tensor([0.5, 0.5]), np.array([1.0, 0.0]), weight=np.ones(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits_matches_torch(torch, reduction, options):
    """BCE on logits with torch's `weight` (per element) and `pos_weight` (per class, the last axis): values
    and gradients for the logits and for a target that requires grad."""
    x, y = _arr(3, 4, lo=-4, hi=4), _arr(3, 4, lo=0.0, hi=1.0)
    w = _arr(3, 1, lo=0.2, hi=2.0) if options in ("weight", "both") else None
    pw = _arr(4, lo=0.2, hi=3.0) if options in ("pos_weight", "both") else None
    tw, tpw = (None if a is None else torch.tensor(a) for a in (w, pw))
    run_twice(torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction, weight=w, pos_weight=pw),
              lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, tw, reduction=reduction,
                                                                                pos_weight=tpw), [x, y])


def test_binary_cross_entropy_with_logits_weights_that_require_grad(torch):
    """torch does not differentiate `weight` or `pos_weight`; ours does when they are Tensors that require grad
    (the loss is linear in each: d/dw = the unweighted loss, d/dpos_weight = y softplus(-x) summed over the
    batch), and gives torch's value and input gradients meanwhile. A constant weight takes the input's dtype."""
    x, y, w, pw = _arr(2, 3), _arr(2, 3, lo=0, hi=1), _arr(2, 3, lo=0.5, hi=1.5), _arr(3, lo=0.5, hi=2)
    W, PW = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (w, pw))
    run_twice(torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, "sum", weight=W, pos_weight=PW),
              lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(
                  a, b, torch.tensor(w), reduction="sum", pos_weight=torch.tensor(pw)), [x, y])
    W, PW = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (w, pw))
    loss = F.binary_cross_entropy_with_logits(Tensor(x, dtype=np.float64), Tensor(y, dtype=np.float64), "sum",
                                              weight=W, pos_weight=PW)
    (loss * 0.5 + (W * 2.0).sum() + PW.sum() * 3.0).backward()
    tx, ty = torch.tensor(x), torch.tensor(y)
    unweighted = torch.nn.functional.binary_cross_entropy_with_logits(tx, ty, reduction="none",
                                                                      pos_weight=torch.tensor(pw)).numpy()
    np.testing.assert_allclose(W.grad, 0.5 * unweighted + 2.0, rtol=1e-10)
    softplus = torch.nn.functional.softplus(-tx).numpy()
    np.testing.assert_allclose(PW.grad, 0.5 * (w * y * softplus).sum(axis=0) + 3.0, rtol=1e-10)
    x32 = Tensor(x.astype(np.float32), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x32, y, weight=Tensor(w), pos_weight=Tensor(pw, dtype=np.float64))
    assert loss.dtype == np.float32
    want = torch.nn.functional.binary_cross_entropy_with_logits(tx, ty, torch.tensor(w), pos_weight=torch.tensor(pw))
    assert loss.item() == pytest.approx(want.item(), rel=1e-5)


def test_binary_cross_entropy_with_logits_checks():
    """pos_weight and weight must broadcast to the input's shape: a ValueError naming the shapes otherwise."""
    x, y = Tensor(np.zeros((2, 3))), np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: pos_weight of shape \(2,\) does not "
                                         r"broadcast to the input's shape \(2, 3\)"):
        F.binary_cross_entropy_with_logits(x, y, pos_weight=np.ones(2))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: weight of shape \(4,\) does not "
                                         r"broadcast to the loss's shape \(2, 3\)"):
        F.binary_cross_entropy_with_logits(x, y, weight=np.ones(4))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2, 3, 1\) does not broadcast"):
        F.binary_cross_entropy_with_logits(x, y, pos_weight=np.ones((2, 3, 1)))  # broadcasts, but to a bigger shape
    with pytest.raises(ValueError, match=r"^binary_cross_entropy_with_logits: batch sizes differ: input has 2 "):
        F.binary_cross_entropy_with_logits(x, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"^binary_cross_entropy_with_logits: input has shape \(2, 3\) but target "):
        F.binary_cross_entropy_with_logits(x, np.zeros((2, 2)))


# ------------------------------------------------------------------------------------------------ regression losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_mse_and_l1_match_torch(torch, name, reduction):
    """mse_loss and l1_loss: values and gradients for both arguments, each reduction."""
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    run_twice(torch, lambda a, b: ours(a, b, reduction), lambda a, b: theirs(a, b, reduction=reduction),
              [_arr(3, 2), _arr(3, 2)])


def test_regression_losses_take_integer_targets_in_the_inputs_dtype():
    """Integer (and bool) targets become floats of the input's dtype; the loss keeps float32."""
    x = Tensor(np.array([0.5, 1.5, 2.0], dtype=np.float32), requires_grad=True)
    for fn, want in ((F.mse_loss, (0.25 + 0.25 + 1.0) / 3), (F.l1_loss, (0.5 + 0.5 + 1.0) / 3)):
        loss = fn(x, np.array([1, 1, 3]))
        assert loss.dtype == np.float32 and loss.item() == pytest.approx(want, rel=1e-6)
        assert fn(x, np.array([True, True, False]), "sum").dtype == np.float32
    assert F.mse_loss(x, Tensor([1.0, 1.0, 3.0], dtype=np.float64)).dtype == np.float64  # a float target stays


def test_shape_errors_name_the_shapes():
    """Different batch sizes, a reshape-able mismatch and a per-sample count mismatch each say what to do."""
    with pytest.raises(ValueError, match=r"mse_loss: batch sizes differ: input has 3 samples \(shape \(3, 1\)\), "
                                         r"target has 2 \(shape \(2,\)\)"):
        F.mse_loss(Tensor(np.zeros((3, 1))), np.zeros(2))
    with pytest.raises(ValueError, match=r"l1_loss: input has shape \(3, 1\) but target has shape \(3,\); they must "
                                         r"match \(reshape one, e\.g\. target\.reshape\(3, 1\)\)"):
        F.l1_loss(Tensor(np.zeros((3, 1))), np.zeros(3))
    with pytest.raises(ValueError, match=r"input has 2 values per sample but the target has 1: give the model 1 "
                                         r"output\(s\) \(its last layer Linear\(\.\.\., 1\)\)"):
        F.mse_loss(Tensor(np.zeros((3, 2))), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"target\.reshape\(\)"):
        F.mse_loss(Tensor(0.0), np.zeros(1))
    with pytest.raises(ValueError, match=r"^mse_loss: input has shape \(\) but target has shape \(3,\); they must "
                                         r"match \(reshape one, e\.g\. target\.reshape\(\)\)"):
        F.mse_loss(Tensor(0.0), np.zeros(3))  # one 0-d side: a reshape hint, not a per-sample count
    with pytest.raises(ValueError, match=r"^l1_loss: input has shape \(3,\) but target has shape \(\); they must "
                                         r"match \(reshape one, e\.g\. target\.reshape\(3\)\)"):
        F.l1_loss(Tensor(np.zeros(3)), 0.0)


def test_reduction_checks():
    """A reduction that is not a string is a TypeError that says to pass weight by keyword (torch's third
    argument is not ours); an unknown name is a ValueError listing the choices."""
    with pytest.raises(TypeError, match=r"^reduction must be one of \('mean', 'sum', 'none'\), got a ndarray; a "
                                        r"loss's third argument is `reduction` here \(PyTorch's third is a deprecated "
                                        r"one or `weight`\): pass weight=\.\.\. by keyword$"):
        F.mse_loss(Tensor([1.0]), [1.0], np.ones(1))
    with pytest.raises(ValueError, match=r"^unknown reduction 'avg'; choose one of \('mean', 'sum', 'none'\)$"):
        F.cross_entropy(Tensor(np.zeros((1, 2))), [0], "avg")
    for fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits, F.nll_loss,
               F.cross_entropy):
        with pytest.raises(TypeError, match=r"got a NoneType"):
            fn(Tensor(np.full((1, 2), 0.5)), [0], None)
        for reduction in REDUCTIONS:  # every valid name passes the check
            fn(Tensor(np.full((1, 2), 0.5)), np.array([[0.0, 1.0]]) if fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy,
               F.binary_cross_entropy_with_logits) else [0], reduction)
    assert F.REDUCTIONS == ("mean", "sum", "none")


def test_as_tensor_keeps_a_tensor_and_makes_constants():
    """as_tensor returns a Tensor itself; anything else becomes a constant (float32 for float data)."""
    t = Tensor([1.0], requires_grad=True)
    assert F.as_tensor(t) is t
    c = F.as_tensor([1.5, 2.5])
    assert isinstance(c, Tensor) and c.dtype == np.float32 and not c.requires_grad


# ------------------------------------------------------------------------------------------------ class-label losses


def _torch_ce(torch, labels, reduction, weight, ignore_index, smoothing):
    w = None if weight is None else torch.tensor(weight)
    return lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(labels), w, ignore_index=ignore_index,
                                                       reduction=reduction, label_smoothing=smoothing)


CE_OPTIONS = {
    "plain": (None, -100, 0.0),
    "weight": ("w", -100, 0.0),
    "ignore -100": (None, -100, 0.0, "ignored"),
    "ignore a class": (None, 1, 0.0),
    "smoothing": (None, -100, 0.3),
    "all": ("w", 2, 0.2),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("option", CE_OPTIONS)
def test_cross_entropy_matches_torch(torch, option, reduction):
    """cross_entropy with torch's weight / ignore_index / label_smoothing, each reduction: values and gradients
    (the weighted mean divides by the weights of the samples that count)."""
    weight, ignore_index, smoothing = CE_OPTIONS[option][:3]
    labels = np.array([0, 2, 1, 3, 1, 2])
    if option == "ignore -100":
        labels[[1, 4]] = -100
    w = _arr(4, lo=0.3, hi=2.0) if weight else None
    run_twice(torch, lambda x: F.cross_entropy(x, labels, reduction, weight=w, ignore_index=ignore_index,
                                               label_smoothing=smoothing),
              _torch_ce(torch, labels, reduction, w, ignore_index, smoothing), [_arr(6, 4, lo=-3, hi=3)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("option", ["plain", "weight", "ignore a class", "all"])
def test_nll_loss_matches_torch(torch, option, reduction):
    """nll_loss on log-probabilities with torch's weight and ignore_index, each reduction."""
    weight, ignore_index = CE_OPTIONS[option][:2]
    labels = np.array([0, 2, 1, 3, 1, 2])
    w = _arr(4, lo=0.3, hi=2.0) if weight else None
    tw = None if w is None else torch.tensor(w)
    logp = np.log(_arr(6, 4, lo=0.05, hi=1.0))
    run_twice(torch, lambda x: F.nll_loss(x, labels, reduction, weight=w, ignore_index=ignore_index),
              lambda x: torch.nn.functional.nll_loss(x, torch.tensor(labels), tw, ignore_index=ignore_index,
                                                     reduction=reduction), [logp])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_every_sample_ignored(torch, reduction):
    """Every label ignored: the mean is 0/0 = nan as in torch (quietly), the sum 0; the gradient is 0."""
    labels = np.array([-100, -100])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn, tfn in ((F.cross_entropy, torch.nn.functional.cross_entropy),
                        (F.nll_loss, torch.nn.functional.nll_loss)):
            x = Tensor(_arr(2, 3), requires_grad=True, dtype=np.float64)
            out = fn(x, labels, reduction)
            want = tfn(torch.tensor(x.data), torch.tensor(labels), reduction=reduction)
            np.testing.assert_allclose(out.data, want.numpy(), equal_nan=True)
            (out * 0.6).sum().backward() if reduction != "mean" else out.backward()
            np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_training_case(torch, dtype):
    """The plain training loss (integer labels, mean): torch's value and gradient, in the logits' own dtype,
    an op named `cross_entropy(mean)` whose parents are the logits and the labels (a constant)."""
    z = _arr(5, 3, lo=-4, hi=4).astype(dtype)
    labels = np.array([2, 0, 1, 1, 2], dtype=np.int64)
    x = Tensor(z, requires_grad=True, dtype=dtype)
    loss = F.cross_entropy(x, labels)
    assert loss._op == "cross_entropy(mean)" and loss.dtype == dtype and loss.shape == ()
    assert loss._parents[0] is x and not loss._parents[1].requires_grad
    np.testing.assert_array_equal(loss._parents[1].data, labels)
    tz = torch.tensor(z.astype(np.float64), requires_grad=True)
    ref = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
    (loss * 0.37 + (x * x).sum() * 0.5).backward()
    (ref * 0.37 + (tz * tz).sum() * 0.5).backward()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert loss.item() == pytest.approx(ref.item(), rel=tol)
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad, tz.grad.numpy(), rtol=tol * 10, atol=tol)
    labels_t = Tensor(labels)
    assert F.cross_entropy(x, labels_t)._parents[1] is labels_t  # a Tensor of labels is used as it is
    u8 = F.cross_entropy(Tensor(z, dtype=np.float64), labels.astype(np.uint8))
    assert u8.item() == pytest.approx(ref.item(), rel=tol)


@pytest.mark.parametrize("ignore_index", [0, 1, 2, 3])
def test_cross_entropy_ignore_index_on_the_training_path(torch, ignore_index):
    """An ignore_index inside 0..C-1 drops exactly the samples with that label (the mean is over the others),
    as torch: whether some, all or none of the labels equal it; an ignore_index that no label uses changes
    nothing, the loss stays the one training op `cross_entropy(mean)`."""
    for labels in (np.array([0, 2, 1, 0, 1]), np.array([ignore_index] * 5)):
        z = _arr(5, 4, lo=-3, hi=3)
        x = Tensor(z, requires_grad=True, dtype=np.float64)
        out = F.cross_entropy(x, labels, ignore_index=ignore_index)
        want = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(labels), ignore_index=ignore_index)
        np.testing.assert_allclose(out.item(), want.item(), rtol=1e-12, equal_nan=True)
        if ignore_index not in labels:
            assert out._op == "cross_entropy(mean)"
            assert out.item() == pytest.approx(F.cross_entropy(Tensor(z, dtype=np.float64), labels).item(), rel=1e-15)
    run_twice(torch, lambda t: F.cross_entropy(t, np.array([0, 2, 1, 0, 1]), ignore_index=ignore_index),
              lambda t: torch.nn.functional.cross_entropy(t, torch.tensor([0, 2, 1, 0, 1]), ignore_index=ignore_index),
              [_arr(5, 4)])


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_class_losses_of_an_empty_batch(torch, fn):
    """A batch of no samples: the mean is nan (0 / 0) and the sum 0, as torch, without an error or a warning."""
    ours, theirs = getattr(F, fn), getattr(torch.nn.functional, fn)
    for reduction in REDUCTIONS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = ours(Tensor(np.zeros((0, 3)), dtype=np.float64), np.array([], dtype=np.int64), reduction)
        want = theirs(torch.zeros(0, 3, dtype=torch.float64), torch.zeros(0, dtype=torch.int64), reduction=reduction)
        assert out.shape == tuple(want.shape)
        np.testing.assert_allclose(out.data, want.numpy(), equal_nan=True)


def test_cross_entropy_of_huge_and_infinite_logits(torch):
    """Logits of +-1e4 give exact finite losses (log_softmax, never log(softmax)); an inf or nan logit gives
    torch's inf / nan without numpy warnings."""
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    labels = np.array([1, 2])
    run_twice(torch, lambda x: F.cross_entropy(x, labels), lambda x: torch.nn.functional.cross_entropy(
        x, torch.tensor(labels)), [big])
    for row in ([np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0], [-np.inf, 0.0, 1.0]):
        z = np.array([row, [0.5, 0.1, -0.2]])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = F.cross_entropy(Tensor(z, dtype=np.float64), np.array([1, 0]))
        want = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor([1, 0]))
        np.testing.assert_allclose(out.item(), want.item(), equal_nan=True)


def test_nll_loss_with_minus_infinity_off_the_label(torch):
    """A log-probability of -inf in a column that is not the label costs nothing (indexing, not a product)."""
    logp = np.array([[-np.inf, -0.1, -2.5], [-0.7, -np.inf, -0.9]])
    labels = np.array([1, 2])
    for reduction in REDUCTIONS:
        run_twice(torch, lambda x: F.nll_loss(x, labels, reduction),
                  lambda x: torch.nn.functional.nll_loss(x, torch.tensor(labels), reduction=reduction), [logp])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "smoothing", "both"])
def test_cross_entropy_with_class_probabilities(torch, options, reduction):
    """Float targets of the input's shape are class probabilities: torch's formula with weight and smoothing
    (the mean divides by N), and the target gets its gradient when it requires one."""
    w = _arr(3, lo=0.3, hi=2.0) if options in ("weight", "both") else None
    smoothing = 0.25 if options in ("smoothing", "both") else 0.0
    tw = None if w is None else torch.tensor(w)
    t = RNG.dirichlet(np.ones(3), size=4)
    run_twice(torch, lambda x, y: F.cross_entropy(x, y, reduction, weight=w, label_smoothing=smoothing),
              lambda x, y: torch.nn.functional.cross_entropy(x, y, tw, reduction=reduction,
                                                             label_smoothing=smoothing), [_arr(4, 3), t])
    x32 = Tensor(_arr(4, 3).astype(np.float32), requires_grad=True)
    assert F.cross_entropy(x32, t, reduction, weight=w, label_smoothing=smoothing).dtype == np.float32


def test_cross_entropy_with_class_probabilities_as_an_array(torch):
    """Probabilities given as a plain array are constants (no gradient), in the input's dtype."""
    z, t = _arr(3, 4), RNG.dirichlet(np.ones(4), size=3)
    x = Tensor(z, requires_grad=True, dtype=np.float64)
    out = F.cross_entropy(x, t)
    want = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(t))
    assert out.item() == pytest.approx(want.item(), rel=1e-12)
    assert F.cross_entropy(Tensor(z.astype(np.float32)), t).dtype == np.float32
    with pytest.raises(ValueError, match=r"^cross_entropy: weight must have one entry per class, shape \(4,\), got "
                                         r"\(3,\)"):
        F.cross_entropy(x, t, weight=np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = F.cross_entropy(Tensor(np.zeros((0, 4)), dtype=np.float64), np.zeros((0, 4)))
    assert np.isnan(empty.item())  # an empty batch's mean is nan, as torch's
    assert np.isnan(torch.nn.functional.cross_entropy(torch.zeros(0, 4), torch.zeros(0, 4)).item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_one_sample_without_a_batch_axis(torch, reduction):
    """Scores (C,) with one label (0-d), as torch allows, for nll_loss and cross_entropy with every option;
    and (C,) class probabilities for cross_entropy. "none" gives a 0-d loss."""
    w = np.array([0.5, 2.0, 1.5])
    tw = torch.tensor(w)
    for label in (1, 2):
        for ignore_index in (-100, 2):
            run_twice(torch, lambda x: F.nll_loss(x, np.array(label), reduction, weight=w, ignore_index=ignore_index),
                      lambda x: torch.nn.functional.nll_loss(x, torch.tensor(label), tw, ignore_index=ignore_index,
                                                             reduction=reduction), [np.log([0.2, 0.5, 0.3])])
            run_twice(torch, lambda x: F.cross_entropy(x, np.array(label), reduction, weight=w,
                                                       ignore_index=ignore_index, label_smoothing=0.2),
                      lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(label), tw, ignore_index=ignore_index,
                                                                  reduction=reduction, label_smoothing=0.2),
                      [_arr(3)])
    p = np.array([0.2, 0.3, 0.5])
    run_twice(torch, lambda x, y: F.cross_entropy(x, y, reduction, weight=w, label_smoothing=0.1),
              lambda x, y: torch.nn.functional.cross_entropy(x, y, tw, reduction=reduction, label_smoothing=0.1),
              [_arr(3), p])
    z = _arr(3)
    want = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(p), reduction=reduction).item()
    for target in (p, list(p)):  # an array or a list of probabilities: a constant target, in the input's dtype
        out = F.cross_entropy(Tensor(z, dtype=np.float64), target, reduction)
        assert out.shape == () and out.item() == pytest.approx(want, rel=1e-14)


def test_op_names_of_the_class_losses():
    """The loss op's name says its reduction (`nll_loss(mean)`, ...): pictures and the player show it; one
    sample without a batch axis is the same op for "mean" and "sum"."""
    logp = Tensor(np.log([[0.2, 0.8], [0.6, 0.4]]), requires_grad=True)
    for reduction in REDUCTIONS:
        assert F.nll_loss(logp, [1, 0], reduction)._op == f"nll_loss({reduction})"
    for reduction in ("mean", "sum"):
        assert F.nll_loss(logp[0], np.array(1), reduction)._op == f"nll_loss({reduction})"
        assert F.cross_entropy(logp[0], np.array(1), reduction, weight=[1.0, 2.0])._op == f"nll_loss({reduction})"
    assert F.cross_entropy(logp, [1, 0], weight=[1.0, 2.0])._op == "nll_loss(mean)"


def test_class_loss_errors():
    """Wrong shapes, dtypes and labels are errors that name the loss and say what to do."""
    x = Tensor(np.zeros((2, 3)))
    for name, fn in (("nll_loss", F.nll_loss), ("cross_entropy", F.cross_entropy)):
        what = "log-probabilities" if name == "nll_loss" else "logits"
        with pytest.raises(ValueError, match=rf"^{name} expects {what} of shape \(batch, classes\), got shape "
                                             r"\(2, 3, 1\)"):
            fn(Tensor(np.zeros((2, 3, 1))), [0, 1])
        with pytest.raises(ValueError, match=rf"^{name}: label 3 is out of range for 3 classes \(labels must be "
                                             r"0\.\.2\)"):
            fn(x, [0, 3])
        with pytest.raises(ValueError, match=rf"^{name}: label -1 is out of range"):
            fn(x, [-1, 0])
        with pytest.raises(ValueError, match=rf"^{name} needs one class index per sample, shape \(2,\), but the "
                                             r"target has shape \(2, 3\), like one-hot rows"):
            fn(x, np.eye(3, dtype=np.int64)[[0, 1]])
        with pytest.raises(TypeError, match=rf"^{name} needs integer class labels \(0\.\.2\), got target of dtype "
                                            r"float64; convert with y\.astype\(np\.int64\)"):
            fn(x, np.array([0.0, 1.0]))
        with pytest.raises(ValueError, match=rf"^{name} needs one label per sample, a 1-D target, got shape "
                                             r"\(2, 1\)"):
            fn(x, np.array([[0], [1]]))
        with pytest.raises(ValueError, match=rf"^{name}: batch sizes differ: input has 2 samples, target has 3 "
                                             r"labels"):
            fn(x, [0, 1, 2])
        with pytest.raises(ValueError, match=rf"^{name}: weight must have one entry per class, shape \(3,\), got "
                                             r"\(2,\)"):
            fn(x, [0, 1], weight=np.ones(2))
        with pytest.raises(ValueError, match=rf"^{name} expects {what} of shape \(batch, classes\), got shape "
                                             r"\(3,\)"):
            fn(Tensor(np.zeros(3)), np.array([0.2, 0.3, 0.5]) if name == "nll_loss" else np.array([0, 1, 2]))
        with pytest.raises(ValueError, match=r"unknown reduction"):
            fn(x, [0, 1], "mean ")
    with pytest.raises(ValueError, match=r"^cross_entropy needs one class index per sample, shape \(2,\), but the "
                                         r"target has shape \(2, 2\), like one-hot rows"):
        F.cross_entropy(Tensor(np.zeros((2, 2))), np.eye(2, dtype=np.int64))  # two classes: one-hot rows too
    with pytest.raises(ValueError, match=r"^nll_loss needs one label per sample, a 1-D target, got shape \(2, 1\)"):
        F.nll_loss(Tensor(np.zeros((2, 1))), np.zeros((2, 1), dtype=np.int64))  # one class: a column, not one-hot
    for bad in (-0.1, 1.1):
        with pytest.raises(ValueError, match=rf"cross_entropy: label_smoothing must be in \[0, 1\], got {bad}"):
            F.cross_entropy(x, [0, 1], label_smoothing=bad)
    F.cross_entropy(x, [0, 1], label_smoothing=1.0)  # the edges are allowed
    assert np.isfinite(F.cross_entropy(x, [0, -100], ignore_index=-100).item())  # ignore_index is not "out of range"
    with pytest.raises(ValueError, match="label -100 is out of range"):
        F.cross_entropy(x, [0, -100], ignore_index=-1)
    with pytest.raises(ValueError, match="cross_entropy needs one class index per sample"):
        F.cross_entropy(x, np.eye(3, dtype=np.float64)[[0, 1]][:, :2].astype(np.int64).repeat(2, axis=1)[:, :3])


def test_one_hot_matches_torch(torch):
    """one_hot as torch's: int64, num_classes=-1 takes the largest label + 1 (also for a single label), any
    leading shape, unsigned labels; an empty input needs num_classes; bad labels are clear errors."""
    for labels, n in ((np.array([2, 0, 1]), -1), (np.array([1]), -1), (np.array([[0, 3], [1, 1]]), 5),
                      (np.array([], dtype=np.int64), 4), (np.array(2), 3)):
        out = F.one_hot(labels, n)
        want = torch.nn.functional.one_hot(torch.tensor(labels), n).numpy()
        assert out.dtype == np.int64 and out.shape == want.shape
        np.testing.assert_array_equal(out.data, want)
    np.testing.assert_array_equal(F.one_hot(np.array([1, 0], dtype=np.uint8)).data, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(F.one_hot(Tensor(np.array([1, 0]))).data, [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"^one_hot of an empty tensor needs num_classes \(it cannot be inferred\)"):
        F.one_hot(np.array([], dtype=np.int64))
    with pytest.raises(TypeError, match=r"^one_hot needs integer labels, got dtype float64"):
        F.one_hot(np.array([1.0]))
    with pytest.raises(TypeError, match="one_hot needs integer labels, got dtype bool"):
        F.one_hot(np.array([True]))
    for labels in ([0, 3], [-1, 0]):
        with pytest.raises(ValueError, match=rf"^one_hot: label {labels[1] if labels[1] == 3 else -1} is out of "
                                             r"range for num_classes=3"):
            F.one_hot(np.array(labels), 3)


# ------------------------------------------------------------------------------------------------ softmax's dim


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_dim_matches_torch(torch, name):
    """An explicit dim is used for every rank; without one, torch's implicit choice (0 for 0-, 1- and 3-D, 1
    otherwise) with torch's deprecation warning, word for word."""
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    for shape in ((3,), (2, 3), (2, 3, 4), (2, 3, 2, 2)):
        for dim in range(-len(shape), len(shape)):
            run_twice(torch, lambda x: ours(x, dim=dim), lambda x: theirs(x, dim=dim), [_arr(*shape)])
        x = _arr(*shape)
        with pytest.warns(UserWarning) as record:
            out = ours(Tensor(x, dtype=np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = theirs(torch.tensor(x))
        np.testing.assert_allclose(out.data, want.numpy(), rtol=1e-12)
        assert [str(w.message) for w in record] == [
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
            "argument."]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours(Tensor(_arr(2, 3)), dim=1)  # no warning with a dim
        assert ours(Tensor(2.0), dim=0).item() == pytest.approx(1.0 if name == "softmax" else 0.0)
        ours([[1.0, 2.0]], dim=-1)  # a list becomes a Tensor


@pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ,
                    reason="under mutmut every call goes through a trampoline, so the caller's frame is mutmut's")
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_warning_names_the_callers_line(name):
    """The implicit-dim warning points at the line that called F.softmax, not at the library."""
    with pytest.warns(UserWarning) as record:
        getattr(F, name)(Tensor(np.zeros((2, 3))))
    assert record[0].filename == __file__


# ------------------------------------------------------------------------------------------------ optimizers


def _torch_steps(torch, cls, arrays, grads, kwargs):
    params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = cls(params, **kwargs)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params], opt


def _our_steps(cls, arrays, grads, kwargs):
    params = [Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    opt = cls(params, **kwargs)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else g.copy()
        opt.step()
    return [p.data for p in params], opt


OPTIMIZERS = {
    "SGD": ("SGD", {"lr": 0.1}),
    "SGD momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "SGD nesterov": ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    "SGD decay": ("SGD", {"lr": 0.1, "weight_decay": 0.3}),
    "SGD all": ("SGD", {"lr": 0.1, "momentum": 0.7, "weight_decay": 0.2, "nesterov": True}),
    "Adam defaults": ("Adam", {}),
    "Adam": ("Adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-3}),
    "Adam decay": ("Adam", {"lr": 0.05, "weight_decay": 0.4}),
    "AdamW defaults": ("AdamW", {}),
    "AdamW": ("AdamW", {"lr": 0.05, "betas": (0.7, 0.9), "eps": 1e-4, "weight_decay": 0.3}),
    "AdamW no decay": ("AdamW", {"lr": 0.05, "weight_decay": 0.0}),
    "RMSprop defaults": ("RMSprop", {}),
    "RMSprop centered": ("RMSprop", {"lr": 0.05, "alpha": 0.9, "centered": True}),
    "RMSprop momentum": ("RMSprop", {"lr": 0.05, "momentum": 0.6, "eps": 1e-3}),
    "RMSprop all": ("RMSprop", {"lr": 0.02, "alpha": 0.8, "momentum": 0.5, "weight_decay": 0.1, "centered": True}),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_match_torch(torch, name):
    """Five steps on two parameters (the second skips a step with grad None, so it has taken fewer steps) give
    torch.optim's parameters, with the defaults of each constructor left to each library (they must agree)."""
    cls_name, kwargs = OPTIMIZERS[name]
    arrays = [_arr(3, 2), _arr(4)]
    grads = [[_arr(3, 2), None if k == 2 else _arr(4)] for k in range(5)]
    ours, opt = _our_steps(getattr(optim, cls_name), arrays, grads, kwargs)
    theirs, topt = _torch_steps(torch, getattr(torch.optim, cls_name), arrays, grads, kwargs)
    for mine, want in zip(ours, theirs):
        np.testing.assert_allclose(mine, want, rtol=1e-10, atol=1e-12)
    if cls_name == "RMSprop":  # the running averages are torch's state (read by learners who print them)
        state = topt.state[topt.param_groups[0]["params"][0]]
        np.testing.assert_allclose(opt.square_avg[0], state["square_avg"].numpy(), rtol=1e-10)
        if kwargs.get("centered"):
            np.testing.assert_allclose(opt.grad_avg[0], state["grad_avg"].numpy(), rtol=1e-10)
        if kwargs.get("momentum"):
            np.testing.assert_allclose(opt.momentum_buffer[0], state["momentum_buffer"].numpy(), rtol=1e-10)


def test_optimizer_defaults_are_torchs(torch):
    """The defaults we share with torch.optim: Adam/AdamW lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0
    (AdamW 0.01); RMSprop lr 1e-2, alpha 0.99, eps 1e-8; SGD momentum 0, weight_decay 0, no Nesterov."""
    p = Tensor(np.zeros(2), requires_grad=True)
    tp = [torch.zeros(2, requires_grad=True)]
    for name, attrs in (("Adam", ("lr", "betas", "eps", "weight_decay")), ("AdamW", ("lr", "betas", "eps", "weight_decay")),
                        ("RMSprop", ("lr", "alpha", "eps", "weight_decay", "momentum", "centered"))):
        ours, theirs = getattr(optim, name)([p]), getattr(torch.optim, name)(tp).defaults
        for attr in attrs:
            assert getattr(ours, attr) == theirs[attr], (name, attr)
    sgd, tsgd = optim.SGD([p], lr=0.1), torch.optim.SGD(tp, lr=0.1).defaults
    assert (sgd.momentum, sgd.weight_decay, sgd.nesterov) == (tsgd["momentum"], tsgd["weight_decay"], tsgd["nesterov"])
    assert tsgd["dampening"] == 0 and torch.optim.Adam(tp).defaults["amsgrad"] is False  # the options we lack are off


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_optimizers_on_values_and_float32(torch, name):
    """The same update on scalar Values (Python floats) and on float32 tensors (which stay float32)."""
    kwargs = {"lr": 0.1, "momentum": 0.5} if name in ("SGD", "RMSprop") else {"lr": 0.1}
    grads = [0.3, -0.8, 0.5]
    v = Value(1.5)
    opt = getattr(optim, name)([v], **kwargs)
    t = Tensor(np.array([1.5], dtype=np.float32), requires_grad=True)
    topt = getattr(optim, name)([t], **kwargs)
    ref = torch.tensor([1.5], dtype=torch.float64, requires_grad=True)
    ropt = getattr(torch.optim, name)([ref], **kwargs)
    for g in grads:
        v.grad, t.grad, ref.grad = g, np.array([g], dtype=np.float32), torch.tensor([g], dtype=torch.float64)
        opt.step()
        topt.step()
        ropt.step()
    assert isinstance(v.data, float) and v.data == pytest.approx(ref.item(), rel=1e-12)
    assert t.data.dtype == np.float32 and t.data[0] == pytest.approx(ref.item(), rel=1e-5)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_no_weight_decay_leaves_the_gradient_alone(torch, name):
    """weight_decay=0 does not add 0 * p to the gradient: an infinite parameter with a finite gradient stays
    inf (0 * inf would be nan), as in torch."""
    arrays = [np.array([np.inf, 1.0])]
    grads = [[np.array([0.5, -0.5])], [np.array([0.25, 0.5])]]
    kwargs = {"lr": 0.1, "momentum": 0.5} if name != "Adam" else {"lr": 0.1}
    ours, _ = _our_steps(getattr(optim, name), arrays, grads, kwargs)
    theirs, _ = _torch_steps(torch, getattr(torch.optim, name), arrays, grads, kwargs)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[0][0] == np.inf


def test_sgd_momentum_buffer_is_not_the_gradient():
    """The first velocity is a copy of the gradient: changing the grad array in place afterwards (as
    accumulation does) does not change the velocity."""
    p = Tensor(np.zeros(2), requires_grad=True, dtype=np.float64)
    opt = optim.SGD([p], lr=1.0, momentum=0.5)
    p.grad = np.array([1.0, 2.0])
    opt.step()
    p.grad += 10.0
    np.testing.assert_array_equal(opt.velocity[0], [1.0, 2.0])
    opt.step()
    np.testing.assert_array_equal(p.data, [-1.0 - 11.5, -2.0 - 13.0])


def test_optimizer_step_and_zero_grad_cover_every_parameter():
    """step() updates every parameter that has a grad (also after one without), zero_grad() clears them all."""
    ps = [Tensor(np.ones(2), requires_grad=True, dtype=np.float64) for _ in range(3)]
    opt = optim.SGD(ps, lr=0.5)
    ps[0].grad, ps[2].grad = np.array([1.0, 2.0]), np.array([4.0, 4.0])
    opt.step()
    np.testing.assert_array_equal(np.stack([p.data for p in ps]), [[0.5, 0.0], [1.0, 1.0], [-1.0, -1.0]])
    opt.zero_grad()
    assert all(p.grad is None or not np.any(p.grad) for p in ps)
    assert opt.params == ps and opt.lr == 0.5 and opt.velocity == [None, None, None]


def test_optimizer_argument_errors():
    """Every mistake a learner makes with an optimizer's arguments is a clear error naming the argument."""
    from tinygrad_edu import nn

    p = Tensor(np.zeros(2), requires_grad=True)
    model = nn.Linear(2, 1)
    with pytest.raises(TypeError, match=r"^SGD needs the parameters, not the model: pass model\.parameters\(\)"):
        optim.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"^Adam got the method parameters itself; call it: model\.parameters\(\) "
                                        r"\(with parentheses\)"):
        optim.Adam(model.parameters)
    with pytest.raises(TypeError, match=r"^RMSprop got the method <lambda> itself"):
        optim.RMSprop(lambda: [p])
    with pytest.raises(TypeError, match=r"^SGD got the method parameters itself; call it"):
        optim.SGD(functools.partial(model.parameters), lr=0.1)  # a callable without a __name__
    optim.SGD(tuple(model.parameters()), lr=0.1)  # a tuple of parameters is fine
    with pytest.raises(ValueError, match=r"^optimizer got an empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match=r"^AdamW: parameter 1 is a ndarray, not a Tensor or Value"):
        optim.AdamW([p, np.zeros(2)])
    with pytest.raises(ValueError, match=r"^SGD: parameter 1 \(shape \(3,\)\) does not require grad, so it would "
                                         r"never change; make it with requires_grad=True"):
        optim.SGD([p, Tensor(np.zeros(3))], lr=0.1)
    optim.SGD([p, Value(1.0)], lr=0.1)  # Values are fine
    with pytest.raises(ValueError, match=r"^learning rate must be >= 0, got lr=-0\.1"):
        optim.SGD([p], lr=-0.1)
    for cls, kwargs in ((optim.SGD, {}), (optim.Adam, {})):
        with pytest.raises(TypeError, match=rf"^{cls.__name__}: lr must be a number, got str '0\.1' \(write "
                                            r"lr=0\.1, without quotes\)"):
            cls([p], lr="0.1", **kwargs)
    with pytest.raises(TypeError, match=r"^SGD: lr must be a number, got NoneType None$"):
        optim.SGD([p], lr=None)
    with pytest.raises(TypeError, match=r"^SGD: lr must be a number, got bool True$"):
        optim.SGD([p], lr=True)
    optim.SGD([p], lr=np.float32(0.1))
    optim.SGD([p], lr=np.int64(1))
    optim.SGD([p], lr=1)
    for name in ("momentum", "weight_decay"):
        with pytest.raises(TypeError, match=rf"^SGD: {name} must be a number, got str"):
            optim.SGD([p], lr=0.1, **{name: "0.5"})
        with pytest.raises(ValueError, match=rf"^{name} must be >= 0, got -0\.5"):
            optim.SGD([p], lr=0.1, **{name: -0.5})
    with pytest.raises(ValueError, match=r"^nesterov=True needs a momentum > 0"):
        optim.SGD([p], lr=0.1, nesterov=True)
    optim.SGD([p], lr=0.1, momentum=0.0, weight_decay=0.0)  # zero is allowed


def test_adam_and_rmsprop_argument_errors():
    """Adam checks each of betas[0], betas[1], eps, weight_decay (type and range) by name; RMSprop names the
    negative one."""
    p = Tensor(np.zeros(2), requires_grad=True)
    for cls in (optim.Adam, optim.AdamW):
        for i in (0, 1):
            betas = [0.9, 0.999]
            betas[i] = "0.5"
            with pytest.raises(TypeError, match=rf"^Adam: betas\[{i}\] must be a number, got str '0\.5'"):
                cls([p], betas=tuple(betas))
            for bad in (-0.1, 1.0):
                betas[i] = bad
                with pytest.raises(ValueError, match=rf"^betas\[{i}\] must be in \[0, 1\), got {bad}"):
                    cls([p], betas=tuple(betas))
        for name in ("eps", "weight_decay"):
            with pytest.raises(TypeError, match=rf"^Adam: {name} must be a number, got NoneType"):
                cls([p], **{name: None})
            with pytest.raises(ValueError, match=rf"^{name} must be >= 0, got -1"):
                cls([p], **{name: -1})
    for name in ("alpha", "eps", "weight_decay", "momentum"):
        with pytest.raises(ValueError, match=rf"^{name} must be >= 0, got -0\.5"):
            optim.RMSprop([p], **{name: -0.5})
    with pytest.raises(ValueError, match="learning rate"):
        optim.RMSprop([p], lr=-1.0)


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_integer_targets_take_the_input_dtype_exactly(loss, dtype):
    """Integer targets become the input's dtype (as PyTorch): a float64 input keeps 2**24 + 1 exact (float32 would
    round it to 2**24), and a float16 input gives a float16 loss."""
    fn = getattr(F, loss)
    big = 2 ** 24 + 1 if dtype == np.float64 else 3
    x = Tensor(np.array([0.0, 1.0]), dtype=dtype, requires_grad=True)
    out = fn(x, np.array([big, 1]))
    assert out.dtype == dtype
    if loss == "l1_loss" and dtype == np.float64:
        assert out.item() == (2 ** 24 + 1) / 2  # mean of |0 - 16777217| and |1 - 1|
