"""Specifications written to kill the mutants that survived the suite (docs/mutation.md lists the run).

Every chain rule is checked with a random incoming gradient (not 1) against float64 central differences, with
each input used twice, so `grad += ...` turned into `grad = ...` changes the answer. Then the plumbing a gradient
check does not see: which inputs record a graph, modes, seeds, dtypes, defaults, op names, messages and reprs.
"""

import math
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, optim
from tinygrad_edu.autograd import AnomalyError, detect_anomaly, enable_grad, is_anomaly_enabled, no_grad
from tinygrad_edu.nn import functional as F
from tinygrad_edu.tensor import tensor

from tests.strategies import BINARY_OPERATORS

RNG = np.random.default_rng(1234)
G = 0.7303  # an incoming gradient that is not 1
K = -0.4111  # the weight of the second use of each input


def numeric(f, x, h=1e-6):
    """d f / d x by central differences, for a float or an ndarray of float64 (changed in place, then restored)."""
    if isinstance(x, float):
        return (f(x + h) - f(x - h)) / (2 * h)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        out[i] = (up - down) / (2 * h)
    return out


# ------------------------------------------------------------------------------------------- Value chain rules

VALUE_UNARY = {
    "neg": (lambda a: -a, 0.8),
    "exp": (lambda a: a.exp(), 0.3),
    "log": (lambda a: a.log(), 1.7),
    "tanh": (lambda a: a.tanh(), 0.4),
    "sigmoid+": (lambda a: a.sigmoid(), 0.9),
    "sigmoid-": (lambda a: a.sigmoid(), -1.3),
    "relu+": (lambda a: a.relu(), 0.6),
    "relu-": (lambda a: a.relu(), -0.6),
    "abs+": (lambda a: a.abs(), 0.6),
    "abs-": (lambda a: abs(a), -0.6),
    "+c": (lambda a: a + 2.5, 0.3),
    "c+": (lambda a: 2.5 + a, 0.3),
    "-c": (lambda a: a - 2.5, 0.3),
    "c-": (lambda a: 2.5 - a, 0.3),
    "*c": (lambda a: a * 2.5, 0.3),
    "c*": (lambda a: 2.5 * a, 0.3),
    "/c": (lambda a: a / 2.5, 0.3),
    "c/": (lambda a: 2.5 / a, 0.3),
    "**2": (lambda a: a**2, 0.7),
    "**3": (lambda a: a**3, -0.7),
    "**-1": (lambda a: a**-1, 0.7),
    "**0.5": (lambda a: a**0.5, 0.7),
    "**0": (lambda a: a**0, 0.7),
    "c**": (lambda a: 2.5**a, 0.7),
}


@pytest.mark.parametrize("name", VALUE_UNARY)
def test_value_unary_chain_rules_with_a_random_incoming_gradient(name):
    op, x0 = VALUE_UNARY[name]

    def loss(x):
        return op(Value(x)).data * G + x * K

    expected = numeric(loss, x0)
    for first in (True, False):  # both orders: the op's chain rule runs after the other use in one of them
        x = Value(x0)
        (op(x) * G + x * K if first else x * K + op(x) * G).backward()
        assert x.grad == pytest.approx(expected, rel=1e-6, abs=1e-9), name


VALUE_BINARY = {**BINARY_OPERATORS, "sum": lambda a, b: Value.sum([a, b, a])}


@pytest.mark.parametrize("name", VALUE_BINARY)
def test_value_binary_chain_rules_with_a_random_incoming_gradient(name):
    op = VALUE_BINARY[name]
    a0, b0 = 1.3, 0.6
    da = numeric(lambda x: op(Value(x), Value(b0)).data * G + x * K, a0)
    db = numeric(lambda y: op(Value(a0), Value(y)).data * G + y * 2 * K, b0)
    for first in (True, False):  # both orders: the op's chain rule runs after the other uses in one of them
        a, b = Value(a0), Value(b0)
        (op(a, b) * G + (a * K + b * (2 * K)) if first else (a * K + b * (2 * K)) + op(a, b) * G).backward()
        assert (a.grad, b.grad) == pytest.approx((da, db), rel=1e-6), name


def test_value_gradients_flow_only_into_inputs_that_require_them():
    a, b = Value(1.5), Value(2.0)
    b.requires_grad = False
    for op in VALUE_BINARY.values():
        out = op(a, b)
        assert out.requires_grad and out._parents[0] is a
    a.requires_grad = False
    for op in VALUE_BINARY.values():
        assert op(a, b).requires_grad is False and op(a, b)._parents == ()
    for op, x0 in VALUE_UNARY.values():
        out = op(Value(x0))
        assert out.grad == 0.0 and out.label == "" and out.requires_grad is True


def test_value_numerics_at_the_edges():
    assert (Value(1e-300) ** -3).data == math.inf and (Value(-1e-300) ** -3).data == -math.inf
    assert (Value(1e300) ** 3).data == math.inf and (Value(-1e300) ** 3).data == -math.inf
    for x in np.linspace(0.0, 0.99, 67):  # x >= 0 uses 1 / (1 + e^-x), to the last bit
        assert Value(float(x)).sigmoid().data == 1.0 / (1.0 + math.exp(-float(x)))
    for x in np.linspace(-0.99, -0.01, 67):
        assert Value(float(x)).sigmoid().data == math.exp(float(x)) / (1.0 + math.exp(float(x)))


def test_value_sum_respects_no_grad_and_records_in_anomaly_mode():
    a, b = Value(1.0), Value(2.0)
    with no_grad():
        s = Value.sum([a, b])
    assert s.data == 3.0 and s.requires_grad is False and s._parents == ()
    c, d = Value(1.0), Value(2.0)
    c.requires_grad = d.requires_grad = False
    assert Value.sum([c, d]).requires_grad is False and Value.sum([c, d, 3]).requires_grad is True
    with detect_anomaly():
        s = Value.sum([a, b])
        assert "test_mutation_kills.py" in s._trace or "mutmut" in s._trace
        with pytest.raises(AnomalyError, match=r"op 'sum' produced inf from finite inputs \(1e\+308, 1e\+308\)"):
            Value.sum([Value(1e308), Value(1e308)])
    with pytest.raises(ValueError, match="^Value.sum needs at least one term$"):
        Value.sum([])


def test_value_detach_repr_and_labels():
    a = Value(2.0, label="w") * 3
    d = Value(1.5, label="w").detach()
    assert d.requires_grad is False and d.label == "w" and d.data == 1.5 and d._parents == ()
    assert repr(Value(0.5, label="w")) == "Value(data=0.5, grad=0, label='w')"
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0)"
    assert a._op == "*3"


def test_value_op_names():
    a, b = Value(2.0), Value(3.0)
    assert a._op == "" and Tensor([1.0])._op == ""  # a leaf has no op
    names = [(a + b)._op, (a - b)._op, (a * b)._op, (a / b)._op, (a**b)._op, (a + 1)._op, (a - 1)._op,
             (a * 0.5)._op, (a / 4)._op, (a**2)._op, (1 - a)._op, (1 / a)._op, (-a)._op, a.exp()._op, a.log()._op,
             a.tanh()._op, a.sigmoid()._op, a.relu()._op, a.abs()._op, Value.sum([a, b])._op]
    assert names == ["+", "-", "*", "/", "**", "+1", "-1", "*0.5", "/4", "**2", "1-", "1/", "neg", "exp", "log",
                     "tanh", "sigmoid", "relu", "abs", "sum"]


# ------------------------------------------------------------------------------------------- Tensor chain rules

def _check_tensor_grads(f, *arrays, rtol=1e-5, atol=1e-8):
    """Backward of sum(f(*inputs) * Gout) + K * sum(inputs) against central differences, for every input."""
    inputs = [Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    out = f(*inputs)
    gout = RNG.uniform(-2, 2, out.shape)
    total = (out * Tensor(gout, dtype=np.float64)).sum()
    for t in inputs:
        total = total + (t * K).sum()
    total.backward()
    for i, t in enumerate(inputs):
        def scalar(x, i=i):
            args = [Tensor(x if j == i else a, dtype=np.float64) for j, a in enumerate(arrays)]
            return float((f(*args).data * gout).sum()) + K * float(x.sum())
        expected = numeric(scalar, np.array(arrays[i], dtype=np.float64))
        assert t.grad is not None and t.grad.dtype == np.float64 and t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, expected, rtol=rtol, atol=atol * max(1.0, np.abs(expected).max()))


def pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def sym(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


TENSOR_CASES = {
    "add broadcast": (lambda a, b: a + b, [sym(3, 4), sym(4)]),
    "sub broadcast": (lambda a, b: a - b, [sym(3, 1), sym(3, 4)]),
    "mul broadcast": (lambda a, b: a * b, [sym(3, 4), sym(1, 4)]),
    "div broadcast": (lambda a, b: a / b, [sym(3, 4), pos(3, 1)]),
    "pow tensor": (lambda a, b: a**b, [pos(3, 4), sym(4)]),
    "pow zero exponent": (lambda a, b: a ** (b * 0), [pos(2, 3), sym(2, 3)]),
    "pow 3": (lambda a: a**3, [sym(3, 4)]),
    "pow -2": (lambda a: a**-2, [pos(3, 4)]),
    "pow 0": (lambda a: a**0, [sym(3, 4)]),
    "rsub rdiv rpow": (lambda a: (2.0 - a) + 3.0 / a + 1.5**a, [pos(3, 4)]),
    "neg": (lambda a: -a, [sym(3, 4)]),
    "exp": (lambda a: a.exp(), [sym(3, 4)]),
    "log": (lambda a: a.log(), [pos(3, 4)]),
    "sqrt": (lambda a: a.sqrt(), [pos(3, 4)]),
    "tanh": (lambda a: a.tanh(), [sym(3, 4)]),
    "sigmoid": (lambda a: a.sigmoid(), [sym(3, 4) * 4]),
    "relu": (lambda a: a.relu(), [sym(3, 4)]),
    "abs": (lambda a: a.abs(), [sym(3, 4)]),
    "sum axis": (lambda a: a.sum(axis=0), [sym(3, 4)]),
    "sum keepdims": (lambda a: a.sum(axis=(0, 2), keepdims=True), [sym(2, 3, 4)]),
    "sum all": (lambda a: a.sum(), [sym(3, 4)]),
    "mean axis": (lambda a: a.mean(axis=1), [sym(3, 4)]),
    "mean keepdims": (lambda a: a.mean(axis=-1, keepdims=True), [sym(2, 3, 4)]),
    "mean all": (lambda a: a.mean(), [sym(3, 4)]),
    "max axis": (lambda a: a.max(axis=1), [sym(3, 4)]),
    "max keepdims": (lambda a: a.max(axis=0, keepdims=True), [sym(3, 4)]),
    "max all": (lambda a: a.max(), [sym(3, 4)]),
    "softmax": (lambda a: a.softmax(axis=-1), [sym(3, 4)]),
    "softmax axis 0": (lambda a: a.softmax(axis=0), [sym(3, 4)]),
    "log_softmax": (lambda a: a.log_softmax(axis=1), [sym(3, 4)]),
    "reshape": (lambda a: a.reshape(4, 3) * Tensor(np.arange(12.0).reshape(4, 3), dtype=np.float64), [sym(3, 4)]),
    "transpose": (lambda a: a.transpose(0, 2), [sym(2, 3, 4)]),
    "T": (lambda a: a.T, [sym(3, 4)]),
    "index slice": (lambda a: a[1:, ::2], [sym(3, 4)]),
    "index repeated": (lambda a: a[np.array([0, 2, 0])], [sym(3, 4)]),
    "matmul 2d": (lambda a, b: a @ b, [sym(3, 4), sym(4, 2)]),
    "matmul batched @ 2d": (lambda a, b: a @ b, [sym(2, 3, 4), sym(4, 5)]),
    "matmul 2d @ batched": (lambda a, b: a @ b, [sym(3, 4), sym(2, 4, 5)]),
    "matmul vector": (lambda a, b: a @ b, [sym(4), sym(4, 3)]),
    "matmul @ vector": (lambda a, b: a @ b, [sym(3, 4), sym(4)]),
    "matmul dot": (lambda a, b: a @ b, [sym(4), sym(4)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [sym(5, 3), sym(2, 3), sym(2)]),
    "linear batched": (lambda x, w, b: F.linear(x, w, b), [sym(2, 5, 3), sym(4, 3), sym(4)]),
    "linear no bias": (lambda x, w: F.linear(x, w), [sym(5, 3), sym(2, 3)]),
    "softplus": (lambda a: F.softplus(a), [sym(3, 4) * 5]),
    "bce with logits": (lambda a: F.binary_cross_entropy_with_logits(a, np.array([[0.0, 1, 1], [1, 0, 0]]),
                                                                     reduction="sum"), [sym(2, 3)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, np.array([2, 0, 1]), reduction="sum"), [sym(3, 4)]),
    "nll mean": (lambda a: F.nll_loss(a.log_softmax(axis=1), np.array([2, 0, 1])), [sym(3, 4)]),
    "mse none": (lambda a: F.mse_loss(a, np.arange(6.0).reshape(2, 3), reduction="none"), [sym(2, 3)]),
    "l1 sum": (lambda a: F.l1_loss(a, np.arange(6.0).reshape(2, 3), reduction="sum"), [sym(2, 3)]),
    "hinge": (lambda a: F.hinge_loss(a, np.array([1, -1, 1, -1])), [np.array([0.3, -2.0, 1.5, 0.2])]),
}


@pytest.mark.parametrize("name", TENSOR_CASES)
def test_tensor_chain_rules_with_random_incoming_gradients(name):
    f, arrays = TENSOR_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # chain rules stay quiet: no numpy RuntimeWarning
        _check_tensor_grads(f, *arrays)


def test_relu_backward_with_an_infinite_incoming_gradient_gives_zero_where_blocked():
    x = Tensor([-1.0, 2.0, 0.0], requires_grad=True)
    x.relu().backward(np.array([np.inf, np.inf, -np.inf], dtype=np.float32))
    np.testing.assert_array_equal(x.grad, [0.0, np.inf, 0.0])


def test_a_graph_is_recorded_when_any_one_input_requires_grad():
    x, w, b = Tensor(sym(4, 3)), Tensor(sym(2, 3)), Tensor(sym(2))
    for needs in ([w], [b], [x], [w, b]):
        for t in (x, w, b):
            t.requires_grad = any(t is n for n in needs)
            t.grad = None
        out = F.linear(x, w, b)
        assert out.requires_grad and out._op == "linear", needs
        gout = sym(4, 2).astype(np.float32)
        out.backward(gout)
        for t in (x, w, b):
            assert (t.grad is not None) == any(t is n for n in needs)
    np.testing.assert_allclose(b.grad, gout.sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(w.grad, gout.T @ x.data, rtol=1e-5)
    x.requires_grad = w.requires_grad = b.requires_grad = False
    assert F.linear(x, w, b).requires_grad is False
    with no_grad():
        w.requires_grad = True
        assert F.linear(x, w, b).requires_grad is False


def test_binary_ops_where_only_one_side_requires_grad():
    a, b = Tensor(pos(2, 3), requires_grad=True), Tensor(pos(3))
    for op in (lambda: a * b, lambda: a / b, lambda: a - b, lambda: a**b, lambda: b * a, lambda: b / a,
               lambda: b - a, lambda: b**a):
        a.grad = None
        op().sum().backward()
        assert a.grad is not None and a.grad.shape == (2, 3) and b.grad is None


def test_accumulated_gradients_keep_the_parameter_dtype_and_add_up():
    w = Tensor(np.ones(3), requires_grad=True, dtype=np.float64)
    (w * 2.0).sum().backward(np.float32(1.5))
    (w * 3.0).sum().backward()
    assert w.grad.dtype == np.float64
    np.testing.assert_array_equal(w.grad, [6.0, 6.0, 6.0])
    h = Tensor(np.ones(2, np.float32), requires_grad=True)
    h.backward(np.array([1.0, 2.0], dtype=np.float64))
    assert h.grad.dtype == np.float32
    y = h * 2.0
    (y + y).backward(np.array([0.5, 0.25]))  # an intermediate used twice: its grads add, the leaf's too
    np.testing.assert_array_equal(h.grad, [3.0, 3.0])


def test_backward_seed_checks():
    t = Tensor(sym(2, 2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-scalar output \(shape \(2, 2\)\)"):
        (t * 2).backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the output has shape \(2, 2\)"):
        (t * 2).backward(np.ones(3))
    (t * 2).backward(Tensor(np.full((2, 2), 0.5)))
    np.testing.assert_array_equal(t.grad, np.ones((2, 2)))


# ------------------------------------------------------------------------------------------- Tensor plumbing

def test_constructors_defaults_dtypes_and_seeds():
    for make in (Tensor.zeros, Tensor.ones, Tensor.randn):
        t = make(2, 3)
        assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad is False
        d = make(2, dtype=np.float64, requires_grad=True)
        assert d.dtype == np.float64 and d.requires_grad is True
    assert Tensor.zeros(2).data.tolist() == [0.0, 0.0] and Tensor.ones(2).data.tolist() == [1.0, 1.0]
    assert Tensor.zeros(2, dtype=np.int64).dtype == np.int64 and Tensor.ones(1, dtype=np.int32).dtype == np.int32
    np.testing.assert_array_equal(Tensor.randn(5, seed=3).data, Tensor.randn(5, seed=3).data)
    np.testing.assert_array_equal(Tensor.randn(5, seed=3).data,
                                  np.random.default_rng(3).standard_normal(5).astype(np.float32))
    assert not np.array_equal(Tensor.randn(5, seed=3).data, Tensor.randn(5, seed=4).data)
    assert not np.array_equal(Tensor.randn(5).data, Tensor.randn(5).data)


def test_tensor_from_tensor_tensor_function_and_array_protocol():
    base = Tensor(np.arange(3.0), requires_grad=True)
    copy = Tensor(base)
    assert copy.dtype == np.float32 and copy.requires_grad is False
    np.testing.assert_array_equal(copy.data, [0.0, 1.0, 2.0])
    assert Tensor(Tensor([1, 2])).dtype == np.int64
    t = tensor([1.5, 2.5], requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad is True
    assert tensor([1, 2], dtype=np.float64).dtype == np.float64 and tensor([1, 2]).dtype == np.int64
    assert np.asarray(t).dtype == np.float32
    as64 = np.asarray(t, dtype=np.float64)
    assert as64.dtype == np.float64 and as64.tolist() == [1.5, 2.5]


def test_detach_requires_grad_and_repr():
    a = Tensor(np.arange(3.0), requires_grad=True, dtype=np.float64)
    d = (a * 2).detach()
    assert a.is_leaf and not (a * 2).is_leaf and d.is_leaf and not (Value(1.0) * 2).is_leaf  # a property, as torch
    assert d.dtype == np.float64 and d.requires_grad is False and d._parents == ()
    i = Tensor([1, 2])
    with pytest.raises(TypeError, match=r"only floating-point tensors can require gradients.*int64"):
        i.requires_grad_()
    assert i.requires_grad_(False) is i and i.requires_grad is False
    f = Tensor([1.0]).requires_grad_()
    assert f.requires_grad is True and f.requires_grad_(False).requires_grad is False
    assert repr(Tensor([1.0, 2.5])) == "Tensor([1. , 2.5], dtype=float32)"
    assert repr(Tensor([0.123456], requires_grad=True)) == "Tensor([0.1235], dtype=float32, requires_grad=True)"
    assert "..." in repr(Tensor(np.arange(21))) and "..." not in repr(Tensor(np.arange(20)))  # numpy's threshold 20


def test_argmax_checks():
    assert Tensor([[1.0, 3.0], [4.0, 2.0]]).argmax(axis=1).data.tolist() == [1, 0]
    assert Tensor(np.zeros((2, 0))).argmax(axis=0).shape == (0,)
    assert Tensor(np.zeros((1, 0))).argmax(axis=0).shape == (0,)
    for shape, axis in (((0, 3), 0), ((0, 3), None), ((2, 0), 1)):
        with pytest.raises(ValueError, match=r"^argmax\(\) over an empty axis of a tensor of shape"):
            Tensor(np.zeros(shape)).argmax(axis=axis)
    with pytest.raises(ValueError, match=r"^argmax: axis 2 is out of range"):
        Tensor(np.zeros((2, 3))).argmax(axis=2)


def test_tensor_op_names():
    a, b = Tensor(pos(2, 2), requires_grad=True), Tensor(pos(2, 2))
    names = [(a + b)._op, (a - b)._op, (a * b)._op, (a / b)._op, (a**b)._op, (a**2)._op, (-a)._op, a.exp()._op,
             a.log()._op, a.sqrt()._op, a.tanh()._op, a.sigmoid()._op, a.relu()._op, a.abs()._op, (a @ b)._op]
    assert names == ["+", "-", "*", "/", "**", "**2", "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs",
                     "@"]


# ------------------------------------------------------------------------------------------- modes and anomaly

def test_enable_grad_keeps_anomaly_mode():
    with detect_anomaly(), no_grad(), enable_grad():
        assert is_anomaly_enabled()
        with pytest.raises(AnomalyError):
            Value(-1.0).log()


def test_anomaly_messages_describe_inputs_results_and_hints():
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            Tensor(np.zeros((2, 3))).log()
    message = str(info.value)
    assert message.startswith("forward: op 'log' produced an array of shape (2, 3) with 0 NaN and 6 inf from finite "
                              "inputs (Tensor(shape=(2, 3), dtype=float32)).\nHint: log(0) is -inf")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"op '/0.5' produced inf .*\nHint: a division by zero"):
        Value(1e308) / 0.5
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"op '\*\*2' produced inf.*\nHint: 0 to a negative"):
        Value(1e200) ** 2
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        Value(1e308) * Value(10.0)
    assert "from finite inputs (1e+308, 10.0).\nThe op was called at:\n" in str(info.value)  # no hint for `*`

    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = x.sqrt()
        with pytest.raises(AnomalyError) as info:
            (y * 0.5).sum().backward()
    message = str(info.value)
    assert message.startswith("backward: op 'sqrt' (inputs: Tensor(shape=(2,), dtype=float32)) sent an array of "
                              "shape (2,) with 0 NaN and 1 inf as the gradient of its input 0")
    assert "Hint: the sqrt of a negative number" in message and "<unknown" not in message

    x, y = Tensor([1.0], requires_grad=True), Tensor([0.0], requires_grad=True)
    z = x / y  # built outside anomaly mode: no trace to show
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        z.backward(np.array([0.5], dtype=np.float32))
    message = str(info.value)
    assert message.startswith("backward: op '/' (inputs: Tensor(shape=(1,), dtype=float32), Tensor(shape=(1,), "
                              "dtype=float32)) sent an array of shape (1,) with 0 NaN and 1 inf as the gradient of its "
                              "input 0")
    assert message.endswith("The op was called at:\n  <unknown: the graph was built outside detect_anomaly()>")


def test_a_trace_is_one_indented_traceback_line_even_without_source():
    namespace = {"Value": Value}
    with detect_anomaly():
        exec("y = Value(2.0) * 3", namespace)  # code with no source file: linecache finds no line
    trace = namespace["y"]._trace
    assert trace.startswith('  File "') and trace == trace.rstrip()


def test_anomaly_mode_does_not_blame_an_op_for_a_gradient_that_was_already_bad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.grad = np.array([np.inf, 0.0], dtype=np.float32)  # left by an earlier backward
    with detect_anomaly():
        (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [np.inf, 2.0])


def test_anomaly_mode_lets_an_already_bad_incoming_gradient_pass_through():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        (x * 3.0).backward(np.array([np.inf, 1.0], dtype=np.float32))  # a bad seed is not an op's fault
    np.testing.assert_array_equal(x.grad, [np.inf, 3.0])
    v = Value(2.0)
    with detect_anomaly():
        (v * 3.0).backward(math.inf)
    assert v.grad == math.inf
    with detect_anomaly():
        Tensor([1, 2]).sum()  # integer results are never "non-finite"
        assert Tensor([1.0, 2.0]).sum().item() == 3.0


# ------------------------------------------------------------------------------------------- nn.functional

def test_loss_errors_name_the_function():
    x = Tensor(np.full((2, 3), 0.5), requires_grad=True)
    for fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy):
        with pytest.raises(ValueError, match=f"^{fn.__name__}.*\\(2, 3\\).*\\(3,\\)"):
            fn(x, np.ones(3))
    with pytest.raises(ValueError, match="^hinge_loss"):
        F.hinge_loss(Tensor([0.5, 0.2]), np.array([1, 2]))
    with pytest.raises(ValueError, match="^hinge_loss of an empty list of scores$"):
        F.hinge_loss([], [])


def test_binary_cross_entropy_clamps_the_log_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0) inside the clamp must not warn
        loss = F.binary_cross_entropy(Tensor([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, math.log(2)], rtol=1e-6)
    for bad in (1.5, 1.0 + 1e-6, -1e-6):
        with pytest.raises(ValueError, match=r"^binary_cross_entropy expects probabilities in \[0, 1\]"):
            F.binary_cross_entropy(Tensor(np.array([0.5, bad]), dtype=np.float64), np.array([1.0, 0.0]))


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss])
def test_losses_with_integer_targets_keep_the_input_dtype(fn):
    x = Tensor([[0.5, 1.5]], requires_grad=True, dtype=np.float64)
    loss = fn(x, np.array([[1, 1]]))
    assert loss.dtype == np.float64 and loss.item() == pytest.approx(0.25 if fn is F.mse_loss else 0.5)
    loss.backward()
    assert x.grad.dtype == np.float64


def test_hinge_loss_on_a_column_of_scores_and_on_values():
    scores = Tensor(np.array([[0.3], [-2.0], [1.5]]), requires_grad=True, dtype=np.float64)
    loss = F.hinge_loss(scores, np.array([1, -1, -1]))
    assert loss.dtype == np.float64 and loss.shape == ()
    assert loss.item() == pytest.approx((0.7 + 0 + 2.5) / 3)
    loss.backward()
    np.testing.assert_allclose(scores.grad, [[-1 / 3], [0.0], [1 / 3]])
    values = [Value(0.3), Value(-2.0)]
    total = F.hinge_loss(values, [1, -1], reduction="sum")
    assert total.data == pytest.approx(0.7)


def test_accuracy_every_input_form():
    labels = np.array([0, 2, 1])
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.1, 3.0], [0.0, 1.0, 5.0]])
    assert F.accuracy(Tensor(logits), labels) == pytest.approx(2 / 3)
    assert F.accuracy(logits, Tensor(labels)) == pytest.approx(2 / 3)
    two = np.array([[0.2, 0.1], [0.1, 0.9]])
    assert F.accuracy(two, np.array([0, 1])) == 1.0  # (N, 2) logits: the argmax, not a threshold
    assert F.accuracy([Value(0.5), Value(-0.5), Value(2.0)], [1, -1, -1]) == pytest.approx(2 / 3)
    assert F.accuracy([0.5, -0.5, 2.0], np.array([[1], [0], [0]])) == pytest.approx(2 / 3)
    assert F.accuracy(Tensor([[0.5], [-0.5], [0.0]]), [1, 0, 1]) == pytest.approx(2 / 3)  # 0 is not above 0
    assert F.accuracy(np.array([0.0, 0.4]), [1, 1], threshold=0.3) == 0.5
    assert F.accuracy(0.7, 1) == 1.0
    assert F.accuracy(np.array([0.2, 0.9]), np.array([-1, 1]), threshold=0.5) == 1.0
    with pytest.raises(ValueError, match=r"^accuracy expects logits \(N, C\) or scores"):
        F.accuracy(np.zeros((2, 2, 2)), [0, 1])
    with pytest.raises(ValueError, match="^accuracy of an empty batch is undefined$"):
        F.accuracy(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="^accuracy"):
        F.accuracy(logits, np.array([0, 3, 1]))


# ------------------------------------------------------------------------------------------- optim

def test_adam_default_lr_first_step_and_validation():
    p = Tensor(np.array([1.0, -1.0]), requires_grad=True, dtype=np.float64)
    opt = optim.Adam([p])
    assert opt.lr == 1e-3
    p.grad = np.array([0.5, -2.0])
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 1e-3, -1.0 + 1e-3], rtol=1e-7)  # the first step is lr * sign(g)
    optim.Adam([p], betas=(0.0, 0.0), eps=0.0)  # the edges of the valid ranges
    for kwargs, message in (({"betas": (1.0, 0.9)}, r"betas\[0\] must be in \[0, 1\), got 1.0"),
                            ({"betas": (0.9, -0.1)}, r"betas\[1\]"), ({"eps": -1e-9}, "eps must be >= 0"),
                            ({"weight_decay": -1.0}, "^weight_decay must be >= 0, got -1.0$")):
        with pytest.raises(ValueError, match=message):
            optim.Adam([p], **kwargs)


def test_adam_on_values_and_weight_decay():
    v = Value(1.0)
    opt = optim.Adam([v], lr=0.1)
    assert opt.m == [0.0] and opt.v == [0.0]
    v.grad = -3.0
    opt.step()
    assert v.data == pytest.approx(1.1)
    p = Tensor(np.array([2.0]), requires_grad=True, dtype=np.float64)
    opt = optim.Adam([p], lr=0.1, weight_decay=0.5)
    assert opt.m[0].shape == opt.v[0].shape == (1,) and opt.m[0].dtype == opt.v[0].dtype == np.float64
    p.grad = np.array([-0.5])  # + 0.5 * 2.0 makes the decayed gradient +0.5: the step goes down, not up
    opt.step()
    np.testing.assert_allclose(p.data, [1.9])
    q = Tensor(np.array([np.inf, 1.0]), requires_grad=True, dtype=np.float64)
    opt = optim.Adam([q], lr=0.1)  # no weight decay: the parameter is not added to the gradient (inf * 0 is nan)
    q.grad = np.array([1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(q.data, [np.inf, 0.9])


def test_optimizer_messages_and_limits():
    p = Tensor(np.array([np.inf, 1.0]), requires_grad=True, dtype=np.float64)
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="^SGD: parameter 1 is a float, not a Tensor or Value$"):
        optim.SGD([p, 1.0], lr=0.1)
    with pytest.raises(ValueError, match=r"^Adam: parameter 0 \(shape \(2,\)\) does not require grad, so it would "
                                         r"never change; make it with requires_grad=True$"):
        optim.Adam([Tensor([1.0, 2.0])])
    for kwargs, message in (({"momentum": -0.5}, "^momentum must be >= 0, got -0.5$"),
                            ({"weight_decay": -1.0}, "^weight_decay must be >= 0, got -1.0$"),
                            ({"nesterov": True}, "^nesterov=True needs a momentum > 0$")):
        with pytest.raises(ValueError, match=message):
            optim.SGD([p], lr=0.1, **kwargs)
    frozen = optim.SGD([p], lr=0.0)  # lr = 0 is allowed (a warm-up schedule may start there)
    p.grad = np.array([1.0, 1.0])
    frozen.step()
    sgd = optim.SGD([p], lr=0.1)  # no weight decay: the parameter is not added to the gradient (inf * 0 is nan)
    sgd.step()
    np.testing.assert_allclose(p.data, [np.inf, 0.9])
