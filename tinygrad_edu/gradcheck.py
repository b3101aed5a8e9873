"""Check backward() against central differences, in float64, for functions of Values or Tensors."""

from __future__ import annotations

from typing import Any, Callable, List, Sequence, Union

import numpy as np

from .autograd import no_grad
from .tensor import Tensor
from .value import Value

Node = Union[Value, Tensor]


class GradcheckError(AssertionError):
    """backward() and finite differences disagree; the message names the input, index and both numbers."""


def _as_float64(x: Any) -> Any:
    """Fresh float64 leaves, so the finite differences are not drowned by float32 rounding."""
    if isinstance(x, Value):
        return Value(x.data, x.label)
    if isinstance(x, Tensor) and x.dtype.kind == "f":
        return Tensor(np.array(x.data, dtype=np.float64), requires_grad=True, dtype=np.float64)
    return x


def _scalar(out: Node, weights: List[np.ndarray]) -> Node:
    """Reduce a non-scalar Tensor output to a scalar with fixed random weights (a random vector-Jacobian product)."""
    if isinstance(out, Value) or out.data.size == 1:
        return out if isinstance(out, Value) else out.sum()
    if not weights:
        weights.append(np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape))
    return (out * Tensor(weights[0], dtype=np.float64)).sum()


def _number(out: Node) -> float:
    return float(out.data) if isinstance(out, Value) else float(np.asarray(out.data).item())


def gradcheck(
    fn: Callable[..., Node],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if the gradient of `fn` from backward() matches central differences for every input entry.

    `fn` takes the inputs (Values, Tensors, or other constants passed through) and returns a Value or a Tensor.
    A non-scalar output is checked through a fixed random weighting of its entries. Raises `GradcheckError`
    naming the input, the index, both numbers and the tolerance at the first mismatch.
    """
    xs = [_as_float64(x) for x in inputs]
    weights: List[np.ndarray] = []
    loss = _scalar(fn(*xs), weights)
    loss.backward()
    for position, x in enumerate(xs):
        if isinstance(x, Value):
            _check_entries(fn, xs, weights, position, [()], lambda idx, v=x: v.data, _set_value(x), x.grad, eps, atol, rtol)
        elif isinstance(x, Tensor) and x.requires_grad:
            grad = np.zeros_like(x.data) if x.grad is None else x.grad
            _check_entries(fn, xs, weights, position, list(np.ndindex(*x.shape)),
                           lambda idx, t=x: float(t.data[idx]), _set_entry(x), grad, eps, atol, rtol)
    return True


def _set_value(v: Value) -> Callable[[Any, float], None]:
    def setter(idx: Any, number: float) -> None:
        v.data = number
    return setter


def _set_entry(t: Tensor) -> Callable[[Any, float], None]:
    def setter(idx: Any, number: float) -> None:
        t.data[idx] = number
    return setter


def _check_entries(fn: Callable[..., Node], xs: Sequence[Any], weights: List[np.ndarray], position: int,
                   indices: Sequence[Any], get: Callable, put: Callable, analytic: Any,
                   eps: float, atol: float, rtol: float) -> None:
    for idx in indices:
        original = get(idx)
        with no_grad():
            put(idx, original + eps)
            plus = _number(_scalar(fn(*xs), weights))
            put(idx, original - eps)
            minus = _number(_scalar(fn(*xs), weights))
            put(idx, original)
        numeric = (plus - minus) / (2 * eps)
        # Rounding in plus - minus: an output of size |f| is only known to about |f| * 2^-52, so the difference
        # quotient cannot be trusted closer than that divided by eps (it matters when one entry barely moves a
        # large output).
        rounding = 8 * np.finfo(np.float64).eps * max(abs(plus), abs(minus)) / eps
        exact = float(np.asarray(analytic)[idx]) if idx != () else float(analytic)
        tolerance = atol + rtol * abs(numeric) + rounding
        if not (abs(exact - numeric) <= tolerance) and not (np.isnan(exact) and np.isnan(numeric)):
            where = f"input {position}" + (f" at index {idx}" if idx != () else "")
            raise GradcheckError(
                f"gradcheck failed for {where}: backward() gives {exact!r}, central differences give {numeric!r} "
                f"(|difference| {abs(exact - numeric):.3g} > atol {atol:g} + rtol {rtol:g} * |numeric| "
                f"+ rounding {rounding:.2g})"
            )
