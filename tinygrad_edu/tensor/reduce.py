"""Reductions: sum, mean, var, std, prod.

A reduction's backward spreads the incoming gradient back over the axes it removed: `sum` copies it to every
input, `mean` divides it by the count, `var` weighs it by each entry's distance from the mean, `prod` by the
product of the other entries. Every reduction takes numpy's `axis=`/`keepdims=` or PyTorch's `dim=`/`keepdim=`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import numpy as np

from .dtypes import floating

if TYPE_CHECKING:
    from .core import Tensor

Axis = Optional[Union[int, Tuple[int, ...]]]  # None (all axes), one axis, or several


def resolve_dims(op: str, axis: Any, dim: Any, keepdims: Any, keepdim: Any) -> Tuple[Axis, bool]:
    """numpy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim` (one spelling of each, not both)."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis= or dim= (the same thing), not both")
        axis = dim
    if keepdim is not None:
        if keepdims not in (None, False) and keepdims != keepdim:
            raise TypeError(f"{op}: give keepdims= or keepdim= (the same thing), not both")
        keepdims = keepdim
    return (tuple(axis) if isinstance(axis, list) else axis), bool(keepdims)


def _spread(g: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
    """The incoming gradient with the reduced axes put back (size 1), ready to broadcast over the input."""
    return g if keepdims or axis is None else np.expand_dims(g, axis)


class ReduceOps:
    """Reductions of Tensor."""

    __slots__ = ()

    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None
            ) -> "Tensor":
        """Sum over `axis`. Integer and bool tensors sum to int64 (as PyTorch); float32 and float16 add up in
        float64 (see `accurate_sum`)."""
        axis, keepdims = resolve_dims("sum", axis, dim, keepdims, keepdim)
        axis = self._check_axis(axis, "sum")
        shape = self.shape

        def _sum_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.broadcast_to(_spread(g, axis, keepdims), shape))  # each input once

        return self._result(accurate_sum(self.data, axis, keepdims), (self,), "sum", _sum_back)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None
             ) -> "Tensor":
        """Mean over `axis`. The mean of an integer tensor is the exact mean as float32 (PyTorch refuses ints)."""
        axis, keepdims = resolve_dims("mean", axis, dim, keepdims, keepdim)
        axis = self._check_axis(axis, "mean")
        shape = self.shape
        with np.errstate(all="ignore"):  # quiet: the mean of [inf, -inf] is nan
            total = np.asarray(_sum(self.data, axis, keepdims))  # unrounded: divide first, then round once
            count = self.data.size // total.size if total.size else 0
            data = (total / count).astype(floating(self.dtype), copy=False) if count else \
                np.full(total.shape, np.nan, floating(self.dtype))

        def _mean_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.broadcast_to(_spread(g, axis, keepdims) / count, shape))  # 1/count each

        return self._result(data, (self,), "mean", _mean_back)

    def var(self, axis: Axis = None, unbiased: Optional[bool] = None, keepdims: bool = False, *,
            correction: Optional[float] = None, dim: Axis = None, keepdim: Optional[bool] = None) -> "Tensor":
        """Variance sum((x - mean)^2) / (N - correction), as PyTorch: correction 1 (Bessel's, `unbiased=True`)
        by default, 0 for the population variance. N - correction <= 0 gives inf or nan, quietly."""
        axis, keepdims, d, scale, data = self._spread_from_mean("var", axis, unbiased, keepdims, correction, dim, keepdim)

        def _var_back(out: "Tensor", g: np.ndarray) -> None:
            # d var / dx_i = 2 (x_i - mean) / (N - c); the mean's own dependence on x_i sums to 0
            out._parents[0]._accumulate(_spread(g, axis, keepdims) * (2 * scale) * d)

        return self._result(data, (self,), "var", _var_back)

    def std(self, axis: Axis = None, unbiased: Optional[bool] = None, keepdims: bool = False, *,
            correction: Optional[float] = None, dim: Axis = None, keepdim: Optional[bool] = None) -> "Tensor":
        """Standard deviation: sqrt of `var` (same arguments). Gradient: var's times 1 / (2 std), taken as 0
        where std is 0 (all entries equal), as PyTorch."""
        axis, keepdims, d, scale, var = self._spread_from_mean("std", axis, unbiased, keepdims, correction, dim, keepdim)
        with np.errstate(all="ignore"):
            data = np.sqrt(var)

        def _std_back(out: "Tensor", g: np.ndarray) -> None:
            s = _spread(out.data, axis, keepdims)
            g_var = np.where(s == 0, 0, _spread(g, axis, keepdims) / (2 * s))  # d sqrt(v) = dv / (2 sqrt(v))
            out._parents[0]._accumulate(g_var * (2 * scale) * d)

        return self._result(data, (self,), "std", _std_back)

    def _spread_from_mean(self, op: str, axis: Axis, unbiased: Optional[bool], keepdims: bool,
                          correction: Optional[float], dim: Axis, keepdim: Optional[bool]) -> Tuple[Any, ...]:
        """What var and std share: the axes, x - mean (kept for the backward), 1 / (N - correction), the variance."""
        axis, keepdims = resolve_dims(op, axis, dim, keepdims, keepdim)
        axis = self._check_axis(axis, op)
        if unbiased is not None and correction is not None:
            raise TypeError(f"{op}: give unbiased= or correction=, not both")
        c = correction if correction is not None else (0 if unbiased is False else 1)
        x = self.data if self.dtype.kind == "f" else self.data.astype(floating(self.dtype))
        n = _terms(self.shape, axis)  # entries per result
        with np.errstate(all="ignore"):
            scale = np.float64(1.0) / max(n - c, 0)  # inf where N <= correction (as PyTorch), quietly (numpy divides)
            d = x - (accurate_sum(x, axis, True, rounded=False) / n).astype(x.dtype)
            var = (accurate_sum(d * d, axis, keepdims, rounded=False) * scale).astype(x.dtype)
        return axis, keepdims, d, scale, var

    def prod(self, axis: Optional[int] = None, keepdims: bool = False, *, dim: Optional[int] = None,
             keepdim: Optional[bool] = None) -> "Tensor":
        """Product over `axis` (integer tensors give int64, as PyTorch). The gradient of each entry is the
        product of the others: out / x_i where no entry is 0; with one 0, only the 0 gets a gradient (the
        product of the rest); with two or more, every gradient is 0."""
        axis, keepdims = resolve_dims("prod", axis, dim, keepdims, keepdim)
        axis = self._check_axis(axis, "prod")
        acc = np.int64 if self.dtype.kind in "biu" else None
        with np.errstate(all="ignore"):
            data = np.asarray(self.data.prod(axis=axis, keepdims=keepdims, dtype=acc))

        def _prod_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            x = a.data
            zero = x == 0
            zeros = zero.sum(axis=axis, keepdims=True)
            others = np.where(zero, 1, x).prod(axis=axis, keepdims=True)  # product of the nonzero entries
            p = _spread(out.data, axis, keepdims)
            local = np.where(zeros == 0, p / np.where(zero, 1, x), np.where(zero & (zeros == 1), others, 0))
            a._accumulate(_spread(g, axis, keepdims) * local)

        return self._result(data, (self,), "prod", _prod_back)


FLOAT32_EXACT_ENOUGH = 256
"""Terms per result up to which float32's own sum is as close as PyTorch's (a few units in the last place); longer
sums of float32 add up in float64. float16 always adds up in float64: its 11 bits run out after 2048 ones."""


def accurate_sum(x: np.ndarray, axis: Axis, keepdims: bool = False, rounded: bool = True) -> np.ndarray:
    """`x.sum(axis)` that stays accurate over long axes, quietly (inf + -inf is nan without a warning).

    numpy adds a strided axis (`axis=0` of a matrix) one row at a time in the input's precision, so float32 ones
    summed over 2^25 rows stop growing at 2^24 and float16 ones at 2048. Like PyTorch's accurate sums we add
    long float32 sums and all float16 sums in float64 and round once at the end (`benchmarks/bench_reductions.py`
    measures the cost); integers and bools sum to int64, as PyTorch. `rounded=False` keeps the float64 total
    (mean divides before rounding, so a float16 mean of 10^5 ones is 1, not inf / 10^5)."""
    with np.errstate(all="ignore"):
        total = np.asarray(_sum(x, axis, keepdims))
    return total.astype(x.dtype) if rounded and x.dtype.kind == "f" and total.dtype != x.dtype else total


_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def sum_rows(x: np.ndarray) -> np.ndarray:
    """`accurate_sum(x, 0)` of a matrix, for chain rules (F.linear's bias gradient), which run with numpy's warnings
    already off (`autograd.backward` enters np.errstate). Up to FLOAT32_EXACT_ENOUGH rows of float32 or float64,
    accurate_sum itself calls numpy's `x.sum(axis=0)`; this calls the ufunc behind it directly, without
    accurate_sum's errstate and checks: 1.0 us instead of 2.7 on a (16, 128) float32 gradient, three times per MNIST
    step."""
    if len(x) <= FLOAT32_EXACT_ENOUGH and (x.dtype is _FLOAT32 or x.dtype is _FLOAT64):
        return np.add.reduce(x, 0)  # what `x.sum(axis=0)` runs, without its Python wrapper
    return accurate_sum(x, 0)


def _sum(x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
    """The sum in the precision that keeps it accurate (see `accurate_sum`): int64 for integers and bools,
    float64 for float16 and long float32 sums, else the input's own."""
    dtype = x.dtype
    if dtype.kind != "f":
        return x.sum(axis=axis, keepdims=keepdims, dtype=np.int64)
    if dtype.itemsize == 2 or (dtype.itemsize == 4 and x.size > FLOAT32_EXACT_ENOUGH and
                               _terms(x.shape, axis) > FLOAT32_EXACT_ENOUGH):
        return x.sum(axis=axis, keepdims=keepdims, dtype=np.float64)
    return x.sum(axis=axis, keepdims=keepdims)


def _terms(shape: Tuple[int, ...], axis: Axis) -> int:
    """How many entries add up into each result of a sum over `axis`."""
    if axis is None:
        return math.prod(shape)
    return math.prod([shape[ax] for ax in ((axis,) if isinstance(axis, int) else axis)])
