"""More `Value` ops, as a mixin of `Value`: comparisons (Python bools, so `if v > 0:` works as with numbers),
sin, cos, log2, log10, sign, clamp, maximum/minimum, and the activations of `nn.functional` in scalar form
(leaky_relu, elu, gelu, silu, softplus, logsigmoid), with PyTorch's defaults and gradients at the kinks.

Each op below is its forward number and its chain rule `_x_back(out, g)`, which adds d(out)/d(input) * g to the
input's grad, exactly as in `value.py`.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Callable, Optional

INF = math.inf
NAN = math.nan


_SYMBOLS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul"}


def op_name(op: str) -> str:
    """A readable name for an op, for reprs (`grad_fn=<mul>`): `*`, `*2.5` and `2.5*` are all `mul`."""
    if op in _SYMBOLS:
        return _SYMBOLS[op]
    if len(op) > 1 and op[-1] in "-/":  # a number on the left: `2.5-x` is `2.5-`, `2.5/x` is `2.5/`
        return _SYMBOLS[op[-1]]
    for symbol in ("**", "+", "*", "/", "-"):  # a number on the right: `x*2.5` is `*2.5`
        if op.startswith(symbol):
            return _SYMBOLS[symbol]
    return op


def _number(x: Any) -> Any:
    """The number behind a Value or a plain number; None for anything else (the comparison is then not ours)."""
    if isinstance(x, ValueOps):
        return x.data
    if isinstance(x, numbers.Real):  # Python's numbers and numpy's scalars (as Python numbers: bool results)
        return x.item() if hasattr(x, "item") else x
    return None


class ValueOps:
    """Comparisons and extra scalar ops of `Value`."""

    __slots__ = ()
    __hash__ = object.__hash__  # by identity: graph walks keep Values in sets, and equal numbers are not one node

    # ------------------------------------------------------------------------------------------- comparisons
    # Compare the numbers, as Python floats do (no gradient: a comparison is a step). `v == w` is True for two
    # different Values with the same number; code that looks a node up in a list must use `is` or `id()`.

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        o = _number(other)
        return NotImplemented if o is None else self.data == o

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        o = _number(other)
        return NotImplemented if o is None else self.data != o

    def __lt__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data < o

    def __le__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data <= o

    def __gt__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data > o

    def __ge__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data >= o

    def __bool__(self) -> bool:
        """`if v:` is true where the number is nonzero, as for a float (and a one-element torch tensor)."""
        return bool(self.data)

    # ------------------------------------------------------------------------------------------- elementwise

    def sin(self) -> Any:
        return self._result(_guard(math.sin, self.data), self, None, "sin", _sin_back)

    def cos(self) -> Any:
        return self._result(_guard(math.cos, self.data), self, None, "cos", _cos_back)

    def log2(self) -> Any:
        return self._result(_log(math.log2, self.data), self, None, "log2", _log2_back)

    def log10(self) -> Any:
        return self._result(_log(math.log10, self.data), self, None, "log10", _log10_back)

    def sign(self) -> Any:
        """-1, 0 or 1 (0 at NaN, as PyTorch). A step: its gradient is 0."""
        x = self.data
        return self._result(float((x > 0.0) - (x < 0.0)), self, None, "sign", _zero_back)

    def clamp(self, min: Optional[float] = None, max: Optional[float] = None) -> Any:
        """The number limited to [min, max]; the gradient passes where min <= x <= max (bounds included)."""
        if min is None and max is None:
            raise ValueError("clamp needs min, max or both")
        x = self.data
        out = x if x != x else x if min is None or x >= min else float(min)  # NaN stays NaN
        out = out if max is None or not out > max else float(max)
        inside = (min is None or x >= min) and (max is None or x <= max)
        return self._result(out, self, None, "clamp", _pass_back if inside else _zero_back)

    clip = clamp

    def maximum(self, other: Any) -> Any:
        """The larger of two (as `torch.maximum`); at a tie each input gets half the gradient."""
        return self._extremum(other, "maximum", lambda a, b: a > b)

    def minimum(self, other: Any) -> Any:
        """The smaller of two (as `torch.minimum`); at a tie each input gets half the gradient."""
        return self._extremum(other, "minimum", lambda a, b: a < b)

    def _extremum(self, other: Any, op: str, wins: Any) -> Any:
        b = other if isinstance(other, ValueOps) else self._constant(other)
        x, y = self.data, b.data
        out = x if wins(x, y) or x == y or x != x else y  # NaN wins, as in PyTorch
        return self._result(out, self, b, op, _extremum_back(wins))

    def _constant(self, number: Any) -> Any:
        c = type(self)(number)
        c.requires_grad = False
        return c

    # ------------------------------------------------------------------------------------------- activations
    # The scalar forms of nn.functional's activations, with PyTorch's defaults and its gradient at the kinks.

    def leaky_relu(self, negative_slope: float = 0.01) -> Any:
        x = self.data
        return self._result(x if x > 0.0 else x * negative_slope, self, None, "leaky_relu", _leaky_rule(negative_slope))

    def elu(self, alpha: float = 1.0) -> Any:
        x = self.data
        out = x if not x <= 0.0 else alpha * math.expm1(x)
        return self._result(out, self, None, "elu", _elu_rule(alpha))

    def gelu(self, approximate: str = "none") -> Any:
        """x * Phi(x), Phi the standard normal CDF; `approximate="tanh"` uses the tanh formula (as PyTorch)."""
        x = self.data
        if approximate == "tanh":
            return self._result(0.5 * x * (1.0 + math.tanh(_gelu_inner(x))), self, None, "gelu", _gelu_tanh_back)
        if approximate != "none":
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        return self._result(x * _cdf(x), self, None, "gelu", _gelu_back)

    def silu(self) -> Any:
        """x * sigmoid(x)."""
        return self._result(self.data * _sigmoid(self.data), self, None, "silu", _silu_back)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Any:
        """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
        bx = self.data * beta
        out = self.data if bx > threshold else math.log1p(_exp(bx)) / beta
        return self._result(out, self, None, "softplus", _softplus_rule(beta, threshold))

    def logsigmoid(self) -> Any:
        """log(sigmoid(x)) = min(x, 0) - log(1 + e^-|x|), which never overflows."""
        x = self.data
        out = min(x, 0.0) - math.log1p(math.exp(-abs(x))) if x == x else x
        return self._result(out, self, None, "logsigmoid", _logsigmoid_back)


# ----------------------------------------------------------------------------------------------- chain rules


def _sin_back(out: Any, g: float) -> None:
    out._a.grad += _guard(math.cos, out._a.data) * g  # d(sin a)/da = cos a


def _cos_back(out: Any, g: float) -> None:
    out._a.grad -= _guard(math.sin, out._a.data) * g  # d(cos a)/da = -sin a


def _log2_back(out: Any, g: float) -> None:
    out._a.grad += _div(g, out._a.data * math.log(2.0))  # 1 / (a ln 2)


def _log10_back(out: Any, g: float) -> None:
    out._a.grad += _div(g, out._a.data * math.log(10.0))  # 1 / (a ln 10)


def _pass_back(out: Any, g: float) -> None:
    out._a.grad += g  # slope 1


def _zero_back(out: Any, g: float) -> None:
    out._a.grad += 0.0  # flat: slope 0


@functools.lru_cache(maxsize=256)
def _leaky_rule(slope: float) -> Callable[[Any, float], None]:
    """Chain rule of leaky_relu: 1 where a > 0, else `slope` (at 0 and NaN too, as PyTorch). One per slope."""

    def _leaky_back(out: Any, g: float) -> None:
        out._a.grad += g if out._a.data > 0.0 else slope * g

    return _leaky_back


@functools.lru_cache(maxsize=256)
def _elu_rule(alpha: float) -> Callable[[Any, float], None]:
    """Chain rule of elu: alpha e^a where a <= 0, else 1 (NaN too, as PyTorch)."""

    def _elu_back(out: Any, g: float) -> None:
        x = out._a.data
        out._a.grad += alpha * math.exp(x) * g if x <= 0.0 else g

    return _elu_back


@functools.lru_cache(maxsize=256)
def _softplus_rule(beta: float, threshold: float) -> Callable[[Any, float], None]:
    """Chain rule of softplus: sigmoid(beta a), or 1 where beta a > threshold (the linear part)."""

    def _softplus_back(out: Any, g: float) -> None:
        bx = out._a.data * beta
        out._a.grad += g if bx > threshold else _sigmoid(bx) * g

    return _softplus_back


def _gelu_back(out: Any, g: float) -> None:
    x = out._a.data
    out._a.grad += (_cdf(x) + x * math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)) * g  # Phi(x) + x phi(x)


def _gelu_tanh_back(out: Any, g: float) -> None:
    x = out._a.data
    t = math.tanh(_gelu_inner(x))
    k = math.sqrt(2.0 / math.pi)
    out._a.grad += (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3 * 0.044715 * x * x)) * g


def _silu_back(out: Any, g: float) -> None:
    x = out._a.data
    s = _sigmoid(x)
    out._a.grad += s * (1.0 + x * (1.0 - s)) * g  # d(x s)/dx = s + x s (1 - s)


def _logsigmoid_back(out: Any, g: float) -> None:
    out._a.grad += _sigmoid(-out._a.data) * g  # d log(sigmoid x)/dx = 1 - sigmoid(x) = sigmoid(-x)


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _gelu_inner(x: float) -> float:
    return math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x) if math.isfinite(x) else x


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _extremum_back(wins: Callable[[float, float], bool]) -> Callable[[Any, float], None]:
    def _back(out: Any, g: float) -> None:
        a, b = out._a, out._b
        share = g / 2 if a.data == b.data else g
        if not wins(b.data, a.data):
            a.grad += share
        if not wins(a.data, b.data):
            b.grad += share
    return _back


def _guard(fn: Callable[[float], float], x: float) -> float:
    """sin and cos of inf are NaN (math raises)."""
    return fn(x) if math.isfinite(x) else NAN


def _log(log: Callable[[float], float], x: float) -> float:
    """log2 or log10 with IEEE results: -inf at 0, nan below (math raises)."""
    if x > 0.0:
        return log(x)
    return -INF if x == 0.0 else NAN


def _div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        return NAN if x == 0.0 or x != x else math.copysign(INF, x) * math.copysign(1.0, y)


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
