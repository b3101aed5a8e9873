"""Indexing against PyTorch for a table of index kinds on a (2, 3, 4) tensor: forward values, the axis order when an
int meets an index array (where numpy and torch differ), and gradients with repeated indices adding up."""

import numpy as np
import pytest
from hypothesis import given

from tinygrad_edu import Tensor, gradcheck
from tests.strategies import compare_with_torch, float64_arrays, floats

S = slice(None)
MASK_3 = np.array([True, False, True])
MASK_34 = np.arange(12).reshape(3, 4) % 3 == 0

# name: the index as a learner writes it (np arrays, lists, Tensors; converted for torch below)
INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(0, 1),
    "slice with step": (S, slice(None, None, 2)),
    "None": (None, 1),
    "Ellipsis": (Ellipsis, 2),
    "Ellipsis and None": (0, Ellipsis, None),
    "ints in every dim": (1, -1, 2),
    "int array": np.array([1, 0]),
    "negative int array": (S, np.array([-1, 0, -3])),
    "repeated int array": (S, S, np.array([3, 3, 0, 3])),
    "2-D int array": (S, np.array([[0, 2], [2, 2]])),
    "list with repeats": [1, 1, 0],
    "empty list": (S, []),
    "int Tensor": (S, Tensor([2, 0, 2])),
    "0-d int Tensor": Tensor(1),
    "bool mask": (S, MASK_3),
    "2-D bool mask": (S, MASK_34),
    "bool Tensor": (0, S, Tensor(np.array([True, False, False, True]))),
    "two arrays broadcast": (np.array([[0], [1]]), S, np.array([1, 3, 3])),
    "arrays side by side": (S, np.array([0, 2, 2]), np.array([1, 1, 3])),
    "array, slice, array": (np.array([0, 1]), S, np.array([1, 2])),
    "array, None, array": (np.array([0, 1]), None, np.array([1, 2])),
    "array, slice, int": (np.array([1, 0, 1]), S, 0),
    "slice, int, array": (S, 0, np.array([1, 2])),
    "array, int, slice": (np.array([1, 0]), 1, S),
    "int, array, array": (1, np.array([0, 2]), np.array([1, 3])),
    "Ellipsis, int, array": (Ellipsis, 0, np.array([1, 2, 2])),
    # numpy and torch disagree on these: an int with an index array elsewhere (numpy moves the array axes first)
    "int, slice, array": (0, S, np.array([1, 2])),
    "int, slice, repeated array": (1, S, np.array([0, 0, 3, 0])),
    "negative int, slice, negative array": (-1, S, np.array([-1, 0])),
    "int, None, array": (0, None, np.array([1, 2])),
    "int, slice, bool mask": (0, S, np.array([True, False, False, True])),
    "0-d Tensor, slice, array": (Tensor(0), S, np.array([1, 2])),
    "list, slice, int": ([1, 0], S, 0),
    "int, slice, 2-D array": (1, S, np.array([[0, 3], [3, 3]])),
}
NUMPY_DIFFERS = {"int, slice, array", "int, slice, repeated array", "negative int, slice, negative array",
                 "int, None, array", "int, slice, bool mask", "0-d Tensor, slice, array", "int, slice, 2-D array"}


def _for_torch(torch, index):
    """The same index for torch: arrays and our Tensors become torch tensors; lists, ints, slices stay."""
    if isinstance(index, tuple):
        return tuple(_for_torch(torch, i) for i in index)
    if isinstance(index, Tensor):
        return torch.from_numpy(np.array(index.data))
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_index_matches_torch(torch, name):
    index = INDEXES[name]
    data = np.random.default_rng(5).standard_normal((2, 3, 4))
    compare_with_torch(torch, lambda t: t[index], data, torch_fn=lambda t: t[_for_torch(torch, index)])


@pytest.mark.parametrize("name", sorted(INDEXES))
@given(data=float64_arrays((2, 3, 4), floats(-5, 5)))
def test_index_gradcheck(name, data):
    index = INDEXES[name]
    assert gradcheck(lambda t: t[index], Tensor(data, requires_grad=True, dtype=np.float64))


@pytest.mark.parametrize("name", sorted(NUMPY_DIFFERS))
def test_int_with_an_index_array_follows_torch_not_numpy(torch, name):
    """Guards the two-stage indexing: each of these has a different shape in numpy."""
    index = INDEXES[name]
    data = np.arange(24.0).reshape(2, 3, 4)
    ours = Tensor(data, dtype=np.float64)[index]
    plain = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    assert ours.shape == tuple(torch.from_numpy(data)[_for_torch(torch, index)].shape)
    assert ours.shape != data[plain].shape


def test_repeated_indices_add_up_in_both_stages():
    """x[1, :, [0, 0, 3, 0]]: entry (1, j, 0) is picked three times, so its gradient is the sum of three."""
    x = Tensor(np.zeros((2, 3, 4)), requires_grad=True, dtype=np.float64)
    g = np.arange(1.0, 13.0).reshape(3, 4)
    x[1, :, [0, 0, 3, 0]].backward(g)
    np.testing.assert_array_equal(x.grad[1, :, 0], g[:, 0] + g[:, 1] + g[:, 3])
    np.testing.assert_array_equal(x.grad[1, :, 3], g[:, 2])
    assert x.grad[0].sum() == 0 and x.grad[1, :, 1:3].sum() == 0


@pytest.mark.parametrize("index, words", [
    ((0, 5), ["(2, 3, 4)"]),
    ((S, np.array([0, 3])), ["(2, 3, 4)"]),
    ((0, S, np.array([0, 4])), ["(2, 3, 4)"]),
    (Tensor([0.5, 1.0]), ["integers or booleans", "float32"]),
])
def test_bad_indices_raise_index_errors_naming_the_problem(index, words):
    with pytest.raises(IndexError) as info:
        Tensor(np.zeros((2, 3, 4)))[index]
    for word in words:
        assert word in str(info.value)
