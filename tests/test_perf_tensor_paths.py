"""The Tensor fast paths compute what the general paths compute: fused cross-entropy, Linear's weight layout."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.classification import _nll


@settings(deadline=None)
@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**31 - 1), st.floats(-3, 3).filter(lambda g: g != 0))
def test_fused_cross_entropy_matches_log_softmax_then_nll(n, c, seed, incoming):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, c)) * 4
    labels = rng.integers(0, c, n)
    a = Tensor(logits, requires_grad=True, dtype=np.float64)
    b = Tensor(logits, requires_grad=True, dtype=np.float64)
    fused = F.cross_entropy(a, labels)
    general = _nll(b.log_softmax(axis=1), labels, "mean")
    assert fused._op == "cross_entropy(mean)" and general._op == "nll_loss(mean)"
    (fused * incoming).backward()
    (general * incoming).backward()
    np.testing.assert_allclose(fused.item(), general.item(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-10, atol=1e-12)


def test_fused_cross_entropy_gives_torchs_inf_and_nan_quietly():
    logits = Tensor(np.array([[np.inf, 0.0], [1.0, 2.0]], np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(logits, [0, 1])
        loss.backward()
    assert np.isnan(loss.item())  # torch: inf - inf in the log-sum-exp gives nan


def test_linear_weight_is_stored_transposed_but_looks_like_torchs():
    layer = nn.Linear(5, 3, seed=0)
    w = layer.weight.data
    assert w.shape == (3, 5) and w.flags.f_contiguous
    state = layer.state_dict()
    assert state["weight"].shape == (3, 5) and state["weight"].flags.c_contiguous
    np.testing.assert_array_equal(state["weight"], w)
    x = Tensor(np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32))
    layer(x).sum().backward()
    assert layer.weight.grad.shape == (3, 5) and layer.weight.grad.flags.f_contiguous  # W's own layout
    np.testing.assert_allclose(layer.weight.grad, np.ones((4, 3), np.float32).T @ x.data, rtol=1e-6)
    other = nn.Linear(5, 3, seed=1)
    other.load_state_dict(state)
    assert other.weight.data.flags.f_contiguous
    np.testing.assert_array_equal(other.weight.data, w)


def test_a_leaf_does_not_share_its_grad_with_a_later_step():
    layer = nn.Linear(2, 2, seed=0)
    x = Tensor(np.ones((1, 2), np.float32))
    layer(x).sum().backward()
    first = layer.weight.grad
    layer(x).sum().backward()  # accumulates into the same array (a leaf owns its grad)
    assert layer.weight.grad is first
    np.testing.assert_array_equal(first, 2 * np.ones((2, 2), np.float32))


@pytest.mark.parametrize("order", ["C", "F"])
def test_linear_gradient_is_right_for_either_weight_layout(order):
    rng = np.random.default_rng(2)
    w = Tensor(np.asarray(rng.normal(size=(3, 4)), order=order), requires_grad=True, dtype=np.float64)
    x = Tensor(rng.normal(size=(2, 4)), dtype=np.float64)
    g = rng.normal(size=(2, 3))
    (F.linear(x, w) * Tensor(g, dtype=np.float64)).sum().backward()
    np.testing.assert_allclose(w.grad, g.T @ x.data, rtol=1e-12)


def test_sequential_linear_relu_is_the_two_modules_one_after_the_other():
    model = nn.Sequential(nn.Linear(4, 6, seed=0), nn.ReLU(), nn.Linear(6, 3, seed=1))
    x = Tensor(np.random.default_rng(3).normal(size=(5, 4)).astype(np.float32))
    g = np.random.default_rng(4).normal(size=(5, 3)).astype(np.float32)
    fused = model(x)
    assert fused._parents[0]._op == "linear+relu"
    (fused * Tensor(g)).sum().backward()
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    unfused = model[2](model[1](model[0](x)))  # module by module: linear, relu, linear
    assert unfused._parents[0]._op == "relu"
    (unfused * Tensor(g)).sum().backward()
    np.testing.assert_array_equal(fused.data, unfused.data)
    for a, p in zip(grads, model.parameters()):
        np.testing.assert_array_equal(a, p.grad)


def test_linear_relu_passes_nan_and_stops_an_infinite_gradient_where_off():
    w = Tensor(np.array([[1.0], [-1.0]], np.float32), requires_grad=True)
    x = Tensor(np.array([[2.0]], np.float32))
    out = F.linear_relu(x, w)
    np.testing.assert_array_equal(out.data, [[2.0, 0.0]])
    out.backward(np.array([[1.0, np.inf]], np.float32))
    np.testing.assert_array_equal(w.grad, [[2.0], [0.0]])  # inf * 0 would be nan; relu gives 0, as PyTorch
