"""The reductions and picking ops with PyTorch's spellings and meanings: var/std, logsumexp, prod (with zeros),
amax/amin, max/min(dim) -> (values, indices), argmax/argmin(keepdim), dim=/keepdim= beside axis=/keepdims=."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, gradcheck
from tests.strategies import assert_close, axes, compare_with_torch, float64_arrays, floats, shapes, uses_torch

signed = floats(-2, 2).filter(lambda w: abs(w) > 0.1)
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom")  # torch warns where var is nan; we do not


@st.composite
def reduction_cases(draw, elements=floats(-3, 3)):
    """(array, axis, keepdims): an axis argument of any form, as in test_tensor."""
    shape = draw(shapes)
    return draw(float64_arrays(shape, elements)), draw(axes(len(shape))), draw(st.booleans())


def _dim(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


def _check_with_random_gradient(data, fn, array):
    """gradcheck of fn(x) * w for a random signed w of the output's shape: every entry of the incoming gradient
    differs, so a chain rule that ignores or reshuffles it fails."""
    out_shape = fn(Tensor(array, dtype=np.float64)).shape
    w = Tensor(data.draw(float64_arrays(out_shape, signed), label="g"), dtype=np.float64)
    assert gradcheck(lambda t: fn(t) * w, Tensor(array, requires_grad=True, dtype=np.float64))


# name: (ours with axis/keepdims, torch's with dim/keepdim, element domain)
REDUCTIONS = {
    "var": (lambda t, a, k: t.var(axis=a, keepdims=k), lambda t, d, k: t.var(dim=d, keepdim=k)),
    "var correction=0": (lambda t, a, k: t.var(dim=a, keepdim=k, correction=0), lambda t, d, k: t.var(dim=d, keepdim=k, correction=0)),
    "var unbiased=False": (lambda t, a, k: t.var(a, False, k), lambda t, d, k: t.var(d, False, k)),
    "std": (lambda t, a, k: t.std(dim=a, keepdim=k), lambda t, d, k: t.std(dim=d, keepdim=k)),
    "std correction=0": (lambda t, a, k: t.std(axis=a, keepdims=k, correction=0), lambda t, d, k: t.std(dim=d, keepdim=k, correction=0)),
    "logsumexp": (lambda t, a, k: t.logsumexp(dim=a, keepdim=k), lambda t, d, k: t.logsumexp(dim=d, keepdim=k)),
    "amax": (lambda t, a, k: t.amax(a, k), lambda t, d, k: t.amax(dim=d, keepdim=k)),
    "amin": (lambda t, a, k: t.amin(dim=a, keepdim=k), lambda t, d, k: t.amin(dim=d, keepdim=k)),
    "min axis=": (lambda t, a, k: t.min(axis=a, keepdims=k), lambda t, d, k: t.amin(dim=d, keepdim=k)),
    "sum dim=": (lambda t, a, k: t.sum(dim=a, keepdim=k), lambda t, d, k: t.sum(dim=d, keepdim=k)),
    "mean dim=": (lambda t, a, k: t.mean(dim=a, keepdim=k), lambda t, d, k: t.mean(dim=d, keepdim=k)),
}


def _enough_entries(name, array, axis):
    """var/std with correction 1 over a single entry is nan (as torch); finite differences need more."""
    if "var" in name or "std" in name:
        n = array.size if axis is None else int(np.prod([array.shape[a] for a in np.atleast_1d(axis)]))
        return n >= 2
    return True


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reduction_gradcheck_with_random_incoming_gradient(name, data):
    array, axis, keepdims = data.draw(reduction_cases(), label="case")
    separated = array.size < 2 or np.min(np.diff(np.sort(array.ravel()))) > 1e-3
    if not _enough_entries(name, array, axis) or (name.startswith(("am", "min", "std")) and not separated):
        return  # max at a tie and std at 0 have no derivative; near them finite differences straddle the kink
    ours, _ = REDUCTIONS[name]
    _check_with_random_gradient(data, lambda t: ours(t, axis, keepdims), array)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
@uses_torch
def test_reduction_matches_torch(torch, name, data):
    elements = st.integers(-2, 2).map(float) if name.startswith(("am", "min")) else floats(-3, 3)  # ties too
    array, axis, keepdims = data.draw(reduction_cases(elements), label="case")
    if name.startswith("std") and array.size:  # at zero spread d std = (x - mean) / (n std) is 0/0: rounding noise either way
        assume(np.all(np.ptp(array, axis=axis) > 1e-6))
    ours, theirs = REDUCTIONS[name]
    compare_with_torch(torch, lambda t: ours(t, axis, keepdims), array,
                       torch_fn=lambda t: theirs(t, _dim(axis, array.ndim), keepdims), rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------------------------------------------- prod

@given(data=st.data())
@uses_torch
def test_prod_matches_torch_with_zeros(torch, data):
    """Entries from {-2, -1, 0, 1, 2}: slices with no zero, one zero, and several zeros all occur."""
    shape = data.draw(shapes, label="shape")
    array = data.draw(float64_arrays(shape, st.integers(-2, 2).map(float)), label="x")
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim") and dim is not None
    compare_with_torch(torch, lambda t: t.prod(dim=dim, keepdim=keepdim), array,
                       torch_fn=lambda t: t.prod() if dim is None else t.prod(dim=dim, keepdim=keepdim))


@given(data=st.data())
def test_prod_gradcheck_with_random_incoming_gradient(data):
    shape = data.draw(shapes, label="shape")
    array = data.draw(float64_arrays(shape, floats(-2, 2).filter(lambda x: abs(x) > 1e-3)), label="x")
    axis = data.draw(st.none() | st.integers(0, len(shape) - 1), label="axis")
    _check_with_random_gradient(data, lambda t: t.prod(axis), array)


def test_prod_gradient_with_one_and_two_zeros():
    x = Tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], requires_grad=True, dtype=np.float64)
    x.prod(dim=1).backward(np.array([1.0, 1.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [-8.0, -4.0, -2.0]])
    assert Tensor(np.array([2, 3], dtype=np.int32)).prod().dtype == np.int64


# ----------------------------------------------------------------------------------------------- max/min(dim)

@pytest.mark.parametrize("op", ["max", "min"])
@given(data=st.data())
@uses_torch
def test_max_min_with_dim_return_values_and_indices_as_torch(torch, op, data):
    shape = data.draw(shapes, label="shape")
    array = data.draw(float64_arrays(shape, st.integers(-2, 2).map(float)), label="x")  # ties: first index
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    ours = getattr(Tensor(array, dtype=np.float64), op)(dim, keepdim)
    theirs = getattr(torch.from_numpy(array), op)(dim, keepdim)
    np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    assert ours.indices.dtype == np.int64
    compare_with_torch(torch, lambda t: getattr(t, op)(dim=dim, keepdim=keepdim).values, array,
                       torch_fn=lambda t: getattr(t, op)(dim=dim, keepdim=keepdim).values)
    values, indices = getattr(Tensor(array), op)(dim)  # unpacks as torch's pair
    assert values.shape == indices.shape == theirs.values.shape[:] if not keepdim else True


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@given(data=st.data())
@uses_torch
def test_argmax_argmin_match_torch(torch, op, data):
    shape = data.draw(shapes, label="shape")
    array = data.draw(float64_arrays(shape, st.integers(-2, 2).map(float)), label="x")
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    ours = getattr(Tensor(array), op)(dim=dim, keepdim=keepdim)
    theirs = getattr(torch.from_numpy(array), op)(dim=dim, keepdim=keepdim)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    if dim is not None:
        np.testing.assert_array_equal(getattr(Tensor(array), op)(axis=dim).data, getattr(np, op)(array, axis=dim))


def test_max_without_dim_and_with_axis_gives_values_only():
    x = Tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True)
    assert x.max().item() == 3.0 and x.min().item() == 0.0
    np.testing.assert_array_equal(x.max(axis=1).data, [3.0, 2.0])
    np.testing.assert_array_equal(x.max(axis=1, keepdims=True).data, [[3.0], [2.0]])
    values, indices = x.max(1)
    np.testing.assert_array_equal(indices.data, [1, 0])


def test_max_dim_sends_the_gradient_to_one_index_and_amax_shares_it(torch):
    data = np.array([[5.0, 5.0, 1.0]])
    a, b = Tensor(data, requires_grad=True, dtype=np.float64), Tensor(data, requires_grad=True, dtype=np.float64)
    a.max(dim=1).values.sum().backward()
    b.amax(dim=1).sum().backward()
    ta, tb = torch.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ta.max(dim=1).values.sum().backward()
    tb.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())


# ----------------------------------------------------------------------------------------------- spellings, edges

def test_both_spellings_at_once_is_an_error():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="axis= or dim="):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="keepdims= or keepdim="):
        x.mean(0, keepdims=True, keepdim=False)
    assert x.sum(dim=[0, 1]).item() == 6.0  # torch takes a list of dims too


def test_softmax_family_takes_dim(torch):
    data = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    for op in ["softmax", "log_softmax"]:
        compare_with_torch(torch, lambda t: getattr(t, op)(dim=0), data, torch_fn=lambda t: getattr(t, op)(dim=0))


def test_logsumexp_of_infinite_rows_matches_torch(torch):
    data = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [0.0, 1.0]])
    ours = Tensor(data, dtype=np.float64).logsumexp(dim=1)
    np.testing.assert_array_equal(ours.data, torch.from_numpy(data).logsumexp(dim=1).numpy())


def test_var_of_one_entry_is_nan_quietly_and_of_ints_is_float(torch):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(Tensor([2.0]).var().item())
    assert Tensor([1, 2, 3, 4]).var().dtype == np.float32
    assert_close(Tensor([1, 2, 3, 4]).std().item(), torch.tensor([1.0, 2, 3, 4]).std().item(), rtol=1e-6)


def test_constructors_take_a_shape_tuple_as_torch():
    for make in (Tensor.zeros, Tensor.ones, Tensor.randn):
        assert make((2, 3)).shape == make(2, 3).shape == make([2, 3]).shape == (2, 3)
    assert Tensor.randn((2,), seed=1).data.tolist() == Tensor.randn(2, seed=1).data.tolist()
    with pytest.raises(TypeError, match=r"zeros\(2, 3\)"):
        Tensor.zeros(2.5)


def test_repr_says_how_a_result_was_made():
    from tinygrad_edu import Value

    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x).endswith("requires_grad=True)")
    assert repr(x * 2).endswith("grad_fn=<mul>)") and repr(2 - x).endswith("grad_fn=<sub>)")
    assert repr(x.sum()).endswith("grad_fn=<sum>)") and "grad_fn" not in repr(Tensor([1.0]) * 2)
    v = Value(2.0)
    assert repr(v * 3).endswith("grad_fn=<mul>)") and repr(v ** 2).endswith("grad_fn=<pow>)")
    assert repr(1.0 / v).endswith("grad_fn=<div>)") and repr(v.tanh()).endswith("grad_fn=<tanh>)")
    assert "grad_fn" not in repr(v)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_extreme_of_everything_with_nans_sends_the_gradient_as_torch(torch, name):
    """torch.max()/min() of all entries give a NaN result's gradient to the NaN entries, shared evenly; amax/amin
    give NaN everywhere (no entry equals NaN). Ties share evenly in both."""
    for values in ([1.0, np.nan, 2.0, np.nan], [[1.0, np.nan], [2.0, 2.0]], [[1.0, 2.0], [2.0, 2.0]]):
        array = np.array(values)
        x = Tensor(array, requires_grad=True, dtype=np.float64)
        (getattr(x, name)() * 0.7).backward()
        t = torch.tensor(array, requires_grad=True)
        (getattr(torch, name)(t) * 0.7).backward()
        np.testing.assert_array_equal(x.grad, t.grad.numpy())
