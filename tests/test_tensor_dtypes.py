"""Type promotion follows PyTorch's `torch.result_type`: a table against torch over dtype pairs, and the cases the
issues measured (integer tensors divided or exp'd, uint8 pixels / 255, numpy scalars, int x float32)."""

import itertools

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.tensor.dtypes import promote, result_type

DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]
NUMBERS = {"True": True, "3": 3, "2.5": 2.5, "np.int64(3)": np.int64(3), "np.float64(2.5)": np.float64(2.5),
           "np.int8(3)": np.int8(3), "np.float32(2.5)": np.float32(2.5)}


def _tensor(dtype, ndim):
    data = np.array([1, 2], dtype=dtype) if ndim else np.array(1, dtype=dtype)
    return Tensor(data, dtype=dtype)


def _torch_tensor(torch, dtype, ndim):
    return torch.from_numpy(np.array([1, 2], dtype=dtype) if ndim else np.array(1, dtype=dtype))


def _torch_number(x):
    """torch treats numpy scalars as Python numbers; hand them over as such."""
    return x.item() if isinstance(x, np.generic) else x


# ----------------------------------------------------------------------------------------------- the issues' cases


def test_the_measured_cases_give_torchs_dtypes():
    ints = Tensor([1, 2, 3])
    assert (ints / 2).dtype == np.float32
    np.testing.assert_array_equal((ints / 2).data, [0.5, 1.0, 1.5])
    assert ints.exp().dtype == np.float32
    assert (ints ** 0.5).dtype == np.float32
    np.testing.assert_array_equal((Tensor([1, 2]) ** -1.0).data, np.array([1.0, 0.5], np.float32))
    assert (Tensor(np.array([0, 255], dtype=np.uint8)) / 255).dtype == np.float32
    assert (Tensor([1.0, 2.0]) * np.int64(3)).dtype == np.float32
    assert (np.int64(3) * Tensor([1.0, 2.0])).dtype == np.float32
    assert (Tensor([1.0, 2.0]) * np.float64(3)).dtype == np.float32
    assert (ints * Tensor([1.0, 2.0, 3.0])).dtype == np.float32
    assert (ints + 1).dtype == np.int64
    assert (Tensor([1.0]) + Tensor([1.0], dtype=np.float64)).dtype == np.float64
    assert (Tensor(np.array([1, 2], dtype=np.int32)) + 7).dtype == np.int32
    assert (Tensor([True, False]) + 1).dtype == np.int64
    assert (ints * 2.5).dtype == np.float32 and (2.5 - ints).dtype == np.float32


def test_mean_of_an_int_tensor_is_the_exact_mean():
    m = Tensor([1, 2]).mean()
    assert m.dtype == np.float32 and m.item() == 1.5
    np.testing.assert_array_equal(Tensor([[1, 2], [4, 4]]).mean(axis=1).data, [1.5, 4.0])


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int32, np.int64])
def test_sum_of_integers_and_bools_is_int64(dtype):
    s = Tensor(np.array([1, 1, 0], dtype=dtype), dtype=dtype).sum()
    assert s.dtype == np.int64 and s.item() == 2


def test_float_functions_of_integers_are_float32_and_the_rest_keep_the_dtype():
    ints = Tensor([1, -2, 3])
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid"]:
        assert getattr(ints, name)().dtype == np.float32, name
    for name in ["abs", "relu", "__neg__"]:
        assert getattr(ints, name)().dtype == np.int64, name


def test_integer_powers():
    assert (Tensor([1, 2]) ** 2).dtype == np.int64
    with pytest.raises(ValueError, match="negative power"):
        Tensor([1, 2]) ** -1


def test_gradients_keep_each_leafs_dtype_across_promotion():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True, dtype=np.float64)
    out = (x * y + x / Tensor([1, 2]) * 2.5).sum()
    assert out.dtype == np.float64
    out.backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, [3.0 + 2.5, 4.0 + 1.25])


def test_promote_follows_categories_not_numpys_widening():
    assert promote(np.dtype(np.int64), np.dtype(np.float16)) == np.float16  # numpy: float64
    assert promote(np.dtype(np.uint8), np.dtype(np.int8)) == np.int16
    assert result_type(np.zeros(2, np.int32), 7) == np.int32
    assert result_type(np.zeros(2, np.float16), np.zeros((), np.float64)) == np.float16


# ----------------------------------------------------------------------------------------------- against torch

PAIRS = list(itertools.product(DTYPES, DTYPES, [(1, 1), (1, 0), (0, 1)]))


@pytest.mark.parametrize("a, b, ndims", PAIRS, ids=[f"{a.__name__}-{b.__name__}-{n}" for a, b, n in PAIRS])
def test_tensor_pairs_match_torch_result_type(torch, a, b, ndims):
    ta, tb = _torch_tensor(torch, a, ndims[0]), _torch_tensor(torch, b, ndims[1])
    ours_a, ours_b = _tensor(a, ndims[0]), _tensor(b, ndims[1])
    expected = torch.empty(0, dtype=torch.result_type(ta, tb)).numpy().dtype
    assert (ours_a * ours_b).dtype == expected
    if a is not np.bool_ or b is not np.bool_:  # torch refuses bool - bool
        assert (ours_a - ours_b).dtype == expected
    assert (ours_a / ours_b).dtype == (ta / tb).numpy().dtype


NUMBER_CASES = list(itertools.product(DTYPES, sorted(NUMBERS), [1, 0]))


@pytest.mark.parametrize("dtype, number, ndim", NUMBER_CASES, ids=[f"{d.__name__}-{n}-{k}d" for d, n, k in NUMBER_CASES])
def test_tensor_with_number_matches_torch(torch, dtype, number, ndim):
    x, t, c = _tensor(dtype, ndim), _torch_tensor(torch, dtype, ndim), NUMBERS[number]
    assert (x * c).dtype == (t * _torch_number(c)).numpy().dtype
    assert (c * x).dtype == (_torch_number(c) * t).numpy().dtype
    assert (x + c).dtype == (t + _torch_number(c)).numpy().dtype
    assert (x / c).dtype == (t / _torch_number(c)).numpy().dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "abs", "relu"])
def test_unary_dtypes_match_torch(torch, dtype, name):
    if dtype is np.bool_ and name in ("abs", "relu"):
        pytest.skip("torch has no abs/relu for bool")
    ours = getattr(_tensor(dtype, 1), name)()
    assert ours.dtype == getattr(_torch_tensor(torch, dtype, 1), name)().numpy().dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_dtype_matches_torch(torch, dtype):
    assert _tensor(dtype, 1).sum().dtype == _torch_tensor(torch, dtype, 1).sum().numpy().dtype


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64, np.float16, np.float32, np.float64])
@pytest.mark.parametrize("p", [2, 0.5, -1.0, 3.0])
def test_number_power_dtype_matches_torch(torch, dtype, p):
    ours = _tensor(dtype, 1) ** p
    theirs = _torch_tensor(torch, dtype, 1) ** p
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_allclose(ours.data.astype(np.float64), theirs.numpy().astype(np.float64), rtol=1e-3)
