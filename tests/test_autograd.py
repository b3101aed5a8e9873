"""The graph core: deep graphs, reused nodes, repeated backward, grad modes, detach, and freeing finished graphs."""

import gc
import math
import weakref

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, Value, detect_anomaly, enable_grad, gradcheck, is_grad_enabled, no_grad
from tinygrad_edu.autograd import toposort
from tests.strategies import assert_close, kink_inputs, programs, run_program


def scalar_tensor(x, shape=()):
    return Tensor(np.full(shape, x), requires_grad=True, dtype=np.float64)


# ----------------------------------------------------------------------------------------------- deep graphs


def test_a_chain_a_million_ops_deep_backprops_exactly():
    """x <- x * c, x <- x * h, alternately, 500,000 times each: y = x0 c^n h^n with c = 2, h = 1/2.
    Every product is a power of two times 3, so the closed forms hold exactly in floating point:
    dy/dx0 = (c h)^n = 1, dy/dc = n x0 c^(n-1) h^n = 3n/2, dy/dh = n x0 c^n h^(n-1) = 6n."""
    n = 500_000
    x0, c, h = Value(3.0), Value(2.0), Value(0.5)
    x = x0
    for _ in range(n):
        x = x * c
        x = x * h
    x.backward()
    assert x.data == 3.0
    assert x0.grad == 1.0
    assert c.grad == 1.5 * n
    assert h.grad == 6.0 * n


def test_toposort_lists_each_node_once_after_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + c
    e = (d * a).tanh() + c
    order = toposort(e)
    assert len(order) == len(set(map(id, order))) == 7  # a, b, c, d, d*a, tanh, e
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node._parents)
    assert order[-1] is e


# ----------------------------------------------------------------------------------------------- random graphs


def _checkable(steps, nodes):
    """Away from relu/abs corners and from huge numbers, where finite differences stop meaning anything."""
    return (all(abs(x) > 1e-3 for x in kink_inputs(steps, nodes))
            and all(math.isfinite(node.data) and abs(node.data) < 1e6 for node in nodes))


@given(program=programs())
def test_random_graphs_pass_gradcheck(program):
    leaves, steps = program
    assume(_checkable(steps, run_program(steps, [Value(x) for x in leaves])))
    assert gradcheck(lambda *xs: run_program(steps, xs)[-1], *[Value(x) for x in leaves])


@given(program=programs(), shape=st.sampled_from([(), (1,)]))
def test_random_graphs_agree_on_value_and_tensor(program, shape):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    nodes = run_program(steps, values)
    assume(all(math.isfinite(node.data) for node in nodes))
    tensors = [scalar_tensor(x, shape) for x in leaves]
    out = run_program(steps, tensors)[-1]
    assert out.dtype == np.float64 and out.shape == shape
    assert_close(out.data, np.full(shape, nodes[-1].data), rtol=1e-10, atol=1e-12, what="forward")
    nodes[-1].backward()
    out.backward()
    for i, (v, t) in enumerate(zip(values, tensors)):
        grad = np.zeros(shape) if t.grad is None else t.grad  # a leaf the output does not use has no grad
        assert_close(grad, np.full(shape, v.grad), rtol=1e-9, atol=1e-12, what=f"gradient of leaf {i}")


@pytest.mark.parametrize("make", [Value, scalar_tensor], ids=["Value", "Tensor"])
def test_same_parent_twice(make):
    a = make(3.0)
    (a + a).backward()
    assert float(a.grad) == 2.0
    b = make(3.0)
    (b * b).backward()
    assert float(b.grad) == 6.0
    c = make(3.0)
    (c / c - c * c * c).backward()
    assert float(c.grad) == pytest.approx(-27.0, abs=1e-12)


# ----------------------------------------------------------------------------------------------- repeated backward


@pytest.mark.parametrize("make", [Value, scalar_tensor], ids=["Value", "Tensor"])
def test_backward_twice_doubles_leaves_and_resets_intermediates(make):
    """The micrograd bug case: with b = a*a and c = b+b, a second backward must not double-count b's grad."""
    a = make(3.0)
    b = a * a
    c = b + b
    c.backward()
    first = float(a.grad)
    assert first == 12.0 and float(b.grad) == 2.0
    c.backward()
    assert float(a.grad) == 2 * first
    assert float(b.grad) == 2.0
    assert float(c.grad) == 1.0


@pytest.mark.parametrize("make", [Value, scalar_tensor], ids=["Value", "Tensor"])
def test_leaf_grads_accumulate_across_roots_until_zeroed(make):
    x = make(3.0)
    (x * 2.0).backward()
    (x * x).backward()
    assert float(x.grad) == 2.0 + 6.0
    x.zero_grad()
    assert x.grad is None or x.grad == 0.0
    (x * x).backward()
    assert float(x.grad) == 6.0


def test_backward_on_a_leaf_seeds_its_own_grad():
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0
    t = scalar_tensor(5.0)
    t.backward()
    assert float(t.grad) == 1.0


# ----------------------------------------------------------------------------------------------- grad modes


@pytest.mark.parametrize("make", [Value, scalar_tensor], ids=["Value", "Tensor"])
def test_no_grad_records_nothing(make):
    x = make(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x + 1.0).exp()
    assert is_grad_enabled()
    assert y._parents == () and y._backward is None and not y.requires_grad
    assert float(y.data) == pytest.approx(math.exp(5.0))
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    assert x.grad is None or x.grad == 0.0


def test_no_grad_nests_and_enable_grad_turns_recording_back_on():
    x = Value(2.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
            y = x * 3.0
        assert not is_grad_enabled()
        z = x * 3.0
    assert is_grad_enabled()
    assert y.requires_grad and y._parents[0] is x
    assert not z.requires_grad
    y.backward()
    assert x.grad == 3.0
    with enable_grad():
        assert is_grad_enabled()
    assert is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(KeyError):
            with enable_grad():
                raise KeyError("x")
        assert not is_grad_enabled()


@pytest.mark.parametrize("make", [Value, scalar_tensor], ids=["Value", "Tensor"])
def test_detach_stops_gradients(make):
    x = make(3.0)
    d = x.detach()
    assert not d.requires_grad and d._parents == ()
    assert float(d.data) == 3.0
    (x * d).backward()  # d is a constant: d/dx (x * 3) = 3, not 2x
    assert float(x.grad) == 3.0
    assert d.grad is None or d.grad == 0.0
    with pytest.raises(RuntimeError):
        (d * d).backward()


def test_tensor_detach_shares_memory_as_in_pytorch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert np.shares_memory(x.detach().data, x.data)


@pytest.mark.parametrize("make", [Value, scalar_tensor], ids=["Value", "Tensor"])
def test_inputs_that_do_not_require_grad_get_no_grad(make):
    x = make(2.0)
    with no_grad():
        c = make(5.0) * 1.0  # a constant made without a graph
    y = x * c + c.exp()
    y.backward()
    assert float(x.grad) == 5.0
    assert c.grad is None or c.grad == 0.0


def test_tensors_without_requires_grad_record_no_graph():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    c = (a * b).sum()
    assert not c.requires_grad and c._parents == ()
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.backward()
    w = Tensor([1.0, 1.0], requires_grad=True)
    (a * w).sum().backward()
    assert a.grad is None and w.grad is not None


# ----------------------------------------------------------------------------------------------- memory


def _value_graph():
    a = Value(2.0, label="a")
    b = a * a
    return b, ((b + b).tanh() * a.exp() - 1.0 / a) ** 2


def _tensor_graph():
    a = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    b = a * a
    out = ((b @ a.T).softmax(axis=1).log_softmax(0) + b[[0, 0], 1:].sum(axis=0).max() + (b ** 0.5).mean()).sum()
    return b, out


@pytest.mark.parametrize("backprop", [False, True], ids=["built", "backpropagated"])
@pytest.mark.parametrize("anomaly", [False, True], ids=["", "anomaly mode"])
@pytest.mark.parametrize("build", [_value_graph, _tensor_graph], ids=["Value", "Tensor"])
def test_a_finished_graph_is_freed_by_reference_counting(build, anomaly, backprop):
    collector_was_on = gc.isenabled()
    gc.disable()  # only reference counting may free it: a reference cycle would keep the graph alive
    try:
        if anomaly:
            with detect_anomaly():
                inner, root = build()
        else:
            inner, root = build()
        if backprop:
            root.backward()
        inner_ref, root_ref = weakref.ref(inner), weakref.ref(root)
        del inner
        assert inner_ref() is not None  # still part of the graph that `root` holds
        del root
        assert root_ref() is None
        assert inner_ref() is None
    finally:
        if collector_was_on:
            gc.enable()
