"""Ops that pick entries: max/min (and amax/amin, argmax/argmin), clamp, minimum/maximum, where.

A picking op's chain rule sends the gradient to the entries that were picked and nothing to the others. Ties
follow PyTorch: `amax`/`amin` (and `max(axis=...)`) share the gradient equally among tied extremes, `max(dim)`
gives it all to the one index it returns, `maximum`/`minimum` halve it between two equal inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Optional

import numpy as np

from .broadcast import unbroadcast
from .dtypes import result_type
from .reduce import Axis, resolve_dims

if TYPE_CHECKING:
    from .core import Tensor


class ValuesIndices(NamedTuple):
    """What `max(dim)` and `min(dim)` return, as PyTorch: the extreme values and the index of each."""

    values: "Tensor"
    indices: "Tensor"


class SelectOps:
    """Picking ops of Tensor."""

    __slots__ = ()

    # ------------------------------------------------------------------------------------------- max, min

    def amax(self, dim: Axis = None, keepdim: bool = False) -> "Tensor":
        """Largest entries over `dim`; tied maxima share the gradient equally (as `torch.amax`)."""
        return self._extreme(np.max, "amax", dim, keepdim)

    def amin(self, dim: Axis = None, keepdim: bool = False) -> "Tensor":
        """Smallest entries over `dim`; tied minima share the gradient equally (as `torch.amin`)."""
        return self._extreme(np.min, "amin", dim, keepdim)

    def max(self, dim: Optional[int] = None, keepdim: bool = False, *, axis: Axis = None, keepdims: Any = None) -> Any:
        """Torch's `max`: with `dim`, the pair (values, indices); with no dim, the largest entry. Our `axis=`
        (numpy's spelling) gives the values alone, as `amax`."""
        if dim is None:
            return self._extreme(np.max, "max", axis, keepdim if keepdims is None else keepdims)
        return self._pick(np.argmax, "max", dim, keepdim if keepdims is None else keepdims)

    def min(self, dim: Optional[int] = None, keepdim: bool = False, *, axis: Axis = None, keepdims: Any = None) -> Any:
        """Torch's `min`: with `dim`, the pair (values, indices); with no dim, the smallest entry; `axis=` as amin."""
        if dim is None:
            return self._extreme(np.min, "min", axis, keepdim if keepdims is None else keepdims)
        return self._pick(np.argmin, "min", dim, keepdim if keepdims is None else keepdims)

    def _extreme(self, fn: Any, op: str, axis: Axis, keepdims: bool) -> "Tensor":
        axis = self._check_axis(axis, op)
        reduced = range(self.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
        if any(self.shape[ax] == 0 for ax in reduced):
            raise ValueError(f"{op}() over an empty axis of a tensor of shape {self.shape} (axis={axis}) has no value")
        m = fn(self.data, axis=axis, keepdims=True)
        # torch.max()/min() of every entry share a NaN result's gradient among the NaN entries; amax/amin (and our
        # axis= spelling) count no entry equal to a NaN, so their gradient is NaN there: both as PyTorch
        nan_shares = op in ("max", "min") and axis is None

        def _extreme_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            mask = a.data == m
            if nan_shares:
                mask |= np.isnan(a.data) & np.isnan(m)
            a._accumulate(mask * (g / mask.sum(axis=axis, keepdims=True)))  # ties share the gradient evenly

        data = m if keepdims else (m.reshape(()) if axis is None else np.squeeze(m, axis=axis))
        return self._result(np.asarray(data), (self,), op, _extreme_back)

    def _pick(self, arg: Any, op: str, dim: int, keepdim: bool) -> ValuesIndices:
        """(values, indices) along one axis; the gradient goes to the returned index only (as PyTorch)."""
        if self.ndim == 0:  # the one entry, at index 0
            return ValuesIndices(self.reshape(()), type(self)(np.asarray(0, dtype=np.int64)))
        axis = self._check_axis(dim, op)
        idx = self._arg(arg, op, axis, True).data  # the reduced axis kept, with size 1
        data = np.take_along_axis(self.data, idx, axis)

        def _pick_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            full = np.zeros(a.shape, dtype=g.dtype)
            np.put_along_axis(full, idx, g if keepdim else np.expand_dims(g, axis), axis)
            a._accumulate(full)

        values = data if keepdim else np.squeeze(data, axis)
        indices = type(self)(idx if keepdim else np.squeeze(idx, axis))
        return ValuesIndices(self._result(values, (self,), op, _pick_back), indices)

    def argmax(self, dim: Optional[int] = None, keepdim: bool = False, *, axis: Optional[int] = None) -> "Tensor":
        """Index of the largest entry (not differentiable): the predicted class of each row of logits."""
        return self._arg(np.argmax, "argmax", resolve_dims("argmax", axis, dim, False, None)[0], keepdim)

    def argmin(self, dim: Optional[int] = None, keepdim: bool = False, *, axis: Optional[int] = None) -> "Tensor":
        """Index of the smallest entry (not differentiable)."""
        return self._arg(np.argmin, "argmin", resolve_dims("argmin", axis, dim, False, None)[0], keepdim)

    def _arg(self, fn: Any, op: str, axis: Optional[int], keepdim: bool) -> "Tensor":
        if axis is not None:
            if isinstance(axis, tuple):
                raise TypeError(f"{op}: dim must be one int, got {axis!r}")
            axis = self._check_axis(axis, op)
        if self.data.size == 0 and (axis is None or self.shape[axis] == 0):
            raise ValueError(f"{op}() over an empty axis of a tensor of shape {self.shape} has no answer")
        index = fn(self.data, axis=axis, keepdims=keepdim)
        if axis is None and keepdim:
            index = np.asarray(index).reshape((1,) * self.ndim)
        return type(self)(np.asarray(index, dtype=np.int64))

    # ------------------------------------------------------------------------------------------- clamp

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":
        """Entries limited to [min, max]. The gradient passes where min <= x <= max (bounds included, as
        PyTorch) and is 0 where the bound was used. Tensor bounds get the gradient where they were used."""
        if min is None and max is None:
            raise ValueError("clamp needs min, max or both")
        if hasattr(min, "shape") or hasattr(max, "shape"):
            out = self if min is None else where(self >= min, self, min)
            return out if max is None else where(out <= max, out, max)
        dtype = result_type(self.data, *[bound for bound in (min, max) if bound is not None])
        x = self.data if self.dtype == dtype else self.data.astype(dtype)
        data = np.clip(x, min, max).astype(dtype, copy=False)

        def _clamp_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            inside = np.ones(a.shape, dtype=bool)
            if min is not None:
                inside &= a.data >= min
            if max is not None:
                inside &= a.data <= max
            a._accumulate(np.where(inside, g, 0))

        return self._result(data, (self,), "clamp", _clamp_back)

    clip = clamp

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise larger of two; where they are equal each gets half the gradient (as PyTorch)."""
        return self._binary(other, "maximum", np.maximum, _extremum_back(np.greater))

    def minimum(self, other: Any) -> "Tensor":
        """Elementwise smaller of two; where they are equal each gets half the gradient (as PyTorch)."""
        return self._binary(other, "minimum", np.minimum, _extremum_back(np.less))

    def where(self, condition: Any, other: Any) -> "Tensor":
        """`x.where(cond, y)` is `where(cond, x, y)`, as PyTorch."""
        return where(condition, self, other)


def _extremum_back(wins: Any) -> Any:
    def _back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        tie = a.data == b.data
        share = np.where(tie, g / 2, g)  # d max(a, b)/da = 1 where a wins, 1/2 at a tie, 0 where b wins
        if a.requires_grad:
            a._accumulate(unbroadcast(np.where(wins(b.data, a.data), 0, share), a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(np.where(wins(a.data, b.data), 0, share), b.shape))
    return _back


def where(condition: Any, input: Any, other: Any) -> "Tensor":
    """Entries of `input` where `condition` is true, else of `other` (tensors or numbers; broadcast together).
    The gradient goes to whichever input each entry came from."""
    from .core import Tensor

    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor (e.g. x > 0), got dtype {cond.dtype}")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    if a is None and b is None:
        a = Tensor(input)
    a = a if a is not None else b._lift(input)
    b = b if b is not None else a._lift(other)
    dtype = a._promote(b)
    try:
        data = np.where(cond, a.data.astype(dtype, copy=False), b.data.astype(dtype, copy=False))
    except ValueError:
        raise ValueError(f"where: shapes {cond.shape}, {a.shape} and {b.shape} cannot be broadcast together") from None

    def _where_back(out: "Tensor", g: np.ndarray) -> None:
        x, y = out._parents
        if x.requires_grad:
            x._accumulate(unbroadcast(np.where(cond, g, 0), x.shape))
        if y.requires_grad:
            y._accumulate(unbroadcast(np.where(cond, 0, g), y.shape))

    return Tensor._result(data, (a, b), "where", _where_back)


def maximum(input: Any, other: Any) -> "Tensor":
    """`torch.maximum`: the elementwise larger of two tensors (or a tensor and a number)."""
    from .core import Tensor

    return (input if isinstance(input, Tensor) else Tensor(input)).maximum(other)


def minimum(input: Any, other: Any) -> "Tensor":
    """`torch.minimum`: the elementwise smaller of two tensors (or a tensor and a number)."""
    from .core import Tensor

    return (input if isinstance(input, Tensor) else Tensor(input)).minimum(other)
