"""`Value.weighted_sum`, a neuron's `b + w . x` as one node: its numbers, its chain rule, its errors."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Value, no_grad
from tinygrad_edu.autograd import toposort

finite = st.floats(-3.0, 3.0, allow_nan=False)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6), finite, finite, st.booleans(),
       st.sampled_from([None, "relu", "tanh"]))
def test_matches_finite_differences_with_a_random_incoming_gradient(pairs, bias, incoming, inputs_need_grad,
                                                                     activation):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    for x in xs:
        x.requires_grad = inputs_need_grad
    b = Value(bias)
    out = Value.weighted_sum(ws, xs, b, activation)
    (out * incoming).backward()

    def f(values):
        total = values[0]
        for w, x in zip(values[1::2], values[2::2]):
            total += w * x
        act = total if activation is None else max(total, 0.0) if activation == "relu" else math.tanh(total)
        return act * incoming

    z = bias + sum(w * x for w, x in pairs)
    assume(activation != "relu" or abs(z) > 1e-4)  # no finite difference across relu's kink

    flat = [b.data] + [v for pair in zip((w.data for w in ws), (x.data for x in xs)) for v in pair]
    eps = 1e-6
    for k, node in enumerate([b] + [n for pair in zip(ws, xs) for n in pair]):
        plus, minus = list(flat), list(flat)
        plus[k] += eps
        minus[k] -= eps
        expected = (f(plus) - f(minus)) / (2 * eps) if node.requires_grad else 0.0
        assert node.grad == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("activation, op", [(None, "w·x+b"), ("relu", "relu(w·x+b)"), ("tanh", "tanh(w·x+b)")])
@pytest.mark.parametrize("bias", [0.3, -5.0])  # relu on and off
def test_same_number_and_gradients_as_the_unfused_graph(activation, op, bias):
    rng = random.Random(0)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(7)]
    xs = [Value(rng.uniform(-1, 1)) for _ in range(7)]
    b = Value(bias)
    fused = Value.weighted_sum(ws, xs, b, activation)
    fused.backward(0.7)
    grads = [v.grad for v in ws + xs + [b]]
    for v in ws + xs + [b]:
        v.grad = 0.0
    unfused = Value.sum([b, *(w * x for w, x in zip(ws, xs))])
    unfused = unfused if activation is None else unfused.relu() if activation == "relu" else unfused.tanh()
    unfused.backward(0.7)
    assert fused.data == unfused.data
    assert grads == [v.grad for v in ws + xs + [b]]
    assert fused._parents == (b, *[n for pair in zip(ws, xs) for n in pair])
    assert fused._op == op and len(toposort(fused)) == 1 + 15


def test_constant_inputs_get_no_gradient_and_no_grad_records_nothing():
    w, x, b = Value(2.0), Value(3.0), Value(1.0)
    x.requires_grad = False
    out = Value.weighted_sum([w], [x], b)
    out.backward()
    assert (w.grad, x.grad, b.grad) == (3.0, 0.0, 1.0)
    with no_grad():
        quiet = Value.weighted_sum([w], [x], b)
    assert quiet.data == 7.0 and not quiet.requires_grad and quiet._parents == ()


def test_infinite_input_gives_nan_gradient_as_pytorch():
    w, x, b = Value(0.0), Value(math.inf), Value(0.0)
    Value.weighted_sum([w], [x], b).backward(0.0)  # 0 * inf is nan, as in torch's matmul backward
    assert math.isnan(w.grad)


def test_nan_passes_relu_as_the_relu_op():
    w, x, b = Value(1.0), Value(math.nan), Value(0.0)
    out = Value.weighted_sum([w], [x], b, "relu")
    out.backward(2.0)
    assert math.isnan(out.data) and b.grad == 2.0


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="got 2 weights and 1 inputs"):
        Value.weighted_sum([Value(1.0), Value(2.0)], [Value(1.0)], Value(0.0))
    with pytest.raises(ValueError, match="at least one input, got 0 weights and 0 inputs"):
        Value.weighted_sum([], [], Value(0.0))  # a neuron without inputs: its one parent would not be a tuple
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        Value.weighted_sum([Value(1.0)], [Value(1.0)], Value(0.0), "gelu")
