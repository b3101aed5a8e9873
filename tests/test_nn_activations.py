"""The activations of `nn.activations` (leaky_relu, elu, gelu, silu, softplus, logsigmoid) and their modules:
chain rules against central differences with random incoming gradients, values and gradients against PyTorch
(including large |x| and the kinks at 0), and the modules' arguments."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F

from .nn_parity import check_torch, check_vjp
from .strategies import uses_torch

# name: (ours, torch's name and arguments) -- each case one way to call the op
CASES = {
    "leaky_relu": (lambda x: F.leaky_relu(x), lambda t, x: t.nn.functional.leaky_relu(x)),
    "leaky_relu(0.2)": (lambda x: F.leaky_relu(x, 0.2), lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    "elu": (lambda x: F.elu(x), lambda t, x: t.nn.functional.elu(x)),
    "elu(0.5)": (lambda x: F.elu(x, alpha=0.5), lambda t, x: t.nn.functional.elu(x, alpha=0.5)),
    "gelu": (lambda x: F.gelu(x), lambda t, x: t.nn.functional.gelu(x)),
    "gelu(tanh)": (lambda x: F.gelu(x, approximate="tanh"), lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    "silu": (lambda x: F.silu(x), lambda t, x: t.nn.functional.silu(x)),
    "softplus": (lambda x: F.softplus(x), lambda t, x: t.nn.functional.softplus(x)),
    "softplus(2, 5)": (lambda x: F.softplus(x, beta=2.0, threshold=5.0),
                       lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=5.0)),
    "softplus(-1)": (lambda x: F.softplus(x, beta=-1.0), lambda t, x: t.nn.functional.softplus(x, beta=-1.0)),
    "logsigmoid": (lambda x: F.logsigmoid(x), lambda t, x: t.nn.functional.logsigmoid(x)),
}
KINKED = {"leaky_relu", "leaky_relu(0.2)", "elu(0.5)", "softplus(2, 5)", "softplus"}  # a corner (or a threshold step)


def _away_from_kinks(name, x):
    """Entries that sit within 1e-3 of a corner (0, or the softplus threshold) move off it for finite differences."""
    corners = [0.0, 2.5, 20.0]
    for c in corners:
        near = np.abs(x - c) < 1e-3
        x = np.where(near, c + 1e-2, x)
    return x


@st.composite
def input_and_grad(draw, lo=-6.0, hi=6.0):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple))
    x = draw(arrays(np.float64, shape, elements=st.floats(lo, hi)))
    g = draw(arrays(np.float64, shape, elements=st.floats(-2, 2)))
    return x, g


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=input_and_grad())
def test_chain_rule_matches_finite_differences(name, data):
    x, g = data
    if name in KINKED:
        x = _away_from_kinks(name, x)
    check_vjp(CASES[name][0], [x], g)


@pytest.mark.parametrize("name", sorted(CASES))
@uses_torch
@given(data=input_and_grad(-30.0, 30.0))
def test_matches_torch(torch, name, data):
    x, g = data
    ours, theirs = CASES[name]
    check_torch(torch, ours, lambda t: theirs(torch, t), [x], g, rtol=1e-12, atol=1e-14)


EDGES = np.array([-1e4, -800.0, -40.0, -20.0, -1e-8, 0.0, 1e-8, 2.5, 20.0, 20.5, 40.0, 800.0, 1e4])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_large_inputs_and_kinks_match_torch(torch, name, dtype):
    """Finite values and gradients for |x| up to 1e4 (no overflow), and PyTorch's gradient at each corner."""
    ours, theirs = CASES[name]
    x = Tensor(EDGES.astype(dtype), requires_grad=True, dtype=dtype)
    g = np.linspace(0.5, 1.5, EDGES.size).astype(dtype)
    out = ours(x)
    out.backward(g)
    ref_x = torch.tensor(EDGES.astype(dtype), requires_grad=True)
    ref = theirs(torch, ref_x)
    ref.backward(torch.tensor(g))
    assert out.dtype == np.dtype(dtype)
    assert np.isfinite(out.data).all() and np.isfinite(x.grad).all()
    tol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(x.grad, ref_x.grad.numpy(), rtol=tol, atol=tol)


def test_values_by_hand():
    x = Tensor([-2.0, 0.0, 3.0], dtype=np.float64)
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).data, [-0.2, 0, 3])
    np.testing.assert_allclose(F.elu(x).data, [math.exp(-2) - 1, 0, 3])
    np.testing.assert_allclose(F.gelu(x).data, [-2 * 0.5 * (1 + math.erf(-2 / math.sqrt(2))), 0, 3 * 0.5 * (1 + math.erf(3 / math.sqrt(2)))])
    np.testing.assert_allclose(F.silu(x).data, [-2 / (1 + math.e**2), 0, 3 / (1 + math.exp(-3))])
    np.testing.assert_allclose(F.softplus(x).data, [math.log1p(math.exp(-2)), math.log(2), math.log1p(math.exp(3))])
    np.testing.assert_allclose(F.logsigmoid(x).data, [-math.log1p(math.exp(2)), -math.log(2), -math.log1p(math.exp(-3))])
    np.testing.assert_allclose(F.softplus(Tensor([-1e4, 0.0, 1e4])).data, [0.0, math.log(2), 1e4], rtol=1e-6)


MODULES = [
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)"),
    (nn.ELU(alpha=0.5), lambda x: F.elu(x, 0.5), "ELU(alpha=0.5)"),
    (nn.GELU(), F.gelu, "GELU(approximate='none')"),
    (nn.GELU(approximate="tanh"), lambda x: F.gelu(x, "tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), F.silu, "SiLU()"),
    (nn.Softplus(beta=2.0, threshold=10.0), lambda x: F.softplus(x, 2.0, 10.0), "Softplus(beta=2.0, threshold=10.0)"),
    (nn.LogSigmoid(), F.logsigmoid, "LogSigmoid()"),
]


@pytest.mark.parametrize("module,fn,text", MODULES, ids=[m[2] for m in MODULES])
def test_modules_call_the_functions(module, fn, text):
    x = np.linspace(-5, 5, 12).reshape(3, 4).astype(np.float32)
    np.testing.assert_array_equal(module(x).data, fn(Tensor(x)).data)
    assert repr(module) == text
    assert module.parameters() == []


def test_mlp_accepts_the_new_activation_names():
    model = nn.MLP([3, 4, 2], activation="gelu", seed=0)
    assert isinstance(model.layers[1], nn.GELU)
    assert model(np.ones((5, 3), np.float32)).shape == (5, 2)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(Tensor([1.0]), approximate="fast")
    with pytest.raises(ValueError, match="approximate must be"):
        nn.GELU("exact")
    with pytest.raises(ValueError, match="beta must not be 0"):
        F.softplus(Tensor([1.0]), beta=0)
    with pytest.raises(TypeError, match="floating-point tensor, got dtype int64"):
        F.silu(Tensor([1, 2]))
