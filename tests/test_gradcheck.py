"""gradcheck: passes correct gradients, and names input, index, both numbers and the tolerance when one is wrong."""

import re

import numpy as np
import pytest

from tinygrad_edu import GradcheckError, Tensor, Value, gradcheck


def square_with_wrong_backward(t: Tensor) -> Tensor:
    """t ** 2 whose chain rule forgets the factor 2: backward() says x where the truth is 2x."""

    def _back(out, g):
        (a,) = out._parents
        a._accumulate(g * a.data)

    return Tensor._result(t.data ** 2, (t,), "bad_square", _back)


def value_square_with_wrong_backward(v: Value) -> Value:
    def _back(out, g):
        out._parents[0].grad += g * out._parents[0].data

    return Value._result(v.data ** 2, v, None, "bad_square", _back)


def _numbers_in(message):
    match = re.search(r"backward\(\) gives (\S+), central differences give (\S+) ", message)
    assert match, message
    return float(match.group(1)), float(match.group(2))


def test_returns_true_for_correct_gradients():
    assert gradcheck(lambda a, b: (a * b + a.exp()) / b.tanh(), Value(0.3), Value(-1.2)) is True
    x = Tensor([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]], requires_grad=True)
    w = Tensor([[1.0], [-2.0], [0.5]], requires_grad=True)
    assert gradcheck(lambda x, w: ((x @ w).sigmoid() * x).log_softmax(axis=1).mean(), x, w) is True


def test_checks_non_scalar_outputs_through_a_random_weighting():
    x = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    assert gradcheck(lambda t: t * t.sum(axis=0), x)
    with pytest.raises(GradcheckError):
        gradcheck(square_with_wrong_backward, x)


def test_constant_inputs_pass_through():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = Tensor([0, 2, 2])  # an integer tensor: a constant, not checked
    assert gradcheck(lambda t, i, k: t[i].sum() * k, x, index, 3.0)


def test_wrong_backward_is_reported_with_position_index_numbers_and_tolerance():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([0.0, 3.0, -1.0], requires_grad=True)  # at b[0] = 0 the wrong gradient (x) equals the right one (2x)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a.sum() + square_with_wrong_backward(b).sum(), a, b, atol=1e-4, rtol=1e-2)
    message = str(info.value)
    assert "input 1" in message
    assert "index (1,)" in message
    exact, numeric = _numbers_in(message)
    assert exact == 3.0  # what the broken backward says
    assert numeric == pytest.approx(6.0, rel=1e-6)  # the truth, 2 * 3
    assert "atol 0.0001" in message and "rtol 0.01" in message


def test_wrong_value_backward_is_reported():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda u, v: u * 2.0 + value_square_with_wrong_backward(v), Value(1.0), Value(-2.0))
    message = str(info.value)
    assert "input 1" in message
    exact, numeric = _numbers_in(message)
    assert exact == -2.0 and numeric == pytest.approx(-4.0, rel=1e-6)
    assert "atol" in message and "rtol" in message


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_float32_inputs_are_checked_in_float64_and_left_untouched():
    x = Tensor([0.1, 0.2, 0.3], requires_grad=True)  # float32: its rounding would drown central differences
    before = x.data.copy()
    assert gradcheck(lambda t: (t * 10.0).tanh().sum(), x, atol=1e-7, rtol=1e-6)
    np.testing.assert_array_equal(x.data, before)
    assert x.data.dtype == np.float32 and x.grad is None
    v = Value(0.5)
    assert gradcheck(lambda u: u.sigmoid(), v)
    assert v.data == 0.5 and v.grad == 0.0
