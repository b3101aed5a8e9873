"""Value: every op's gradient against finite differences and PyTorch, and PyTorch's numerics at the edges."""

import gc
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value, gradcheck, no_grad
from tests.strategies import ARITHMETIC_OPS, NUMBER_OPERAND_OPS, assert_close, away_from_zero, compare_with_torch, floats, uses_torch

# Each op: a function written once for both engines, and a strategy per input inside the op's domain.
UNARY_OPS = {
    "neg": (lambda a: -a, floats(-5, 5)),
    "exp": (lambda a: a.exp(), floats(-20, 20)),
    "log": (lambda a: a.log(), floats(1e-2, 1e3)),
    "tanh": (lambda a: a.tanh(), floats(-5, 5)),
    "sigmoid": (lambda a: a.sigmoid(), floats(-10, 10)),
    "relu": (lambda a: a.relu(), away_from_zero(1e-2, 5)),
    "abs": (lambda a: a.abs(), away_from_zero(1e-2, 5)),
    "abs()": (lambda a: abs(a), away_from_zero(1e-2, 5)),
    **NUMBER_OPERAND_OPS,
}
BINARY_OPS = {
    **ARITHMETIC_OPS,
    "** Value": (lambda a, b: a ** b, floats(0.1, 3), floats(-3, 3)),
}
# Number exponents: integer powers of any nonzero base, fractional powers of positive bases.
INTEGER_EXPONENTS = [0, 1, 2, 3, -1, -2, 2.0]
FRACTIONAL_EXPONENTS = [0.5, 1.5, -0.5, 1 / 3, 2.25]


def values(*numbers):
    return [Value(x) for x in numbers]


@pytest.mark.parametrize("name", sorted(UNARY_OPS))
@given(data=st.data())
def test_unary_op_gradcheck(name, data):
    fn, domain = UNARY_OPS[name]
    assert gradcheck(fn, *values(data.draw(domain, label="a")))


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@given(data=st.data())
def test_binary_op_gradcheck(name, data):
    fn, domain_a, domain_b = BINARY_OPS[name]
    assert gradcheck(fn, *values(data.draw(domain_a, label="a"), data.draw(domain_b, label="b")))


@given(a=away_from_zero(0.1, 3), p=st.sampled_from(INTEGER_EXPONENTS))
def test_integer_number_power_gradcheck(a, p):
    assert gradcheck(lambda x: x ** p, Value(a))


@given(a=floats(0.1, 3), p=st.sampled_from(FRACTIONAL_EXPONENTS))
def test_fractional_number_power_gradcheck(a, p):
    assert gradcheck(lambda x: x ** p, Value(a))


@pytest.mark.parametrize("name", sorted(UNARY_OPS))
@given(data=st.data())
@uses_torch
def test_unary_op_matches_torch(torch, name, data):
    fn, domain = UNARY_OPS[name]
    compare_with_torch(torch, fn, data.draw(domain, label="a"))


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@given(data=st.data())
@uses_torch
def test_binary_op_matches_torch(torch, name, data):
    fn, domain_a, domain_b = BINARY_OPS[name]
    compare_with_torch(torch, fn, data.draw(domain_a, label="a"), data.draw(domain_b, label="b"))


@given(a=away_from_zero(0.1, 3), p=st.sampled_from(INTEGER_EXPONENTS + FRACTIONAL_EXPONENTS))
@uses_torch
def test_number_power_matches_torch(torch, a, p):
    if p != int(p):
        a = abs(a)
    compare_with_torch(torch, lambda x: x ** p, a)


def test_ops_give_the_textbook_numbers():
    a, b = Value(2.0), Value(-3.0)
    out = a * b + a ** 2 - b / a + (-a).exp() + a.log() + b.tanh() + b.sigmoid() + b.relu() + b.abs()
    expected = -6 + 4 + 1.5 + math.exp(-2) + math.log(2) + math.tanh(-3) + 1 / (1 + math.exp(3)) + 0 + 3
    assert out.data == pytest.approx(expected, rel=1e-12)
    out.backward()
    s = 1 / (1 + math.exp(3))
    assert a.grad == pytest.approx(b.data + 2 * 2 - 3 / 4 - math.exp(-2) + 1 / 2, rel=1e-12)
    assert b.grad == pytest.approx(2 - 1 / 2 + (1 - math.tanh(-3) ** 2) + s * (1 - s) + 0 - 1, rel=1e-12)


def test_value_is_float64_and_rejects_non_numbers():
    assert type(Value(3).data) is float
    assert type(Value(np.float32(0.1)).data) is float
    with pytest.raises(TypeError, match="real number"):
        Value("three")
    with pytest.raises(TypeError, match="real number"):
        Value([1.0, 2.0])


# ----------------------------------------------------------------------------------------------- edge numerics
# (function, inputs, expected forward value): each must match PyTorch in value and gradients, and never raise.
EDGE_CASES = [
    ("exp overflow", lambda a: a.exp(), [1000.0], math.inf),
    ("exp underflow", lambda a: a.exp(), [-1000.0], 0.0),
    ("log of a negative", lambda a: a.log(), [-1.0], math.nan),
    ("log of 0", lambda a: a.log(), [0.0], -math.inf),
    ("1 / 0", lambda a, b: a / b, [1.0, 0.0], math.inf),
    ("-1 / 0", lambda a, b: a / b, [-1.0, 0.0], -math.inf),
    ("1 / -0.0", lambda a, b: a / b, [1.0, -0.0], -math.inf),
    ("0 / 0", lambda a, b: a / b, [0.0, 0.0], math.nan),
    ("number / 0", lambda a: 2.0 / a, [0.0], math.inf),
    ("0 ** -1", lambda a: a ** -1, [0.0], math.inf),
    ("0 ** -2", lambda a: a ** -2, [0.0], math.inf),
    ("-0.0 ** -1", lambda a: a ** -1, [-0.0], -math.inf),
    ("0 ** -0.5", lambda a: a ** -0.5, [0.0], math.inf),
    ("0 ** Value(-1)", lambda a, b: a ** b, [0.0, -1.0], math.inf),
    ("0 ** 0", lambda a: a ** 0, [0.0], 1.0),
    ("0 ** Value(0)", lambda a, b: a ** b, [0.0, 0.0], 1.0),
    ("0 ** Value(2)", lambda a, b: a ** b, [0.0, 2.0], 0.0),
    ("(-8) ** (1/3)", lambda a: a ** (1 / 3), [-8.0], math.nan),
    ("(-8) ** Value(1/3)", lambda a, b: a ** b, [-8.0, 1 / 3], math.nan),
    ("(-2) ** 3", lambda a: a ** 3, [-2.0], -8.0),
    ("10 ** 400", lambda a: a ** 400, [10.0], math.inf),
    ("(-10) ** 401", lambda a: a ** 401, [-10.0], -math.inf),
    ("2 ** Value(5000)", lambda a: 2.0 ** a, [5000.0], math.inf),
    ("relu(0)", lambda a: a.relu(), [0.0], 0.0),
    ("abs(0)", lambda a: a.abs(), [0.0], 0.0),
    ("tanh(1000)", lambda a: a.tanh(), [1000.0], 1.0),
    ("sigmoid(-1000)", lambda a: a.sigmoid(), [-1000.0], 0.0),
    ("sigmoid(1000)", lambda a: a.sigmoid(), [1000.0], 1.0),
]


@pytest.mark.parametrize("name, fn, inputs, expected", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_numerics_follow_pytorch_without_raising(name, fn, inputs, expected):
    xs = values(*inputs)
    out = fn(*xs)
    assert_close(out.data, expected, rtol=0, atol=0, what=name)
    out.backward()  # must not raise either
    assert all(isinstance(x.grad, float) for x in xs)


@pytest.mark.parametrize("name, fn, inputs, expected", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_numerics_match_torch_values_and_gradients(torch, name, fn, inputs, expected):
    compare_with_torch(torch, fn, *inputs)


# ----------------------------------------------------------------------------------------------- saturation


def _reference_sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.float64(x)))


@given(x=floats(-1e3, 1e3))
def test_sigmoid_and_tanh_are_finite_and_accurate_for_large_inputs(x):
    a, b = Value(x), Value(x)
    s, t = a.sigmoid(), b.tanh()
    assert s.data == pytest.approx(_reference_sigmoid(x), rel=1e-14, abs=1e-300)
    assert t.data == pytest.approx(np.tanh(x), rel=1e-14, abs=1e-300)
    s.backward()
    t.backward()
    assert math.isfinite(a.grad) and math.isfinite(b.grad)
    reference = _reference_sigmoid(x)
    assert a.grad == pytest.approx(reference * (1 - reference), rel=1e-12, abs=1e-15)
    assert b.grad == pytest.approx(1 - np.tanh(x) ** 2, rel=1e-12, abs=1e-15)


@given(x=st.one_of(floats(-1e3, 1e3), st.sampled_from([-1e3, -745.0, -710.0, -40.0, 0.0, 40.0, 710.0, 1e3])))
@uses_torch
def test_sigmoid_and_tanh_match_torch_for_large_inputs(torch, x):
    # Both engines take the gradient as 1 - t^2 and s (1 - s): near saturation that difference of nearly equal
    # numbers is only accurate to ~1e-16 absolute, whichever library computes it.
    compare_with_torch(torch, lambda a: a.sigmoid(), x, rtol=1e-13, atol=1e-15)
    compare_with_torch(torch, lambda a: a.tanh(), x, rtol=1e-13, atol=1e-15)


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=6))
def test_value_sum_is_one_node_with_the_running_sums_number_and_gradients(xs):
    terms = [Value(x) for x in xs]
    total = Value.sum(terms)
    running = terms[0]
    for t in terms[1:]:
        running = running + t
    assert total.data == running.data and total._op == "sum" and total._parents == tuple(terms)
    total.backward()
    assert [t.grad for t in terms] == [1.0] * len(terms)


def test_value_sum_repeats_and_numbers():
    a = Value(2.0)
    s = Value.sum([a, a, 3])
    s.backward()
    assert s.data == 7.0 and a.grad == 2.0
    assert gradcheck(lambda a, b: Value.sum([a * b, a, b.tanh(), 1.5]), Value(0.3), Value(-0.7))
    with pytest.raises(ValueError, match="at least one"):
        Value.sum([])


def test_an_op_keeps_its_inputs_in_slots_not_in_a_tuple_of_its_own():
    a, b = Value(2.0), Value(-3.0)
    product, square, twice, total = a * b, a ** 2, a + a, Value.sum([a, b, a])
    assert product._parents == (a, b) and square._parents == (a,) and twice._parents == (a, a)
    assert total._parents == (a, b, a) and a._parents == ()
    for out in (product, square, twice):  # one object per node for the garbage collector, not two
        assert not any(isinstance(r, tuple) and r for r in gc.get_referents(out))  # () is shared
    with no_grad():
        assert (a * b)._parents == () and Value.sum([a, b, a])._parents == ()


def test_a_number_operand_is_part_of_the_op_not_a_node():
    a = Value(3.0)
    results = {"+2": a + 2, "+2 r": 2 + a, "-2": a - 2, "2-": 2 - a, "*2": a * 2, "*2 r": 2 * a, "/2": a / 2, "2/": 2 / a}
    for name, out in results.items():
        assert out._parents == (a,) and out._op == name.split()[0]
    grads = {}
    for name, out in results.items():
        a.grad = 0.0
        out.backward()
        grads[name] = a.grad
    assert grads == {"+2": 1.0, "+2 r": 1.0, "-2": 1.0, "2-": -1.0, "*2": 2.0, "*2 r": 2.0, "/2": 0.5, "2/": -2 / 9}
    assert [r.data for r in results.values()] == [5.0, 5.0, 1.0, -1.0, 6.0, 6.0, 1.5, 2 / 3]


def test_dividing_by_zero_then_by_minus_zero_keeps_the_sign_of_each():
    """The chain rules of `a / c` are cached per number, and 0.0 == -0.0: the cache must not hand one the other's."""
    for c, expected in ((0.0, math.inf), (-0.0, -math.inf), (0.0, math.inf)):
        x = Value(1.0)
        (x / c).backward()
        assert x.grad == expected
