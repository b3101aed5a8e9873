"""Comparisons: bool tensors with no gradient on Tensor, Python bools on Value, and nodes still hashed by identity
so that graph walks over equal numbers keep working."""

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, Value
from tinygrad_edu.autograd import toposort
from tests.strategies import broadcast_pairs, float64_arrays, uses_torch

OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
METHODS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
small_ints = st.integers(-2, 2).map(float)  # few distinct numbers, so ties (==) are common


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
@uses_torch
def test_tensor_comparisons_match_torch_with_broadcasting(torch, name, data):
    shape_a, shape_b = data.draw(broadcast_pairs(), label="shapes")
    a = data.draw(float64_arrays(shape_a, small_ints), label="a")
    b = data.draw(float64_arrays(shape_b, small_ints), label="b")
    x = Tensor(a, requires_grad=True, dtype=np.float64)
    out = OPS[name](x, Tensor(b, dtype=np.float64))
    expected = OPS[name](torch.from_numpy(a), torch.from_numpy(b)).numpy()
    assert out.dtype == np.bool_ and not out.requires_grad
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(getattr(x, METHODS[name])(Tensor(b, dtype=np.float64)).data, expected)


@pytest.mark.parametrize("name", sorted(OPS))
def test_tensor_compared_with_numbers_and_other_dtypes(torch, name):
    ints = np.array([0, 1, 2, 3])
    for other in [1.5, 2, np.float32(2.0), np.array([3, 2, 1, 0])]:
        ours = OPS[name](Tensor(ints), other).data
        theirs = OPS[name](torch.from_numpy(ints), torch.from_numpy(other) if isinstance(other, np.ndarray) else other)
        np.testing.assert_array_equal(ours, theirs.numpy())
    reflected = OPS[name](1.5, Tensor(ints)).data  # 1.5 < t is t > 1.5
    np.testing.assert_array_equal(reflected, OPS[name](1.5, torch.from_numpy(ints)).numpy())


def test_masks_combine_and_truth_values_follow_torch():
    x = Tensor([-1.0, 0.5, 2.0])
    mask = (x > 0) & (x < 1)
    np.testing.assert_array_equal(mask.data, [False, True, False])
    np.testing.assert_array_equal(((x < 0) | (x > 1)).data, [True, False, True])
    np.testing.assert_array_equal((~mask).data, [True, False, True])
    assert bool((x > -2).all()) and not bool((x > 0).all()) and bool((x > 0).any())
    assert bool(Tensor([1.0]) == 1.0)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x > 0)
    with pytest.raises(TypeError, match="float32"):
        x & x
    assert (x == None) is False and (x != "a") is True  # noqa: E711 - not ours to compare: identity, as Python


def test_tensors_stay_hashable_by_identity():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    assert len({a, b}) == 2 and {a: 1, b: 2}[b] == 2
    assert hash(a) == object.__hash__(a)


def test_backward_on_a_tensor_graph_of_equal_values():
    x = Tensor([2.0, 2.0], requires_grad=True)
    y = Tensor([2.0, 2.0], requires_grad=True)
    out = (x * y + x * y + y).sum()  # equal values everywhere: the walk must not mistake one node for another
    out.backward()
    assert len(toposort(out)) == 7  # x, y, two x * y, two +, sum
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])
    np.testing.assert_array_equal(y.grad, [5.0, 5.0])


# ----------------------------------------------------------------------------------------------- Value


@pytest.mark.parametrize("name", sorted(OPS))
@given(a=small_ints, b=small_ints)
def test_value_comparisons_are_python_bools_like_floats(name, a, b):
    for left, right in [(Value(a), Value(b)), (Value(a), b), (a, Value(b)), (Value(a), np.float64(b)),
                        (Value(a), np.int64(int(b)))]:
        result = OPS[name](left, right)
        assert type(result) is bool and result == OPS[name](a, b)


def test_value_in_an_if_and_against_other_types():
    v = Value(0.5)
    assert (v if v > 0 else -v) is v
    assert max(Value(1.0), Value(3.0), Value(2.0)).data == 3.0  # max() needs >, as with numbers
    assert (v == "0.5") is False and (v != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        v < "a"


def test_values_stay_hashable_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == b and a is not b
    assert len({a, b}) == 2 and hash(a) == object.__hash__(a)


def test_backward_on_a_value_graph_of_equal_values():
    a, b = Value(2.0), Value(2.0)
    c = a * b
    d = c + a * b + b  # a * b twice: two equal nodes, both must count
    d.backward()
    order = toposort(d)
    assert len(order) == len({id(n) for n in order}) == 6
    assert (a.grad, b.grad) == (4.0, 5.0)
