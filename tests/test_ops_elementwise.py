"""The new elementwise ops, on Tensor and on Value: finite differences in float64 with random signed incoming
gradients, and PyTorch's values and gradients (including its choices at kinks and ties)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value, gradcheck
from tests.strategies import assert_close, away_from_zero, broadcast_pairs, compare_with_torch, float64_arrays, floats, shapes, uses_torch

# name: (our function, torch's function, domain); a function of a Tensor or of a Value alike
UNARY = {
    "sin": (lambda a: a.sin(), lambda t: t.sin(), floats(-6, 6)),
    "cos": (lambda a: a.cos(), lambda t: t.cos(), floats(-6, 6)),
    "log2": (lambda a: a.log2(), lambda t: t.log2(), floats(1e-2, 1e3)),
    "log10": (lambda a: a.log10(), lambda t: t.log10(), floats(1e-2, 1e3)),
    "sign": (lambda a: a.sign(), lambda t: t.sign(), away_from_zero(1e-2, 5)),
    "clamp": (lambda a: a.clamp(-0.5, 1.0), lambda t: t.clamp(-0.5, 1.0), floats(-3, 3).filter(lambda x: abs(x + 0.5) > 1e-3 and abs(x - 1) > 1e-3)),
    "clamp min": (lambda a: a.clamp(min=0.25), lambda t: t.clamp(min=0.25), floats(-3, 3).filter(lambda x: abs(x - 0.25) > 1e-3)),
    "clip max": (lambda a: a.clip(max=0.25), lambda t: t.clip(max=0.25), floats(-3, 3).filter(lambda x: abs(x - 0.25) > 1e-3)),
    "maximum number": (lambda a: a.maximum(0.5) if isinstance(a, Value) else a.maximum(Tensor(0.5, dtype=np.float64)),
                       lambda t: t.maximum(t.new_tensor(0.5)), floats(-3, 3).filter(lambda x: abs(x - 0.5) > 1e-3)),
}
VALUE_ONLY = {  # the activations' scalar forms: torch.nn.functional in float64
    "leaky_relu": (lambda a: a.leaky_relu(0.1), lambda F, t: F.leaky_relu(t, 0.1), away_from_zero(1e-2, 5)),
    "leaky_relu default": (lambda a: a.leaky_relu(), lambda F, t: F.leaky_relu(t), away_from_zero(1e-2, 5)),
    "elu": (lambda a: a.elu(), lambda F, t: F.elu(t), away_from_zero(1e-2, 5)),
    "elu alpha": (lambda a: a.elu(alpha=2.0), lambda F, t: F.elu(t, alpha=2.0), away_from_zero(1e-2, 5)),
    "gelu": (lambda a: a.gelu(), lambda F, t: F.gelu(t), floats(-6, 6)),
    "gelu tanh": (lambda a: a.gelu(approximate="tanh"), lambda F, t: F.gelu(t, approximate="tanh"), floats(-6, 6)),
    "silu": (lambda a: a.silu(), lambda F, t: F.silu(t), floats(-20, 20)),
    "softplus": (lambda a: a.softplus(), lambda F, t: F.softplus(t), floats(-30, 30).filter(lambda x: abs(x - 20) > 1e-3)),
    "softplus beta": (lambda a: a.softplus(beta=2.0), lambda F, t: F.softplus(t, beta=2.0), floats(-30, 30).filter(lambda x: abs(x - 10) > 1e-3)),
    "logsigmoid": (lambda a: a.logsigmoid(), lambda F, t: F.logsigmoid(t), floats(-40, 40)),
}
signed = floats(-2, 2).filter(lambda w: abs(w) > 0.1)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_tensor_op_gradcheck_with_random_incoming_gradient(name, data):
    fn, _, domain = UNARY[name]
    shape = data.draw(shapes, label="shape")
    weights = Tensor(data.draw(float64_arrays(shape, signed), label="g"), dtype=np.float64)
    assert gradcheck(lambda t: fn(t) * weights, Tensor(data.draw(float64_arrays(shape, domain)), requires_grad=True,
                                                       dtype=np.float64))


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
@uses_torch
def test_tensor_op_matches_torch(torch, name, data):
    fn, torch_fn, domain = UNARY[name]
    compare_with_torch(torch, fn, data.draw(shapes.flatmap(lambda s: float64_arrays(s, domain))), torch_fn=torch_fn)


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(VALUE_ONLY))
@given(data=st.data())
def test_value_op_gradcheck_with_random_incoming_gradient(name, data):
    fn, _, domain = {**UNARY, **VALUE_ONLY}[name]
    w = data.draw(signed, label="g")
    assert gradcheck(lambda v: fn(v) * w, Value(data.draw(domain, label="x")))


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(VALUE_ONLY))
@given(data=st.data())
@uses_torch
def test_value_op_matches_torch(torch, name, data):
    fn, torch_fn, domain = {**UNARY, **VALUE_ONLY}[name]
    theirs = (lambda t: torch_fn(torch.nn.functional, t)) if name in VALUE_ONLY else torch_fn
    compare_with_torch(torch, fn, data.draw(domain, label="x"), torch_fn=theirs)


EDGES = [0.0, -0.0, 1.0, -1.0, 2.0, 25.0, -25.0, float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(VALUE_ONLY))
def test_value_ops_at_kinks_and_non_finite_numbers_match_torch(torch, name):
    """The gradient at 0 and at the clamp bounds (PyTorch's choice), and inf and NaN in, never an exception."""
    fn, torch_fn, _ = {**UNARY, **VALUE_ONLY}[name]
    for x in EDGES + [-0.5, 0.25, 0.5, 10.0, 20.0]:
        v, t = Value(x), torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = fn(v)
        ref = torch_fn(torch.nn.functional, t) if name in VALUE_ONLY else torch_fn(t)
        out.backward()
        ref.backward()
        assert_close(out.data, ref.item(), rtol=1e-12, atol=1e-300, what=f"{name}({x})")
        assert_close(v.grad, t.grad.item(), rtol=1e-12, atol=1e-300, what=f"{name}'({x})")


@pytest.mark.parametrize("name", ["sin", "cos", "log2", "log10", "sign", "clamp", "clamp min", "clip max"])
def test_tensor_ops_at_edges_match_torch(torch, name):
    fn, torch_fn, _ = UNARY[name]
    x = np.array(EDGES + [-0.5, 0.25, 0.5])
    compare_with_torch(torch, fn, x, torch_fn=torch_fn, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------------------------- two inputs

BINARY = {
    "maximum": (lambda a, b: a.maximum(b), lambda a, b: a.maximum(b)),
    "minimum": (lambda a, b: a.minimum(b), lambda a, b: a.minimum(b)),
    "tg.maximum": (lambda a, b: tg.maximum(a, b), lambda a, b: a.maximum(b)),
    "tg.minimum": (lambda a, b: tg.minimum(a, b), lambda a, b: a.minimum(b)),
}
few = st.integers(-3, 3).map(lambda n: n / 2)  # few distinct numbers: ties are common


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
@uses_torch
def test_maximum_minimum_match_torch_with_ties_and_broadcasting(torch, name, data):
    ours, theirs = BINARY[name]
    shape_a, shape_b = data.draw(broadcast_pairs(), label="shapes")
    a, b = data.draw(float64_arrays(shape_a, few), label="a"), data.draw(float64_arrays(shape_b, few), label="b")
    compare_with_torch(torch, ours, a, b, torch_fn=theirs)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_maximum_minimum_gradcheck_away_from_ties(name, data):
    ours, _ = BINARY[name]
    shape_a, shape_b = data.draw(broadcast_pairs(), label="shapes")
    a = data.draw(float64_arrays(shape_a, floats(-3, 3)), label="a")
    b = data.draw(float64_arrays(shape_b, floats(-3, 3)), label="b")
    if np.min(np.abs(a[..., None] - b.reshape(-1))) < 1e-3 if a.size and b.size else False:
        return
    assert gradcheck(ours, Tensor(a, requires_grad=True, dtype=np.float64), Tensor(b, requires_grad=True, dtype=np.float64))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(a=few, b=few, w=signed)
@uses_torch
def test_value_maximum_minimum_match_torch_at_ties(torch, name, a, b, w):
    x, y = Value(a), Value(b)
    (getattr(x, name)(y) * w).backward()
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    (getattr(tx, name)(ty) * w).backward()
    assert (x.grad, y.grad) == (tx.grad.item(), ty.grad.item())


@given(data=st.data())
@uses_torch
def test_where_matches_torch(torch, data):
    shape_a, shape_b = data.draw(broadcast_pairs(), label="shapes")
    cond = np.asarray(data.draw(float64_arrays(np.broadcast_shapes(shape_a, shape_b), st.sampled_from([0.0, 1.0]))) > 0)
    a = data.draw(float64_arrays(shape_a, floats(-3, 3)), label="a")
    b = data.draw(float64_arrays(shape_b, floats(-3, 3)), label="b")
    compare_with_torch(torch, lambda x, y: tg.where(Tensor(cond), x, y), a, b,
                       torch_fn=lambda x, y: torch.where(torch.from_numpy(cond), x, y))
    compare_with_torch(torch, lambda x, y: x.where(Tensor(cond), y), a, b,
                       torch_fn=lambda x, y: x.where(torch.from_numpy(cond), y))
    assert gradcheck(lambda x, y: tg.where(Tensor(cond), x, y), Tensor(a, requires_grad=True, dtype=np.float64),
                     Tensor(b, requires_grad=True, dtype=np.float64))


def test_where_with_numbers_clamp_with_tensor_bounds_and_dtypes(torch):
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True, dtype=np.float64)
    lo, hi = Tensor([0.0, 0.0, 0.0], requires_grad=True, dtype=np.float64), Tensor([1.0, 1.0, 1.0], dtype=np.float64)
    out = tg.where(x > 0, x, 0.0) + x.clamp(lo, hi) * 2
    out.backward(np.array([1.0, -1.0, 0.5]))
    tx = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True, dtype=torch.float64)
    tlo = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    tout = torch.where(tx > 0, tx, 0.0) + tx.clamp(tlo, torch.ones(3, dtype=torch.float64)) * 2
    tout.backward(torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64))
    assert_close(out.data, tout.detach().numpy())
    assert_close(x.grad, tx.grad.numpy())
    assert_close(lo.grad, tlo.grad.numpy())
    ints = Tensor([3, -1])
    assert ints.clamp(0, 2).dtype == np.int64 and ints.clamp(0, 2.5).dtype == np.float32
    assert tg.where(ints > 0, ints, 0.5).dtype == np.float32 and tg.where(ints > 0, 1, 0).dtype == np.int64
    with pytest.raises(TypeError, match="bool"):
        tg.where(Tensor([1.0, 0.0]), x, x)
    with pytest.raises(ValueError, match="min, max"):
        x.clamp()


def test_sign_of_nan_is_zero_and_its_gradient_is_zero(torch):
    x = Tensor([float("nan"), -2.0, 0.0, 3.0], requires_grad=True)
    out = x.sign()
    np.testing.assert_array_equal(out.data, torch.tensor([float("nan"), -2.0, 0.0, 3.0]).sign().numpy())
    out.backward(np.ones(4))
    np.testing.assert_array_equal(x.grad, np.zeros(4))
    assert Tensor([-3, 0, 2]).sign().dtype == np.int64
