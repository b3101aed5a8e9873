"""Fuzzing the public API with hypothesis: random chains of ops on random shapes and values.

Every op either gives the forward values and gradients PyTorch gives (numpy for forward values when PyTorch is
absent) or raises one of the documented errors (ValueError, TypeError, RuntimeError, IndexError) with a message
naming the shape involved. Anything else (a numpy AxisError, an AttributeError, ZeroDivisionError, OverflowError,
a wrong number) fails the test.

Each op is compared on its own, with the reference fed exactly the inputs our op saw (and, in the backward pass,
exactly the gradient our engine sent into it), so rounding differences never pile up along a chain. Values mix
ordinary numbers with huge and tiny magnitudes, zeros, NaN and inf; shapes include 0-size axes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence

import numpy as np
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import Tensor, Value

from tests.strategies import BINARY_OPERATORS

DOCUMENTED_ERRORS = (ValueError, TypeError, RuntimeError, IndexError)
MAGNITUDES = [1.0, 0.5, 1e-150, 1e150, 1e-310, 1e300]
SPECIALS = [0.0, -0.0, math.nan, math.inf, -math.inf]
EXPONENTS = [-2, -1, -0.5, 0, 0.5, 1, 2, 3]

ordinary = st.builds(lambda k, m: k * m, st.floats(-8, 8), st.sampled_from(MAGNITUDES))
number = st.one_of(ordinary, ordinary, ordinary, st.sampled_from(SPECIALS))


def _is_numpy_internal(exc: BaseException) -> bool:
    """numpy's AxisError subclasses ValueError and IndexError, yet is exactly the deep error we must not leak."""
    return type(exc).__name__ == "AxisError"


def _check_documented(exc: BaseException, shapes: Sequence[tuple]) -> None:
    """Our op failed: it must be with a documented error type whose message names one of the shapes involved."""
    assert isinstance(exc, DOCUMENTED_ERRORS) and not _is_numpy_internal(exc), f"undocumented {type(exc).__name__}: {exc}"
    message = str(exc)
    assert any(str(tuple(s)) in message for s in shapes), f"message does not name the shapes {shapes}: {message!r}"


def _sqrt_power_edge(base: Any, exponent: Any) -> bool:
    """x ** +-0.5 at x = -inf or -0.0: IEEE pow (numpy, Python) and PyTorch's sqrt/rsqrt shortcut disagree there.

    pow(-inf, 0.5) is inf by IEEE 754 but sqrt(-inf) is nan; pow(-0.0, -0.5) is inf but 1/sqrt(-0.0) is -inf.
    Neither answer is wrong, so the fuzzer does not compare these few points.
    """
    base, exponent = np.broadcast_arrays(np.asarray(base, dtype=np.float64), np.asarray(exponent, dtype=np.float64))
    negative_edge = (base == -np.inf) | ((base == 0) & np.signbit(base))
    return bool((negative_edge & (np.abs(exponent) == 0.5)).any())


def assert_matches(ours: Any, ref: Any, scale_from: Sequence[Any], what: str, dtype: Any = np.float64,
                   infinite_cotangent: bool = False) -> None:
    """Same shape, NaN where the reference has NaN, the same infinities, and finite values equal up to rounding.

    With an `infinite_cotangent` (a gradient coming in that holds inf or NaN), NaN and inf only have to agree on
    being non-finite: the chain rule then multiplies inf by numbers that may round differently, e.g. sigmoid(-714)
    is 1e-310 here and 0 in PyTorch, and inf * 1e-310 = inf while inf * 0 = nan. The same holds for a matrix product
    whose terms overflow, where BLAS kernels differ in what a sum of +inf and -inf terms gives.

    The absolute tolerance scales with the largest products of the inputs' magnitudes times the element count:
    the rounding bound of a sum or a matrix product, whose order of additions differs between numpy and PyTorch.
    Tolerances are looser for float32, whose rounding error is 2^29 times larger than float64's.
    """
    rtol, atol_factor = (1e-6, 1e-9) if np.dtype(dtype) == np.float64 else (1e-4, 1e-5)
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape}, reference {ref.shape}"
    nan_ref, inf_ref = np.isnan(ref), np.isinf(ref)
    if not infinite_cotangent:
        assert np.array_equal(np.isnan(ours), nan_ref), f"{what}: NaN positions differ\nours {ours}\nref  {ref}"
        assert np.array_equal(ours[inf_ref], ref[inf_ref]), f"{what}: infinities differ\nours {ours}\nref  {ref}"
    finite = ~(nan_ref | inf_ref)
    assert np.array_equal(np.isfinite(ours), finite), f"{what}: finite in one, not the other\nours {ours}\nref  {ref}"
    mags = [float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in map(np.asarray, scale_from)]
    with np.errstate(over="ignore"):
        scale = max(mags + [a * b for i, a in enumerate(mags) for b in mags[i + 1:]] + [0.0])
    count = max([np.asarray(a).size for a in scale_from] + [1])
    atol = min(atol_factor * scale * count, np.finfo(np.float64).max) + 1e-300
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(ours[finite], ref[finite], rtol=rtol, atol=atol, err_msg=what)


# ----------------------------------------------------------------------------------------------- Tensor ops


@dataclass
class Op:
    """One public Tensor op: how to draw its arguments, call it on ours, and call the references."""

    name: str
    binary: bool
    params: Callable[[st.DataObject, tuple], Any]
    ours: Callable[..., Tensor]
    torch: Callable[..., Any]
    numpy: Callable[..., np.ndarray]


def _axis(data: st.DataObject, shape: tuple, single: bool = False) -> Any:
    """None, an int or a tuple of ints, sometimes out of range (which must raise a clear error)."""
    ints = st.integers(-len(shape) - 1, len(shape))
    if single:
        return data.draw(ints, label="axis")
    return data.draw(st.one_of(st.none(), ints, st.lists(ints, min_size=1, max_size=2).map(tuple)), label="axis")


def _reduce_params(data: st.DataObject, shape: tuple) -> Any:
    return _axis(data, shape), data.draw(st.booleans(), label="keepdims")


def _reshape_params(data: st.DataObject, shape: tuple) -> tuple:
    size = int(np.prod(shape))
    valid = st.sampled_from([(-1,), (size,), tuple(reversed(shape)), (1,) + tuple(shape), (-1, 1)])
    random = st.lists(st.integers(-1, 4), max_size=3).map(tuple)
    return data.draw(st.one_of(valid, random), label="new shape")


def _permute_params(data: st.DataObject, shape: tuple) -> Optional[tuple]:
    n = len(shape)
    permutation = st.permutations(list(range(n))).map(tuple)
    random = st.lists(st.integers(-n - 1, n), min_size=n, max_size=n).map(tuple)
    return data.draw(st.one_of(st.none(), permutation, random), label="dims")


def _transpose_params(data: st.DataObject, shape: tuple) -> tuple:
    dim = st.integers(-len(shape) - 1, len(shape))
    return data.draw(st.tuples(dim, dim), label="dim0, dim1")


def _dim_param(data: st.DataObject, shape: tuple, extra: int = 0) -> int:
    """One dim, sometimes out of range (which must raise a clear error)."""
    n = len(shape) + extra
    return data.draw(st.integers(-n - 1, n), label="dim")


def _dims_param(data: st.DataObject, shape: tuple) -> tuple:
    return tuple(data.draw(st.lists(st.integers(-len(shape) - 1, len(shape)), max_size=2), label="dims"))


def _expand_params(data: st.DataObject, shape: tuple) -> tuple:
    """A valid target (size-1 dims grow, -1 keeps, new dims in front) or a random one."""
    kept = [data.draw(st.sampled_from([-1, n, 0, 2]) if n == 1 else st.sampled_from([-1, n])) for n in shape]
    valid = tuple(data.draw(st.lists(st.integers(0, 2), max_size=1)) + kept)
    random = st.lists(st.integers(-1, 3), max_size=3).map(tuple)
    return data.draw(st.one_of(st.just(valid), random), label="sizes")


def _repeat_params(data: st.DataObject, shape: tuple) -> tuple:
    n = len(shape)
    return tuple(data.draw(st.lists(st.integers(0, 2), min_size=max(n - 1, 0), max_size=n + 1), label="repeats"))


def _np_flatten(a: np.ndarray, p: tuple) -> np.ndarray:
    if a.ndim == 0:
        return a.reshape(1)
    s, e = (d % a.ndim for d in p)
    return a.reshape(a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


def _np_expand(a: np.ndarray, p: tuple) -> np.ndarray:
    extra = len(p) - a.ndim
    return np.broadcast_to(a, tuple(a.shape[i - extra] if n == -1 else n for i, n in enumerate(p)))


def _index_params(data: st.DataObject, shape: tuple) -> Any:
    if not shape:
        return data.draw(st.sampled_from([(), 0, None]), label="index")
    n = shape[0]
    integer = st.integers(-n - 1, n)
    step = st.none() | st.sampled_from([1, 2])  # no negative steps: PyTorch has none
    choices = st.one_of(
        integer,
        st.builds(slice, st.none() | integer, st.none() | integer, step),
        st.lists(integer, min_size=1, max_size=4),
        st.tuples(st.builds(slice, st.none(), st.none()), st.integers(-2, 2)),
    )
    return data.draw(choices, label="index")


def _no_params(data: st.DataObject, shape: tuple) -> None:
    return None


def _exponent(data: st.DataObject, shape: tuple) -> float:
    return data.draw(st.sampled_from(EXPONENTS), label="exponent")


def _softmax_params(data: st.DataObject, shape: tuple) -> int:
    return _axis(data, shape, single=True)


def _np_reduce(fn: Callable, a: np.ndarray, p: Any) -> np.ndarray:
    axis, keepdims = p
    if a.ndim == 0 and axis is not None:  # a 0-d array has one axis, 0 (alias -1), as in PyTorch
        axes = axis if isinstance(axis, tuple) else (axis,)
        if len(axes) != 1 or axes[0] not in (0, -1):
            raise ValueError(f"axis {axis} out of range")
        axis = None
    return fn(a, axis=axis, keepdims=keepdims)


def _torch_reduce(torch: Any, fn: Callable, t: Any, p: Any) -> Any:
    axis, keepdims = p
    if axis is None:
        out = fn(t, dim=tuple(range(t.ndim)))
        return out.reshape([1] * t.ndim) if keepdims else out
    return fn(t, dim=axis, keepdim=keepdims)


def _np_softmax(a: np.ndarray, axis: int, log: bool) -> np.ndarray:
    if not -max(a.ndim, 1) <= axis < max(a.ndim, 1):  # a 0-d array has axis 0 (alias -1), as in numpy 2
        raise ValueError("axis out of range")
    if a.size == 0:
        return a.copy()
    shifted = a - a.max(axis=axis, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted - log_norm if log else np.exp(shifted - log_norm)


def _np_index(index: Any) -> Any:
    return np.asarray(index) if isinstance(index, list) else index


def _torch_index(torch: Any, index: Any) -> Any:
    return torch.as_tensor(index) if isinstance(index, list) else index


UNARY = [
    Op("neg", False, _no_params, lambda x, p: -x, lambda T, t, p: -t, lambda a, p: -a),
    Op("exp", False, _no_params, lambda x, p: x.exp(), lambda T, t, p: t.exp(), lambda a, p: np.exp(a)),
    Op("log", False, _no_params, lambda x, p: x.log(), lambda T, t, p: t.log(), lambda a, p: np.log(a)),
    Op("sqrt", False, _no_params, lambda x, p: x.sqrt(), lambda T, t, p: t.sqrt(), lambda a, p: np.sqrt(a)),
    Op("tanh", False, _no_params, lambda x, p: x.tanh(), lambda T, t, p: t.tanh(), lambda a, p: np.tanh(a)),
    Op("sigmoid", False, _no_params, lambda x, p: x.sigmoid(), lambda T, t, p: t.sigmoid(),
       lambda a, p: 1 / (1 + np.exp(-a))),
    Op("relu", False, _no_params, lambda x, p: x.relu(), lambda T, t, p: t.relu(), lambda a, p: np.maximum(a, 0.0)),
    Op("abs", False, _no_params, lambda x, p: abs(x), lambda T, t, p: t.abs(), lambda a, p: np.abs(a)),
    Op("pow", False, _exponent, lambda x, p: x**p, lambda T, t, p: t**p, lambda a, p: np.power(a, float(p))),
    Op("softmax", False, _softmax_params, lambda x, p: x.softmax(p), lambda T, t, p: T.softmax(t, dim=p),
       lambda a, p: _np_softmax(a, p, log=False)),
    Op("log_softmax", False, _softmax_params, lambda x, p: x.log_softmax(p), lambda T, t, p: T.log_softmax(t, dim=p),
       lambda a, p: _np_softmax(a, p, log=True)),
    Op("sum", False, _reduce_params, lambda x, p: x.sum(*p), lambda T, t, p: _torch_reduce(T, T.sum, t, p),
       lambda a, p: _np_reduce(np.sum, a, p)),
    Op("mean", False, _reduce_params, lambda x, p: x.mean(*p), lambda T, t, p: _torch_reduce(T, T.mean, t, p),
       lambda a, p: _np_reduce(np.mean, a, p)),
    Op("max", False, _reduce_params, lambda x, p: x.amax(*p), lambda T, t, p: _torch_reduce(T, T.amax, t, p),
       lambda a, p: _np_reduce(np.max, a, p)),
    Op("reshape", False, _reshape_params, lambda x, p: x.reshape(p), lambda T, t, p: t.reshape(p),
       lambda a, p: a.reshape(p)),
    Op("permute", False, _permute_params, lambda x, p: x.T if p is None else x.permute(*p),
       lambda T, t, p: t.permute(tuple(reversed(range(t.ndim)))) if p is None else t.permute(p),
       lambda a, p: np.transpose(a, p)),
    Op("transpose", False, _transpose_params, lambda x, p: x.transpose(*p), lambda T, t, p: t.transpose(*p),
       lambda a, p: np.swapaxes(a, *p) if a.ndim else a),
    Op("unsqueeze", False, lambda d, s: _dim_param(d, s, extra=1), lambda x, p: x.unsqueeze(p),
       lambda T, t, p: t.unsqueeze(p), lambda a, p: np.expand_dims(a, p)),
    Op("squeeze", False, lambda d, s: d.draw(st.none(), label="dim") if d.draw(st.booleans()) else _dim_param(d, s),
       lambda x, p: x.squeeze(p), lambda T, t, p: t.squeeze() if p is None else t.squeeze(p),
       lambda a, p: np.squeeze(a) if p is None else np.squeeze(a, p) if a.ndim and a.shape[p] == 1 else a),
    Op("flatten", False, lambda d, s: (_dim_param(d, s), _dim_param(d, s)), lambda x, p: x.flatten(*p),
       lambda T, t, p: t.flatten(*p), _np_flatten),
    Op("flip", False, _dims_param, lambda x, p: x.flip(p), lambda T, t, p: t.flip(p),
       lambda a, p: np.flip(a, p) if a.ndim else a),
    Op("expand", False, _expand_params, lambda x, p: x.expand(p), lambda T, t, p: t.expand(p), _np_expand),
    Op("repeat", False, _repeat_params, lambda x, p: x.repeat(p), lambda T, t, p: t.repeat(p),
       lambda a, p: np.tile(a.reshape((1,) * (len(p) - a.ndim) + a.shape), p)),
    Op("getitem", False, _index_params, lambda x, p: x[p], lambda T, t, p: t[_torch_index(T, p)],
       lambda a, p: a[_np_index(p)]),
]
BINARY = [
    Op("+", True, _no_params, lambda x, y, p: x + y, lambda T, t, u, p: t + u, lambda a, b, p: a + b),
    Op("-", True, _no_params, lambda x, y, p: x - y, lambda T, t, u, p: t - u, lambda a, b, p: a - b),
    Op("*", True, _no_params, lambda x, y, p: x * y, lambda T, t, u, p: t * u, lambda a, b, p: a * b),
    Op("/", True, _no_params, lambda x, y, p: x / y, lambda T, t, u, p: t / u, lambda a, b, p: a / b),
    Op("**", True, _no_params, lambda x, y, p: x**y, lambda T, t, u, p: t**u, lambda a, b, p: a**b),
    Op("@", True, _no_params, lambda x, y, p: x @ y, lambda T, t, u, p: t @ u, lambda a, b, p: a @ b),
]


def _other_shape(data: st.DataObject, shape: tuple, matmul: bool) -> tuple:
    """A second operand's shape: equal, broadcast-compatible, matmul-compatible, or random (often incompatible)."""
    broadcastable = st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)).map(
        lambda ones: tuple(1 if o else n for o, n in zip(ones, shape)))
    trailing = st.integers(0, len(shape)).map(lambda k: tuple(shape[k:]))
    random = st.lists(st.integers(0, 3), max_size=3).map(tuple)
    options = [st.just(tuple(shape)), broadcastable, trailing, random]
    if matmul and shape:
        options.append(st.integers(0, 3).map(lambda m: (shape[-1], m)))
        options.append(st.just((shape[-1],)))
    return data.draw(st.one_of(*options), label="other shape")


def _array(data: st.DataObject, shape: tuple, label: str) -> np.ndarray:
    """Values of one magnitude class (so sums do not depend on order), sometimes with NaN/inf/zeros.

    Drawn in float64; in float32, huge magnitudes become inf and tiny ones 0, as they would for a user.
    """
    magnitude = data.draw(st.sampled_from(MAGNITUDES), label=f"{label} magnitude")
    a = data.draw(arrays(np.float64, shape, elements=st.floats(-8, 8)), label=label) * magnitude
    if a.size and data.draw(st.integers(0, 3), label=f"{label} has specials") == 0:
        where = data.draw(st.lists(st.integers(0, a.size - 1), min_size=1, max_size=3), label="special positions")
        for i in where:
            a.flat[i] = data.draw(st.sampled_from(SPECIALS), label="special")
    return a


shapes = st.lists(st.integers(0, 3), max_size=3).map(tuple)


@dataclass
class Step:
    """One op applied during the forward pass, kept so the backward pass can be checked op by op."""

    op: Op
    params: Any
    inputs: List[Tensor]
    out: Tensor


def _run_forward(data: st.DataObject, reference: Callable[[Op, List[np.ndarray], Any], np.ndarray]) -> List[Step]:
    """Apply 1-4 random ops; check each against `reference`; stop at the first documented error."""
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    with np.errstate(over="ignore"):
        x = Tensor(_array(data, data.draw(shapes, label="shape"), "x"), dtype=dtype, requires_grad=True)
    steps: List[Step] = []
    for _ in range(data.draw(st.integers(1, 4), label="number of ops")):
        op = data.draw(st.sampled_from(UNARY + BINARY), label="op")
        params = op.params(data, x.shape)
        operands: List[Any] = [x]  # what our op is called with
        inputs = [x]  # the same as Tensors, for the references (a Python number becomes a constant of x's dtype)
        if op.binary:
            kind = data.draw(st.sampled_from(["tensor", "same", "number", "number first"]), label="other operand")
            if kind == "tensor":
                other_shape = _other_shape(data, x.shape, matmul=op.name == "@")
                with np.errstate(over="ignore"):
                    other = Tensor(_array(data, other_shape, "y"), dtype=dtype, requires_grad=True)
                operands, inputs = [x, other], [x, other]
            elif kind == "same":
                operands, inputs = [x, x], [x, x]
            else:
                scalar = data.draw(number, label="number")
                with np.errstate(over="ignore"):
                    constant = Tensor(scalar, dtype=dtype)
                # `x ** 1e-112` uses the Python number exactly (as PyTorch does with a number exponent); the
                # references see it as a constant of x's dtype, where it may round to another number (0 in float32)
                assume(op.name != "**" or kind != "number" or float(constant.data) == float(scalar))
                operands, inputs = [x, scalar], [x, constant]
                if kind == "number first":
                    operands.reverse()
                    inputs.reverse()
        shapes_involved = [t.shape for t in inputs]
        try:
            out = op.ours(*operands, params)
        except Exception as exc:  # noqa: BLE001 - the point is to inspect every failure
            note(f"ours raised {type(exc).__name__}: {exc}")
            _check_documented(exc, shapes_involved)
            return steps
        note(f"{op.name} {params!r} on {shapes_involved} -> {out.shape}")
        if op.name in ("pow", "**") and _sqrt_power_edge(inputs[0].data, params if op.name == "pow" else inputs[1].data):
            return steps
        assert out.dtype == dtype, f"{op.name} turned {np.dtype(dtype)} into {out.dtype}"
        expected = reference(op, [t.data for t in inputs], params)
        # a matrix product whose terms overflow: BLAS kernels (numpy's OpenBLAS, PyTorch's own) may give -inf or
        # nan for a sum of +inf and -inf terms (OpenBLAS's SkylakeX dot gave -inf for [1e300, 1e300] @ [-1e150,
        # 1e150], depending on the arrays' alignment), so there only "not finite" has to agree
        with np.errstate(over="ignore", invalid="ignore"):
            overflowing = op.name == "@" and not np.isfinite(np.abs(inputs[0].data).max(initial=0.0)
                                                             * np.abs(inputs[1].data).max(initial=0.0))
        assert_matches(out.data, expected, [t.data for t in inputs] + [expected], f"forward {op.name}", dtype,
                       infinite_cotangent=overflowing)
        steps.append(Step(op, params, inputs, out))
        x = out
    return steps


def _numpy_reference(op: Op, arrays_in: List[np.ndarray], params: Any) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "Mean of empty slice": nan is the answer we want
        try:
            return np.asarray(op.numpy(*arrays_in, params))
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"ours succeeded where numpy raised {type(exc).__name__}: {exc}") from None


@given(data=st.data())
def test_tensor_ops_forward_match_numpy(data: st.DataObject) -> None:
    """Forward values against numpy directly (runs with or without PyTorch)."""
    _run_forward(data, _numpy_reference)


def _torch_call(torch: Any, op: Op, arrays_in: List[np.ndarray], params: Any, same: bool) -> tuple:
    leaves = [torch.from_numpy(np.array(a)).requires_grad_() for a in arrays_in]
    if same:
        leaves[1] = leaves[0]
    out = op.torch(torch, *leaves, params) if op.binary else op.torch(torch, leaves[0], params)
    return leaves, out


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the torch fixture is just a module
@given(data=st.data())
def test_tensor_ops_match_torch(torch: Any, data: st.DataObject) -> None:
    """Forward values and gradients, op by op, against PyTorch."""

    def reference(op: Op, arrays_in: List[np.ndarray], params: Any) -> np.ndarray:
        try:
            _, out = _torch_call(torch, op, arrays_in, params, same=False)
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"ours succeeded where PyTorch raised {type(exc).__name__}: {exc}") from None
        return out.detach().numpy()

    steps = _run_forward(data, reference)
    assume(steps)
    final = steps[-1].out
    weights = np.random.default_rng(0).uniform(0.5, 1.5, size=final.shape)
    (final * Tensor(weights, dtype=final.dtype)).sum().backward()
    for step in steps:
        if step.out.grad is None:
            continue
        same = step.op.binary and step.inputs[0] is step.inputs[1]
        leaves, out = _torch_call(torch, step.op, [t.data for t in step.inputs], step.params, same)
        wanted = [(t, leaf) for t, leaf in zip(step.inputs, leaves) if t.requires_grad]
        if same:
            wanted = wanted[:1]
        cotangent = torch.from_numpy(np.array(step.out.grad))
        grads = torch.autograd.grad(out, [leaf for _, leaf in wanted], grad_outputs=cotangent, allow_unused=True)
        for (t, leaf), g in zip(wanted, grads):
            ref = np.zeros(t.shape) if g is None else g.numpy()
            ours = np.zeros(t.shape) if t.grad is None else t.grad
            scale = [a.data for a in step.inputs] + [step.out.grad, ref]
            assert_matches(ours, ref, scale, f"gradient of {step.op.name} {step.params!r}", t.dtype,
                           infinite_cotangent=not np.isfinite(step.out.grad).all())


# ----------------------------------------------------------------------------------------------- Value ops

VALUE_UNARY = {
    "neg": (lambda v: -v, lambda t: -t),
    "exp": (lambda v: v.exp(), lambda t: t.exp()),
    "log": (lambda v: v.log(), lambda t: t.log()),
    "tanh": (lambda v: v.tanh(), lambda t: t.tanh()),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: t.sigmoid()),
    "relu": (lambda v: v.relu(), lambda t: t.relu()),
    "abs": (lambda v: abs(v), lambda t: t.abs()),
}
VALUE_BINARY = BINARY_OPERATORS
VALUE_MATH = {
    "neg": lambda x: -x,
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sigmoid": lambda x: float(1 / (1 + np.exp(np.float64(-x)))),
    "relu": lambda x: x if not x <= 0 else 0.0,
    "abs": abs,
}


@dataclass
class _Constant:
    """A plain number operand (not a node of our graph): its gradient is not compared."""

    data: float


def _value_reference(name: str, xs: Sequence[float], torch: Any) -> float:
    """The reference result: PyTorch float64 scalars when available, numpy float64 otherwise."""
    if torch is not None:
        ts = [torch.tensor(x, dtype=torch.float64) for x in xs]
        out = VALUE_UNARY[name][1](ts[0]) if name in VALUE_UNARY else VALUE_BINARY[name](*ts)
        return float(out)
    with np.errstate(all="ignore"):
        if name in VALUE_UNARY:
            return float(VALUE_MATH[name](np.float64(xs[0])))
        return float(VALUE_BINARY[name](np.float64(xs[0]), np.float64(xs[1])))


def _value_chain(data: st.DataObject, torch: Any) -> List[tuple]:
    """Random chain of Value ops; each forward result checked against the reference on the same inputs."""
    x = Value(data.draw(number, label="x"))
    steps = []
    for _ in range(data.draw(st.integers(1, 5), label="number of ops")):
        name = data.draw(st.sampled_from(sorted(VALUE_UNARY) + sorted(VALUE_BINARY)), label="op")
        if name in VALUE_UNARY:
            inputs = [x]
            out = VALUE_UNARY[name][0](x)
        else:
            kind = data.draw(st.sampled_from(["value", "same", "number", "rnumber"]), label="other operand")
            other = data.draw(number, label="other")
            if kind == "value":
                y = Value(other)
                inputs, out = [x, y], VALUE_BINARY[name](x, y)
            elif kind == "same":
                inputs, out = [x, x], VALUE_BINARY[name](x, x)
            elif kind == "number":
                inputs, out = [x, _Constant(other)], VALUE_BINARY[name](x, other)
            else:
                inputs, out = [_Constant(other), x], VALUE_BINARY[name](other, x)
        assert isinstance(out, Value) and isinstance(out.data, float)
        if name == "**" and _sqrt_power_edge(inputs[0].data, inputs[1].data):
            return steps
        expected = _value_reference(name, [v.data for v in inputs], torch)
        note(f"{name}{tuple(v.data for v in inputs)} = {out.data!r} (reference {expected!r})")
        assert_matches(out.data, expected, [v.data for v in inputs] + [expected], f"forward {name}")
        steps.append((name, inputs, out))
        x = out
    return steps


@given(data=st.data())
def test_value_ops_forward_match_numpy(data: st.DataObject) -> None:
    """Forward values of Value chains against numpy float64 (runs with or without PyTorch)."""
    _value_chain(data, torch=None)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_value_ops_match_torch(torch: Any, data: st.DataObject) -> None:
    """Forward values and gradients of Value chains, op by op, against PyTorch float64 scalars."""
    steps = _value_chain(data, torch)
    steps[-1][2].backward()
    for name, inputs, out in steps:
        same = inputs[0] is inputs[-1] and len(inputs) == 2
        leaves = [torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for v in inputs]
        if same:
            leaves[1] = leaves[0]
        ref_out = VALUE_UNARY[name][1](leaves[0]) if name in VALUE_UNARY else VALUE_BINARY[name](*leaves)
        wanted = leaves[:1] if same else leaves
        grads = torch.autograd.grad(ref_out, wanted, grad_outputs=torch.tensor(out.grad, dtype=torch.float64),
                                    allow_unused=True)
        for v, g in zip(inputs, grads):
            if isinstance(v, _Constant):
                continue
            ref = 0.0 if g is None else float(g)
            scale = [w.data for w in inputs] + [out.grad, ref]
            assert_matches(v.grad, ref, scale, f"gradient of {name} at {[w.data for w in inputs]}",
                           infinite_cotangent=not math.isfinite(out.grad))


# ----------------------------------------------------------------------------------------------- constructors

scalars = st.one_of(st.floats(), st.integers(-(2**70), 2**70), st.booleans(), st.text(max_size=3), st.none(),
                    st.complex_numbers(max_magnitude=10))
nested = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=8)


@given(data=nested)
def test_constructors_accept_numbers_or_raise_clear_errors(data: Any) -> None:
    """Any Python data: a Tensor/Value comes out, or a TypeError/ValueError naming the problem (never numpy's
    ValueError about inhomogeneous shapes, a ComplexWarning or an OverflowError)."""
    for make in (Tensor, Value):
        try:
            made = make(data)
        except (TypeError, ValueError) as exc:
            assert make.__name__ in str(exc), f"{make.__name__}({data!r}): message does not say what needs what: {exc}"
            continue
        if make is Value:
            assert isinstance(made.data, float)
        else:
            assert made.data.dtype.kind in "biuf"
            reference = np.asarray(data)
            assert made.shape == reference.shape
            with np.errstate(over="ignore"):  # floats beyond float32 become inf, in the Tensor as in the reference
                np.testing.assert_array_equal(made.data, reference.astype(made.dtype))
