"""The MNIST step's fast paths give exactly what the general paths give, NaN and inf included: F.linear's relu and
bias gradients, Linear's weight layouts, the fused cross-entropy tested first, the seed gradient of backward()."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.classification import _nll
from tinygrad_edu.nn.functional import _relu_grad
from tinygrad_edu.nn.layers import weight_order
from tinygrad_edu.tensor.reduce import FLOAT32_EXACT_ENOUGH, accurate_sum, sum_rows

FLOATS = (np.float16, np.float32, np.float64)


def _entries(dtype: type) -> st.SearchStrategy[float]:
    """Ordinary numbers, with NaN, infinities, signed zeros and huge values (whose squares overflow) among them."""
    big = float(np.finfo(dtype).max)
    special = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, big, -big, big / 4, float(dtype(np.sqrt(big) * 2))])
    return st.one_of(st.floats(-10, 10, width=16 if dtype is np.float16 else 32), special)


def _matrix(dtype: type, rows: st.SearchStrategy[int], cols: st.SearchStrategy[int]) -> st.SearchStrategy:
    return st.tuples(rows, cols).flatmap(lambda shape: arrays(dtype, shape, elements=_entries(dtype)))


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)  # NaN where NaN, and the same numbers elsewhere


@given(st.sampled_from(FLOATS).flatmap(
    lambda dt: _matrix(dt, st.integers(1, FLOAT32_EXACT_ENOUGH + 40), st.integers(1, 5))))
def test_sum_rows_is_accurate_sum_over_the_batch(x):
    with np.errstate(all="ignore"):  # as inside backward, where sum_rows runs
        _same(sum_rows(x), accurate_sum(x, 0))


def test_sum_rows_adds_a_long_float32_batch_in_float64():
    x = np.full((FLOAT32_EXACT_ENOUGH + 1, 2), 1e-8, np.float32)
    x[0] = 1.0
    with np.errstate(all="ignore"):
        total = sum_rows(x)
    assert total.dtype == np.float32
    np.testing.assert_array_equal(total, np.float32(1.0 + FLOAT32_EXACT_ENOUGH * 1e-8))


@given(st.sampled_from(FLOATS).flatmap(
    lambda dt: st.tuples(st.integers(1, 40), st.integers(1, 9)).flatmap(
        lambda shape: st.tuples(arrays(dt, shape, elements=_entries(dt)), arrays(dt, shape, elements=_entries(dt))))))
def test_relu_grad_is_the_exact_mask_for_any_gradient(pair):
    z, g = pair
    out = np.maximum(z, 0)  # relu's output: >= 0 or NaN
    with np.errstate(all="ignore"):
        fast = _relu_grad(out, g)
    _same(fast, np.where(~(out <= 0), g, 0).astype(g.dtype))  # PyTorch's: g where out > 0 or NaN, else 0


@given(st.integers(0, 2**31 - 1), st.sampled_from([np.nan, np.inf, -np.inf, 1e20]), st.booleans())
def test_linear_relu_matches_linear_then_relu_with_non_finite_numbers(seed, special, in_output):
    rng = np.random.default_rng(seed)
    x_data = rng.normal(size=(5, 4)).astype(np.float32)
    g = rng.normal(size=(5, 3)).astype(np.float32)
    if in_output:
        x_data[rng.integers(5), rng.integers(4)] = special  # NaN or inf reaches the relu's output
    else:
        g[rng.integers(5), rng.integers(3)] = special  # a NaN, inf or huge incoming gradient
    grads = []
    for fused in (True, False):
        layer = nn.Linear(4, 3, seed=seed)
        x = Tensor(x_data, requires_grad=True)
        with np.errstate(all="ignore"):  # the forward products of a NaN or inf input warn; not what is tested
            out = F.linear_relu(x, layer.weight, layer.bias) if fused else F.linear(x, layer.weight, layer.bias).relu()
        out.backward(g)
        grads.append((out.data, x.grad, layer.weight.grad, layer.bias.grad))
    for fused, general in zip(*grads):
        _same(fused, general)


@pytest.mark.parametrize("sizes, order", [((784, 128), "F"), ((128, 64), "C"), ((64, 10), "F"), ((5, 3), "F"),
                                          ((256, 127), "C"), ((127, 10), "F")])
def test_linear_layout_rule_and_its_numbers(sizes, order):
    assert weight_order(*sizes) == order
    layer = nn.Linear(*sizes, seed=0)
    w = layer.weight.data
    assert w.shape == sizes[::-1] and (w.flags.f_contiguous if order == "F" else w.flags.c_contiguous)
    x = Tensor(np.random.default_rng(1).normal(size=(3, sizes[0])).astype(np.float32), requires_grad=True)
    g = np.random.default_rng(2).normal(size=(3, sizes[1])).astype(np.float32)
    layer(x).backward(g)
    np.testing.assert_allclose(layer.weight.grad, g.T @ x.data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad, g @ np.ascontiguousarray(w), rtol=1e-5, atol=1e-6)
    assert layer.weight.grad.flags.f_contiguous == w.flags.f_contiguous  # W's own layout: a contiguous update
    state = layer.state_dict()
    assert state["weight"].flags.c_contiguous  # saved in PyTorch's layout whatever the memory order
    other = nn.Linear(*sizes, seed=5)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.weight.data, w)
    assert other.weight.data.flags.c_contiguous == w.flags.c_contiguous


@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**31 - 1), st.sampled_from([np.nan, np.inf, -np.inf,
                                                                                           3e38, -3e38]))
def test_fused_cross_entropy_is_quiet_and_equal_to_the_general_path_with_extreme_logits(n, c, seed, special):
    rng = np.random.default_rng(seed)
    logits = (rng.normal(size=(n, c)) * 4).astype(np.float32)
    logits[rng.integers(n), rng.integers(c)] = special
    labels = rng.integers(0, c, n)
    a, b = Tensor(logits, requires_grad=True), Tensor(logits, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning from either path, as PyTorch
        fused = F.cross_entropy(a, labels)
        fused.backward()
        with np.errstate(all="ignore"):
            general = _nll(b.log_softmax(axis=1), labels, "mean")
        general.backward()
    assert fused._op == "cross_entropy(mean)"
    np.testing.assert_allclose(fused.item(), general.item(), rtol=1e-6)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_cross_entropy_checks_its_arguments_before_the_fused_path():
    logits = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="reduction must be one of"):
        F.cross_entropy(logits, [0, 1], np.ones(3))  # PyTorch's third argument (weight) given positionally
    with pytest.raises(ValueError, match="unknown reduction"):
        F.cross_entropy(logits, [0, 1], "average")
    with pytest.raises(ValueError, match="out of range"):
        F.cross_entropy(logits, [0, 3])
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(logits, [0, 1], label_smoothing=-0.5)
    plain = F.cross_entropy(np.zeros((2, 3), np.float32), [0, 1])  # an array, not a Tensor: the same fused op
    assert plain._op == "cross_entropy(mean)" and plain.item() == pytest.approx(np.log(3))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_backward_seeds_a_one_of_the_outputs_shape_and_dtype(dtype, shape):
    x = Tensor(np.full(shape, 2.0, dtype), requires_grad=True, dtype=dtype)
    y = x * 3
    y.backward()
    assert y.grad.shape == shape and y.grad.dtype == dtype and y.grad.flags.writeable
    np.testing.assert_array_equal(y.grad, np.ones(shape, dtype))
    np.testing.assert_array_equal(x.grad, np.full(shape, 3, dtype))


def test_plain_sgd_step_is_p_minus_lr_g_for_tensors_and_values():
    from tinygrad_edu import Value, optim

    w = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    idle = Tensor(np.array([5.0], np.float32), requires_grad=True)  # no grad: left alone
    v = Value(3.0)
    w.grad, v.grad = np.array([0.5, -1.0], np.float32), 2.0
    opt = optim.SGD([w, idle, v], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(w.data, np.array([1.0, 2.0], np.float32) - np.float32(0.1) * w.grad)
    assert w.data.dtype == np.float32 and idle.data.tolist() == [5.0] and v.data == 3.0 - 0.1 * 2.0
