"""Tensor: every op against finite differences and PyTorch (with broadcasting), dtype rules and error messages."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.tensor import unbroadcast
from tests.strategies import (ARITHMETIC_OPS, NUMBER_OPERAND_OPS, assert_close, away_from_zero, axes, broadcast_pairs, compare_with_torch, float64_arrays,
                              floats, shapes, uses_torch)


def leaf(array):
    """A float64 Tensor that requires grad (gradcheck and the torch comparison both work in float64)."""
    return Tensor(array, requires_grad=True, dtype=np.float64)


# ----------------------------------------------------------------------------------------------- elementwise
# Each op: a function written once for both engines, and the domain its entries are drawn from.
UNARY_OPS = {
    "neg": (lambda a: -a, floats(-5, 5)),
    "exp": (lambda a: a.exp(), floats(-10, 10)),
    "log": (lambda a: a.log(), floats(1e-2, 1e3)),
    "sqrt": (lambda a: a.sqrt(), floats(1e-2, 1e3)),
    "tanh": (lambda a: a.tanh(), floats(-5, 5)),
    "sigmoid": (lambda a: a.sigmoid(), floats(-10, 10)),
    "relu": (lambda a: a.relu(), away_from_zero(1e-2, 5)),
    "abs": (lambda a: a.abs(), away_from_zero(1e-2, 5)),
    "abs()": (lambda a: abs(a), away_from_zero(1e-2, 5)),
    "** 2": (lambda a: a ** 2, floats(-3, 3)),
    "** 3": (lambda a: a ** 3, floats(-3, 3)),
    "** 0": (lambda a: a ** 0, floats(-3, 3)),
    "** -1": (lambda a: a ** -1, away_from_zero(0.1, 3)),
    "** 0.5": (lambda a: a ** 0.5, floats(0.1, 3)),
    "** -1.5": (lambda a: a ** -1.5, floats(0.1, 3)),
    **NUMBER_OPERAND_OPS,
}
BINARY_OPS = {
    **ARITHMETIC_OPS,
    "**": (lambda a, b: a ** b, floats(0.1, 3), floats(-3, 3)),
}
# The named broadcasting cases, on top of the shapes hypothesis draws.
NAMED_BROADCASTS = [((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((4,), (3, 1)), ((), (2, 3)), ((2, 1, 4), (3, 1)), ((2, 3), (2, 3))]


@pytest.mark.parametrize("name", sorted(UNARY_OPS))
@given(data=st.data())
def test_unary_op_gradcheck(name, data):
    fn, domain = UNARY_OPS[name]
    assert gradcheck(fn, leaf(data.draw(shapes.flatmap(lambda s: float64_arrays(s, domain)), label="a")))


@pytest.mark.parametrize("name", sorted(UNARY_OPS))
@given(data=st.data())
@uses_torch
def test_unary_op_matches_torch(torch, name, data):
    fn, domain = UNARY_OPS[name]
    compare_with_torch(torch, fn, data.draw(shapes.flatmap(lambda s: float64_arrays(s, domain)), label="a"))


def _draw_pair(data, name, shape_pair):
    fn, domain_a, domain_b = BINARY_OPS[name]
    shape_a, shape_b = shape_pair
    return fn, data.draw(float64_arrays(shape_a, domain_a), label="a"), data.draw(float64_arrays(shape_b, domain_b), label="b")


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@given(data=st.data())
def test_binary_op_gradcheck_with_broadcasting(name, data):
    fn, a, b = _draw_pair(data, name, data.draw(broadcast_pairs(), label="shapes"))
    assert gradcheck(fn, leaf(a), leaf(b))


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@given(data=st.data())
@uses_torch
def test_binary_op_matches_torch_with_broadcasting(torch, name, data):
    fn, a, b = _draw_pair(data, name, data.draw(broadcast_pairs(), label="shapes"))
    compare_with_torch(torch, fn, a, b)


@pytest.mark.parametrize("shape_a, shape_b", NAMED_BROADCASTS)
@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_binary_op_named_broadcasts(name, shape_a, shape_b):
    fn, domain_a, domain_b = BINARY_OPS[name]
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 2.0, size=shape_a)
    b = rng.uniform(0.5, 2.0, size=shape_b) * rng.choice([-1, 1], size=shape_b)
    x, y = leaf(a), leaf(b)
    out = fn(x, y)
    assert out.shape == np.broadcast_shapes(shape_a, shape_b)
    out.sum().backward()
    assert x.grad.shape == shape_a and y.grad.shape == shape_b  # summed back to each input's own shape
    assert gradcheck(fn, leaf(a), leaf(b))


@pytest.mark.parametrize("shape_a, shape_b", NAMED_BROADCASTS)
def test_binary_ops_named_broadcasts_match_torch(torch, shape_a, shape_b):
    rng = np.random.default_rng(2)
    a = rng.uniform(0.5, 2.0, size=shape_a)
    b = rng.uniform(0.5, 2.0, size=shape_b)
    for name in BINARY_OPS:
        compare_with_torch(torch, BINARY_OPS[name][0], a, b)


@given(shape_pair=broadcast_pairs(max_dims=4), data=st.data())
def test_unbroadcast_sums_to_the_input_shape(shape_pair, data):
    shape, other = shape_pair
    g = data.draw(float64_arrays(np.broadcast_shapes(shape, other), floats(-5, 5)))
    reduced = unbroadcast(g, shape)
    assert reduced.shape == shape
    assert reduced.sum() == pytest.approx(g.sum(), rel=1e-12, abs=1e-9)


# ----------------------------------------------------------------------------------------------- matmul

MATMUL_KINDS = ["2-D", "batched", "1-D @ 2-D", "2-D @ 1-D", "1-D @ 1-D", "1-D @ batched", "batched @ 1-D"]


@st.composite
def matmul_operands(draw):
    """Two float64 arrays that `@` accepts, of every kind numpy's matmul supports (batch axes broadcast)."""
    kind = draw(st.sampled_from(MATMUL_KINDS))
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    batch_a, batch_b = draw(broadcast_pairs(min_dims=1, max_dims=2, max_side=3))
    shape_a = {"2-D": (m, k), "batched": batch_a + (m, k), "1-D @ 2-D": (k,), "2-D @ 1-D": (m, k), "1-D @ 1-D": (k,),
               "1-D @ batched": (k,), "batched @ 1-D": batch_a + (m, k)}[kind]
    shape_b = {"2-D": (k, n), "batched": batch_b + (k, n), "1-D @ 2-D": (k, n), "2-D @ 1-D": (k,), "1-D @ 1-D": (k,),
               "1-D @ batched": batch_b + (k, n), "batched @ 1-D": (k,)}[kind]
    return draw(float64_arrays(shape_a, floats(-3, 3))), draw(float64_arrays(shape_b, floats(-3, 3)))


@given(operands=matmul_operands())
def test_matmul_gradcheck(operands):
    a, b = operands
    assert gradcheck(lambda x, y: x @ y, leaf(a), leaf(b))


@given(operands=matmul_operands())
@uses_torch
def test_matmul_matches_torch(torch, operands):
    compare_with_torch(torch, lambda x, y: x @ y, *operands)


@pytest.mark.parametrize("shape_a, shape_b", [((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 3)),
                                              ((2, 3, 4), (4,)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2))])
def test_matmul_shapes_and_grad_shapes(shape_a, shape_b):
    x, y = leaf(np.ones(shape_a)), leaf(np.ones(shape_b))
    out = x @ y
    assert out.shape == np.matmul(np.ones(shape_a), np.ones(shape_b)).shape
    out.sum().backward()
    assert x.grad.shape == shape_a and y.grad.shape == shape_b


def test_matmul_with_a_constant_operand():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    out = x @ np.array([[1.0], [1.0]])
    out2 = np.array([1.0, 1.0]) @ x
    (out.sum() + out2.sum()).backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 2.0))


# ----------------------------------------------------------------------------------------------- reductions


@st.composite
def reduction_case(draw, distinct=False):
    """(data, axis, keepdims). With `distinct`, all entries differ by >= 0.37, so the maximum is unique and
    stays put under a finite-difference step."""
    shape = draw(shapes)
    if distinct:
        order = np.array(draw(st.permutations(range(int(np.prod(shape))))), dtype=np.float64)
        data = (order * 0.37 - 1.0).reshape(shape)
    else:
        data = draw(float64_arrays(shape, floats(-5, 5)))
    return data, draw(axes(len(shape))), draw(st.booleans())


def _torch_dim(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


@pytest.mark.parametrize("op", ["sum", "mean"])
@given(case=reduction_case())
def test_sum_mean_gradcheck(op, case):
    data, axis, keepdims = case
    assert gradcheck(lambda t: getattr(t, op)(axis=axis, keepdims=keepdims), leaf(data))


@pytest.mark.parametrize("op", ["sum", "mean"])
@given(case=reduction_case())
@uses_torch
def test_sum_mean_match_torch(torch, op, case):
    data, axis, keepdims = case
    compare_with_torch(torch, lambda t: getattr(t, op)(axis=axis, keepdims=keepdims), data,
                       torch_fn=lambda t: getattr(t, op)(dim=_torch_dim(axis, data.ndim), keepdim=keepdims))


@given(case=reduction_case(distinct=True))
def test_max_gradcheck(case):
    data, axis, keepdims = case
    assert gradcheck(lambda t: t.max(axis=axis, keepdims=keepdims), leaf(data))


@given(case=st.one_of(reduction_case(distinct=True), reduction_case()))
@uses_torch
def test_max_matches_torch_amax_including_ties(torch, case):
    data, axis, keepdims = case
    compare_with_torch(torch, lambda t: t.max(axis=axis, keepdims=keepdims), data,
                       torch_fn=lambda t: t.amax(dim=_torch_dim(axis, data.ndim), keepdim=keepdims))


def test_max_shares_the_gradient_between_tied_maxima():
    x = leaf([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]])
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_reduction_shapes(op):
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert getattr(x, op)().shape == ()
    assert getattr(x, op)(axis=1).shape == (2, 4)
    assert getattr(x, op)(axis=-1, keepdims=True).shape == (2, 3, 1)
    assert getattr(x, op)(axis=(0, -1)).shape == (3,)
    assert getattr(x, op)(axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    assert getattr(x, op)(keepdims=True).shape == (1, 1, 1)
    with pytest.raises(ValueError, match=r"axis 3.*\(2, 3, 4\)"):
        getattr(x, op)(axis=3)


def test_argmax_picks_the_class():
    logits = Tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])
    np.testing.assert_array_equal(logits.argmax(axis=1).numpy(), [1, 0])
    assert logits.argmax(axis=1).dtype.kind == "i"
    assert not logits.argmax(axis=1).requires_grad


# ----------------------------------------------------------------------------------------------- shape ops


@st.composite
def reshape_case(draw):
    """Data and a new shape with the same number of entries (maybe with one -1)."""
    shape = draw(shapes)
    new = list(draw(st.permutations(shape))) + [1] * draw(st.integers(0, 1))
    if draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return draw(float64_arrays(shape, floats(-5, 5))), tuple(new)


@given(case=reshape_case())
def test_reshape_gradcheck(case):
    data, new_shape = case
    assert gradcheck(lambda t: t.reshape(new_shape) * np.arange(1.0, data.size + 1).reshape(data.reshape(new_shape).shape),
                     leaf(data))


@given(case=reshape_case())
@uses_torch
def test_reshape_matches_torch(torch, case):
    data, new_shape = case
    compare_with_torch(torch, lambda t: t.reshape(new_shape), data)
    compare_with_torch(torch, lambda t: t.reshape(*new_shape), data)


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        Tensor(np.zeros((2, 3))).reshape(4, 2)


@st.composite
def permute_case(draw):
    """Data and dims for permute: None (reverse all, as .T) or a permutation, some dims written as negatives."""
    shape = draw(shapes)
    data = draw(float64_arrays(shape, floats(-5, 5)))
    if draw(st.booleans()):
        return data, None
    perm = draw(st.permutations(range(len(shape))))
    return data, tuple(a - len(shape) if draw(st.booleans()) else a for a in perm)


def _permute(t, dims):
    return t.T if dims is None else t.permute(*dims)


def _torch_permute(t, dims):
    return t.permute(*reversed(range(t.ndim))) if dims is None else t.permute(*dims)


@given(case=permute_case())
def test_permute_gradcheck(case):
    data, dims = case
    assert gradcheck(lambda t: _permute(t, dims), leaf(data))


@given(case=permute_case())
@uses_torch
def test_permute_matches_torch(torch, case):
    data, dims = case
    compare_with_torch(torch, lambda t: _permute(t, dims), data, torch_fn=lambda t: _torch_permute(t, dims))


def test_permute_forms():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    assert x.T.shape == (4, 3, 2)
    assert x.permute(1, 0, 2).shape == (3, 2, 4)
    assert x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.permute([-1, 0, 1]).shape == (4, 2, 3)
    x.permute(-1, 0, 1).sum().backward()
    assert x.grad.shape == (2, 3, 4)
    with pytest.raises(ValueError, match=r"\(0, 0, 1\).*\(2, 3, 4\)"):
        x.permute(0, 0, 1)


@st.composite
def transpose_case(draw):
    """Data (0 to 4 dims) and two dims to swap, either written as a negative; the two may be the same dim."""
    shape = draw(st.lists(st.integers(1, 3), max_size=4).map(tuple))
    n = max(len(shape), 1)
    dim = st.integers(0, n - 1).flatmap(lambda d: st.sampled_from([d, d - n]))
    return draw(float64_arrays(shape, floats(-5, 5))), draw(dim), draw(dim)


@given(case=transpose_case())
def test_transpose_gradcheck(case):
    data, d0, d1 = case
    assert gradcheck(lambda t: t.transpose(d0, d1), leaf(data))


@given(case=transpose_case())
@uses_torch
def test_transpose_matches_torch(torch, case):
    data, d0, d1 = case
    compare_with_torch(torch, lambda t: t.transpose(d0, d1), data)


@pytest.mark.parametrize("shape, dims", [((2, 3), (0, 1)), ((2, 3), (1, 0)), ((2, 3), (-1, -2)), ((2, 3), (0, 0)),
                                         ((2, 3, 4), (1, 2)), ((2, 3, 4), (0, -1)), ((2, 3, 4), (2, 0))])
def test_transpose_swaps_two_dims_as_torch(torch, shape, dims):
    """The issue's cases: 2-D `transpose(0, 1)` is the matrix transpose (it was a no-op), 3-D `transpose(1, 2)` works."""
    data = np.random.default_rng(1).standard_normal(shape)
    out = Tensor(data, dtype=np.float64).transpose(*dims)
    np.testing.assert_array_equal(out.data, torch.from_numpy(data).transpose(*dims).numpy())
    compare_with_torch(torch, lambda t: t.transpose(*dims), data)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4,), ()])
def test_T_reverses_all_dims_and_mT_swaps_the_last_two(torch, shape):
    data = np.random.default_rng(2).standard_normal(shape)
    reverse = tuple(reversed(range(len(shape))))
    compare_with_torch(torch, lambda t: t.T, data, torch_fn=lambda t: t.permute(reverse))
    if len(shape) >= 2:
        compare_with_torch(torch, lambda t: t.mT, data)


# (our index, the same index for torch)
INDEXES = {
    "int": (1, 1),
    "negative int": (-1, -1),
    "slice": (slice(1, 3), slice(1, 3)),
    "slice with step": (slice(None, None, 2), slice(None, None, 2)),
    "int and slice": ((1, slice(0, 2)), (1, slice(0, 2))),
    "slice and int": ((slice(None), -2), (slice(None), -2)),
    "list with repeats": ([0, 2, 0, 0], [0, 2, 0, 0]),
    "array with repeats": (np.array([2, 2, 1]), [2, 2, 1]),
    "int Tensor with repeats": (Tensor([1, 1, 0]), [1, 1, 0]),
    "2-D integer arrays": ((np.array([0, 0, 2]), np.array([1, 1, 3])), ([0, 0, 2], [1, 1, 3])),
    "row array and slice": ((np.array([2, 0, 2]), slice(1, 3)), ([2, 0, 2], slice(1, 3))),
    "boolean mask": (np.array([True, False, True]), [True, False, True]),
    "2-D boolean mask": (np.arange(12).reshape(3, 4) % 3 == 0, None),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
@given(data=float64_arrays((3, 4), floats(-5, 5)))
def test_indexing_gradcheck(name, data):
    index, _ = INDEXES[name]
    assert gradcheck(lambda t: t[index], leaf(data))


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_matches_torch(torch, name):
    index, torch_index = INDEXES[name]
    if torch_index is None:
        torch_index = torch.from_numpy(index)
    data = np.random.default_rng(3).standard_normal((3, 4))
    compare_with_torch(torch, lambda t: t[index], data, torch_fn=lambda t: t[torch_index])


def test_repeated_indices_add_up():
    x = leaf([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_out_of_range_index_names_the_shape():
    with pytest.raises(IndexError, match=r"\(3, 4\)"):
        Tensor(np.zeros((3, 4)))[5]


# ----------------------------------------------------------------------------------------------- softmax family


@st.composite
def softmax_case(draw):
    shape = draw(shapes)
    return draw(float64_arrays(shape, floats(-10, 10))), draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(case=softmax_case())
def test_softmax_gradcheck(op, case):
    data, axis = case
    assert gradcheck(lambda t: getattr(t, op)(axis), leaf(data))


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(case=softmax_case())
@uses_torch
def test_softmax_matches_torch(torch, op, case):
    data, axis = case
    compare_with_torch(torch, lambda t: getattr(t, op)(axis=axis), data, torch_fn=lambda t: getattr(t, op)(dim=axis))


@st.composite
def huge_logits(draw):
    """Logits of +-1e4 (plus a little noise) and an axis: e^x overflows unless the op shifts by the maximum first."""
    shape = draw(st.sampled_from([(5,), (3, 4), (2, 3, 2)]))
    signs = draw(float64_arrays(shape, st.sampled_from([-1.0, 1.0])))
    noise = draw(float64_arrays(shape, floats(-3, 3)))
    return signs * 1e4 + noise, draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(case=huge_logits())
def test_softmax_is_finite_for_huge_logits(op, dtype, case):
    data, axis = case
    x = Tensor(data, requires_grad=True, dtype=dtype)
    out = getattr(x, op)(axis)
    assert out.dtype == dtype and np.isfinite(out.data).all()
    if op == "softmax":
        np.testing.assert_allclose(out.data.sum(axis=axis), 1.0, rtol=1e-5)
    (out * Tensor(np.linspace(-1, 1, out.data.size).reshape(out.shape), dtype=dtype)).sum().backward()
    assert x.grad.dtype == dtype and np.isfinite(x.grad).all()


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(case=huge_logits())
@uses_torch
def test_softmax_matches_torch_for_huge_logits(torch, op, case):
    data, axis = case
    compare_with_torch(torch, lambda t: getattr(t, op)(axis), data, torch_fn=lambda t: getattr(t, op)(dim=axis))


# ----------------------------------------------------------------------------------------------- dtypes


def test_float_data_becomes_float32():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.array([1.0, 2.0])).dtype == np.float32  # float64 arrays too, unless dtype is given
    assert Tensor(3.5).dtype == np.float32
    assert Tensor.zeros(2, 3).dtype == np.float32 and Tensor.ones(2).dtype == np.float32
    assert Tensor.randn(2, 2, seed=0).dtype == np.float32


def test_float64_is_kept_when_asked_for():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = (x * 2.5 + 1 - x / 3.0) ** 2
    out = (y.exp().log().tanh().sigmoid() @ x + y.sum() + y.softmax().max() + y.mean()).sum()
    assert x.dtype == y.dtype == out.dtype == np.float64
    out.backward()
    assert x.grad.dtype == np.float64


def test_float32_stays_float32_through_ops_and_gradients():
    x = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    out = ((x @ w).relu() * 2.0 + 1 - 0.5 / (x.abs() + 1).sum() ** 2).log_softmax(axis=1).mean()
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


@pytest.mark.parametrize("data", [[1, 2, 3], np.arange(3, dtype=np.int32), np.array([1, 2], dtype=np.uint8)])
def test_integer_data_keeps_an_integer_dtype(data):
    t = Tensor(data)
    assert t.dtype.kind in "iu"
    assert t.dtype == np.asarray(data).dtype


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="int"):
        Tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError, match="int"):
        Tensor([1, 2, 3]).requires_grad_()


def test_non_numeric_data_is_a_type_error():
    with pytest.raises(TypeError):
        Tensor(["a", "b"])
    with pytest.raises(TypeError):
        Tensor([[1.0, 2.0], [3.0]])


def test_properties():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.numel() == 6 and len(t) == 2
    assert isinstance(t.numpy(), np.ndarray)
    assert Tensor([[4.0]]).item() == 4.0
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        t.item()


# ----------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
                                lambda a, b: a ** b])
def test_broadcast_error_names_both_shapes(op):
    with pytest.raises(ValueError) as info:
        op(Tensor(np.ones((2, 3))), Tensor(np.ones((4,))))
    assert "(2, 3)" in str(info.value) and "(4,)" in str(info.value)


@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3, 4), (3, 4, 5)), ((2, 3), ())])
def test_matmul_error_names_both_shapes(shape_a, shape_b):
    with pytest.raises(ValueError) as info:
        Tensor(np.ones(shape_a)) @ Tensor(np.ones(shape_b))
    assert str(shape_a) in str(info.value) and str(shape_b) in str(info.value)


def test_backward_on_a_non_scalar_needs_a_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2,\)"):
        (x * 2).backward()


def test_backward_with_a_grad_of_the_wrong_shape_names_both_shapes():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError) as info:
        (x * 2).backward(np.ones((3, 2)))
    assert "(3, 2)" in str(info.value) and "(2, 3)" in str(info.value)


def test_backward_with_an_explicit_grad_is_a_vector_jacobian_product():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)
    (x * x).backward(np.array([1.0, 0.5, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, -6.0])
    y = Tensor([1.0, 2.0], requires_grad=True)
    (y * 3).backward(Tensor([1.0, 1.0]))
    np.testing.assert_array_equal(y.grad, [3.0, 3.0])


def test_one_element_non_scalar_backward_needs_no_grad():
    x = Tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    assert_close(x.grad, [[4.0]])


NUMPY_LEFT = {"+": lambda n, t: n + t, "-": lambda n, t: n - t, "*": lambda n, t: n * t, "/": lambda n, t: n / t,
              "**": lambda n, t: n ** t, "@": lambda n, t: n @ t}


@pytest.mark.parametrize("name", sorted(NUMPY_LEFT))
@pytest.mark.parametrize("left", [np.array([2.0, 3.0]), np.float64(2.0)], ids=["ndarray", "numpy scalar"])
def test_numpy_operand_on_the_left_keeps_the_graph(name, left):
    """numpy must hand `ndarray * Tensor` to Tensor's reflected op instead of turning the Tensor into an array
    (which would silently drop the graph and every gradient)."""
    if name == "@" and np.ndim(left) == 0:
        left = np.array([2.0, 3.0])  # a scalar cannot be matrix-multiplied
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=np.float64)
    out = NUMPY_LEFT[name](left, x)
    assert isinstance(out, Tensor) and out.requires_grad
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == (2, 2)
