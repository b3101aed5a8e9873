"""`Value`: a scalar (float64) node. Each op computes its result and names the function with its chain rule.

Read any op as two parts: the forward number, and its `_x_back(out, g)`, which adds `d(out)/d(input) * g` to
the grad of each input (`out._a`, and `out._b` for a two-input op). Numerics follow PyTorch: overflow gives
inf, log of a negative number gives nan, and no op raises `OverflowError`, `ValueError` or `ZeroDivisionError`
from inside.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterable, Optional, Sequence, Tuple, Union

from .autograd import Node, current_mode, record_trace
from .value_ops import ValueOps, op_name

Number = Union[int, float]
INF = math.inf
NAN = math.nan


def _div(x: float, y: float) -> float:
    """x / y with IEEE results for y == 0 (inf, -inf or nan), as PyTorch gives."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0.0 or x != x:
            return NAN
        return math.copysign(INF, x) * math.copysign(1.0, y)


def _pow(x: float, p: float) -> float:
    """x ** p as a real number: nan where the real power does not exist, +-inf on overflow or 0 ** negative."""
    try:
        return math.pow(x, p)
    except OverflowError:
        odd = p == int(p) and int(p) % 2 == 1
        return -INF if (x < 0 and odd) else INF
    except ValueError:
        if x == 0.0:
            odd = p == int(p) and int(p) % 2 == 1
            return math.copysign(INF, x) if odd else INF
        return NAN


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -INF
    return NAN


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow: use e^x for negative x."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@functools.lru_cache(maxsize=256)
def _power_rule(p: float) -> Tuple[str, Callable[["Value", float], None]]:
    """The op name and chain rule of `a ** p` for a number p. Made once per exponent and reused: a new closure for
    every op would cost time and one more object per node for the garbage collector to track."""

    def _pow_back(out: "Value", g: float) -> None:
        a = out._a
        if p != 0.0:  # a^0 = 1 is flat: gradient 0, even at a = 0 (as PyTorch)
            a.grad += p * _pow(a.data, p - 1.0) * g

    return f"**{p:g}", _pow_back


@functools.lru_cache(maxsize=1024)
def _constant_op(symbol: str, c: float) -> str:
    """The op name of an op with a number operand, e.g. `+1` or `*0.5`: the number is part of the op, not a node."""
    return f"{symbol}{c:g}"


@functools.lru_cache(maxsize=1024)
def _scale_rule(c: float) -> Tuple[str, Callable[["Value", float], None]]:
    """The op name and chain rule of `a * c` for a number c: d(a*c)/da = c. Made once per number, like `_power_rule`."""

    def _scale_back(out: "Value", g: float) -> None:
        out._a.grad += c * g

    return f"*{c:g}", _scale_back


@functools.lru_cache(maxsize=1024)
def _divide_rule(c: float) -> Tuple[str, Callable[["Value", float], None]]:
    """The op name and chain rule of `a / c` for a number c: d(a/c)/da = 1/c."""

    def _divide_back(out: "Value", g: float) -> None:
        out._a.grad += _div(g, c)

    return f"/{c:g}", _divide_back


_NEURON_OPS = {None: "w·x+b", "relu": "relu(w·x+b)", "tanh": "tanh(w·x+b)"}


@functools.lru_cache(maxsize=None)
def _neuron_rule(activation: Optional[str], inputs_need_grad: bool) -> Callable[["Value", float], None]:
    """The chain rule of `Value.weighted_sum` with this activation; without the inputs' share when they are
    constants (the data: their gradients would be thrown away). Six variants, each made once."""

    def _neuron_back(out: "Value", g: float) -> None:
        if activation == "relu":
            if out.data <= 0.0:  # relu'(z) = 0 where the output is 0 (NaN passes g on), as the relu op
                g = 0.0
        elif activation == "tanh":
            t = out.data
            g = (1.0 - t * t) * g  # tanh'(z) = 1 - tanh(z)^2
        params, inputs = out._a, out._b
        if params is None:
            params, inputs = Value._groups_from_parents(out)
        params[-1].grad += g  # d z/db = 1
        if inputs_need_grad:
            for w, x in zip(params, inputs):
                w.grad += x.data * g  # d z/dwi = xi
                x.grad += w.data * g  # d z/dxi = wi
        else:
            for w, x in zip(params, inputs):
                w.grad += x.data * g

    return _neuron_back


def _as_float(data: Any) -> float:
    if type(data) is float:  # the common case first: a number operand is usually a float already
        return data
    if isinstance(data, (str, bytes)):  # float("2") would work, but text here is almost always a bug
        raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}")
    try:
        return float(data)
    except (TypeError, ValueError):
        raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}") from None
    except OverflowError:
        raise ValueError(f"Value needs a number that fits a float64; this int has {len(str(data))} digits") from None


class Value(ValueOps, Node):
    """A scalar that remembers how it was computed, so `backward()` can find d(result)/d(self)."""

    __slots__ = ("_a", "_b", "_terms")

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self._a = self._b = None
        self._terms = ()
        self._op = ""
        self._backward = None
        self.requires_grad = True
        self.label = label

    # ------------------------------------------------------------------------------------------- graph plumbing

    @property
    def _parents(self) -> Tuple["Value", ...]:
        """The op's inputs, in order, as the graph core reads them.

        A Value keeps one or two inputs in the slots `_a` and `_b` rather than in a tuple of its own: a tuple per
        node would be a second object per node for Python's garbage collector to scan again and again while a graph
        grows, and without it a 10^5-op graph builds about 20% faster (`make bench`). More inputs (`Value.sum`)
        are kept as a tuple in `_terms`.
        """
        a = self._a
        if type(a) is tuple:  # a neuron's w·x+b keeps two groups (see `weighted_sum`); its parents read b, w0, x0, ...
            return (a[-1], *[v for pair in zip(a, self._b) for v in pair])
        if self._b is not None:
            return (a, self._b)
        if a is not None:
            return (a,)
        return self._terms

    @property
    def _walk_inputs(self) -> Tuple[Any, ...]:
        """What the graph walk visits (see `autograd.toposort`): the one or two inputs, the terms of a `sum`, or a
        neuron's two groups, its parameters `(w0, ..., b)` and its inputs `(x0, ...)`, shared by many nodes."""
        if self._b is not None:
            return (self._a, self._b)
        if self._a is not None:
            return (self._a,)
        return self._terms

    @_parents.setter
    def _parents(self, parents: Tuple["Value", ...]) -> None:
        n = len(parents)
        self._a = parents[0] if 1 <= n <= 2 else None
        self._b = parents[1] if n == 2 else None
        self._terms = parents if n > 2 else ()

    @staticmethod
    def _result(data: float, a: "Value", b: Optional["Value"], op: str,
                backward: Callable[["Value", float], None]) -> "Value":
        """Wrap the output of an op on `a` (and `b`; None for a one-input op); record the inputs and chain rule
        only if a gradient can flow (not in no_grad, and some input requires grad)."""
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._op = op
        out._terms = ()
        mode = current_mode()
        if mode.enabled and (a.requires_grad or (b is not None and b.requires_grad)):
            out._a = a
            out._b = b
            out._backward = backward
            out.requires_grad = True
        else:
            out._a = out._b = None
            out._backward = None
            out.requires_grad = False
        if mode.anomaly:
            record_trace(out, (a,) if b is None else (a, b))
        return out

    def _seed_grad(self, grad: Optional[float]) -> float:
        return 1.0 if grad is None else _as_float(grad)

    def _zero_like_grad(self) -> float:
        return 0.0

    def _accumulate(self, g: float) -> None:
        self.grad += g

    def detach(self) -> "Value":
        """The same number with no history: gradients stop here."""
        out = Value(self.data, self.label)
        out.requires_grad = False
        return out

    def zero_grad(self) -> None:
        self.grad = 0.0

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        made = f", grad_fn=<{op_name(self._op)}>" if self._backward is not None else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name}{made})"

    # ------------------------------------------------------------------------------------------- binary ops
    # Each op: the forward number, then its chain rule `_x_back(out, g)`, which adds d(out)/d(input) * g to each
    # input's grad. `out` is passed in by the graph core rather than captured, so no node refers to itself.

    # A number operand (`x * 2`, `1 + x`) is part of the op, as in PyTorch, rather than a constant node: one
    # object fewer per op for Python's garbage collector, and the picture's op says `*2`.

    def __add__(self, other: Union["Value", Number]) -> "Value":
        if isinstance(other, Value):
            return Value._result(self.data + other.data, self, other, "+", Value._add_back)
        c = _as_float(other)
        return Value._result(self.data + c, self, None, _constant_op("+", c), Value._pass_back)

    @staticmethod
    def _pass_back(out: "Value", g: float) -> None:
        out._a.grad += g  # d(a + c)/da = d(a - c)/da = 1

    @staticmethod
    def _add_back(out: "Value", g: float) -> None:
        out._a.grad += g
        out._b.grad += g

    def __mul__(self, other: Union["Value", Number]) -> "Value":
        if isinstance(other, Value):
            return Value._result(self.data * other.data, self, other, "*", Value._mul_back)
        c = _as_float(other)
        op, backward = _scale_rule(c) if c else _scale_rule.__wrapped__(c)  # the cache takes -0.0 for 0.0
        return Value._result(self.data * c, self, None, op, backward)

    @staticmethod
    def _mul_back(out: "Value", g: float) -> None:
        a, b = out._a, out._b
        a.grad += b.data * g
        b.grad += a.data * g

    def __sub__(self, other: Union["Value", Number]) -> "Value":
        if isinstance(other, Value):
            return Value._result(self.data - other.data, self, other, "-", Value._sub_back)
        c = _as_float(other)
        return Value._result(self.data - c, self, None, _constant_op("-", c), Value._pass_back)

    @staticmethod
    def _sub_back(out: "Value", g: float) -> None:
        out._a.grad += g
        out._b.grad -= g

    def __truediv__(self, other: Union["Value", Number]) -> "Value":
        if isinstance(other, Value):
            return Value._result(_div(self.data, other.data), self, other, "/", Value._div_back)
        c = _as_float(other)
        op, backward = _divide_rule(c) if c else _divide_rule.__wrapped__(c)  # 1/-0.0 is -inf, not inf
        return Value._result(_div(self.data, c), self, None, op, backward)

    @staticmethod
    def _div_back(out: "Value", g: float) -> None:
        a, b = out._a, out._b
        a.grad += _div(g, b.data)
        b.grad -= g * _div(out.data, b.data)  # d(a/b)/db = -(a/b)/b

    def __pow__(self, other: Union["Value", Number]) -> "Value":
        if isinstance(other, Value):
            return Value._result(_pow(self.data, other.data), self, other, "**", Value._pow_value_back)
        if not isinstance(other, (int, float)):
            return NotImplemented
        p = _as_float(other)
        op, backward = _power_rule(p)
        return Value._result(_pow(self.data, p), self, None, op, backward)

    @staticmethod
    def _pow_value_back(out: "Value", g: float) -> None:
        """d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (as PyTorch)."""
        a, b = out._a, out._b
        if b.data != 0.0:
            a.grad += b.data * _pow(a.data, b.data - 1.0) * g
        b.grad += (0.0 if a.data == 0.0 and b.data >= 0.0 else out.data * _log(a.data)) * g

    @staticmethod
    def sum(terms: Iterable[Union["Value", Number]]) -> "Value":
        """t0 + t1 + ... + tn as one node, not a chain of n `+` nodes: same number (added left to right), and
        the chain rule is the same too, d(sum)/d(ti) = 1, so every term's grad gets g. A neuron's weighted sum
        uses it: half the nodes of micrograd's running sum, so half the work in forward and backward."""
        parents = tuple(t if isinstance(t, Value) else Value(t) for t in terms)
        if not parents:
            raise ValueError("Value.sum needs at least one term")
        total = parents[0].data
        for p in parents[1:]:
            total += p.data
        out = Value(total)
        out._op = "sum"
        mode = current_mode()
        if mode.enabled and any(p.requires_grad for p in parents):
            out._parents = parents
            out._backward = Value._sum_back
        else:
            out.requires_grad = False
        if mode.anomaly:
            record_trace(out, parents)
        return out

    @staticmethod
    def _sum_back(out: "Value", g: float) -> None:
        for p in out._parents:
            p.grad += g

    @staticmethod
    def weighted_sum(weights: Sequence["Value"], inputs: Sequence["Value"], bias: "Value",
                     activation: Optional[str] = None) -> "Value":
        """A neuron, `act(b + w0*x0 + w1*x1 + ...)`, as one node: op `w·x+b`, or `relu(w·x+b)` / `tanh(w·x+b)` with
        an `activation`. Its parents are `(b, w0, x0, w1, x1, ...)`.

        The same number as the unfused graph `Value.sum([b, w0*x0, ...]).relu()` (added left to right, bias first),
        and the same chain rule, applied in one place: g_z = g * act'(z) (relu: g where the output is positive;
        tanh: g * (1 - out^2)), then d/db = g_z, d/dwi = xi g_z, d/dxi = wi g_z. One node instead of one `*` per
        weight, a sum and an activation: the moons MLP's graph has 8x fewer nodes, so building, walking and freeing it
        is that much less work (moons step: see docs/benchmarks.md). To draw every product and the activation as
        their own nodes (the lesson's picture of a neuron), build the model with `nn.scalar.MLP(..., fused=False)`.
        """
        if len(weights) != len(inputs) or not weights:
            raise ValueError(f"weighted_sum: a neuron needs one weight per input and at least one input, got "
                             f"{len(weights)} weights and {len(inputs)} inputs")
        if activation not in _NEURON_OPS:
            raise ValueError(f"weighted_sum: unknown activation {activation!r}; choose None, 'relu' or 'tanh'")
        inputs = tuple(inputs)
        return Value._weighted_sum((*weights, bias), inputs, any(x.requires_grad for x in inputs), activation)

    @staticmethod
    def _weighted_sum(params: Tuple["Value", ...], inputs: Tuple["Value", ...], inputs_need_grad: bool,
                      activation: Optional[str]) -> "Value":
        """`weighted_sum` on two tuples kept as they are: `params = (w0, ..., wn-1, b)` and `inputs = (x0, ...)`.

        A scalar Layer passes the same two tuples to every node it makes (a neuron's parameters for every sample, the
        layer's inputs for every neuron), so the graph walk visits each tuple once (see `autograd.toposort`) rather
        than every weight of every node (a dense layer: two tuples per node instead of 2n+1 parents). A caller that
        knows no input requires grad (the data) says so, and the inputs then get no chain rule at all."""
        z = params[-1].data
        for w, x in zip(params, inputs):
            z += w.data * x.data
        out = _new_value(Value)
        out.data = z if activation is None else (z if not z <= 0.0 else 0.0) if activation == "relu" else math.tanh(z)
        out.grad = 0.0
        out.label = ""
        out._op = _NEURON_OPS[activation]
        out._terms = ()
        mode = current_mode()
        if mode.enabled and (inputs_need_grad or any(p.requires_grad for p in params)):
            out._a = params
            out._b = inputs
            out._backward = _neuron_rule(activation, inputs_need_grad)
            out.requires_grad = True
        else:
            out._a = out._b = None
            out._backward = None
            out.requires_grad = False
        if mode.anomaly:
            record_trace(out, (*params, *inputs))
        return out

    @staticmethod
    def _groups_from_parents(out: "Value") -> Tuple[Tuple["Value", ...], Tuple["Value", ...]]:
        """A neuron node's (params, inputs) from its flat parents, for a copy whose `_parents` were set (viz
        replays a chain rule on such copies, with stand-ins for the parents)."""
        flat = out._terms  # (b, w0, x0, w1, x1, ...)
        return (*flat[1::2], flat[0]), flat[2::2]

    def __radd__(self, other: Number) -> "Value":
        return self + other  # c + a == a + c, to the last bit

    def __rmul__(self, other: Number) -> "Value":
        return self * other

    def __rsub__(self, other: Number) -> "Value":
        c = _as_float(other)
        return Value._result(c - self.data, self, None, f"{c:g}-", Value._neg_back)  # d(c - a)/da = -1

    def __rtruediv__(self, other: Number) -> "Value":
        c = _as_float(other)
        return Value._result(_div(c, self.data), self, None, f"{c:g}/", Value._reciprocal_back)

    @staticmethod
    def _reciprocal_back(out: "Value", g: float) -> None:
        a = out._a
        a.grad -= g * _div(out.data, a.data)  # d(c/a)/da = -c/a^2 = -(c/a)/a

    def __rpow__(self, other: Number) -> "Value":
        return Value(other) ** self

    # ------------------------------------------------------------------------------------------- unary ops

    def __neg__(self) -> "Value":
        return Value._result(-self.data, self, None, "neg", Value._neg_back)

    @staticmethod
    def _neg_back(out: "Value", g: float) -> None:
        out._a.grad -= g

    def exp(self) -> "Value":
        return Value._result(_exp(self.data), self, None, "exp", Value._exp_back)

    @staticmethod
    def _exp_back(out: "Value", g: float) -> None:
        out._a.grad += out.data * g  # d(e^a)/da = e^a

    def log(self) -> "Value":
        return Value._result(_log(self.data), self, None, "log", Value._log_back)

    @staticmethod
    def _log_back(out: "Value", g: float) -> None:
        a = out._a
        a.grad += _div(g, a.data)  # d(log a)/da = 1/a

    def tanh(self) -> "Value":
        return Value._result(math.tanh(self.data), self, None, "tanh", Value._tanh_back)

    @staticmethod
    def _tanh_back(out: "Value", g: float) -> None:
        t = out.data
        out._a.grad += (1.0 - t * t) * g  # d(tanh a)/da = 1 - tanh(a)^2

    def sigmoid(self) -> "Value":
        return Value._result(_sigmoid(self.data), self, None, "sigmoid", Value._sigmoid_back)

    @staticmethod
    def _sigmoid_back(out: "Value", g: float) -> None:
        s = out.data
        out._a.grad += s * (1.0 - s) * g  # d(sigmoid a)/da = s (1 - s)

    def relu(self) -> "Value":
        x = self.data
        return Value._result(x if not x <= 0.0 else 0.0, self, None, "relu", Value._relu_back)  # keeps nan

    @staticmethod
    def _relu_back(out: "Value", g: float) -> None:
        if not out.data <= 0.0:  # d(relu a)/da = 1 where a > 0 (and NaN passes g on), else 0, as PyTorch
            out._a.grad += g

    def abs(self) -> "Value":
        return Value._result(abs(self.data), self, None, "abs", Value._abs_back)

    @staticmethod
    def _abs_back(out: "Value", g: float) -> None:
        a = out._a
        a.grad += g * ((a.data > 0.0) - (a.data < 0.0))  # g * sign(a); sign is 0 at 0 and at NaN

    def __abs__(self) -> "Value":
        return self.abs()


_new_value = object.__new__
