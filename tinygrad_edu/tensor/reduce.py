"""Reductions (sum, mean, max, argmax) and the softmax family.

A reduction's backward spreads the incoming gradient back over the axes it removed: `sum` copies it to every
input, `mean` divides it by the count, `max` sends it to the largest entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import numpy as np

from .dtypes import floating

if TYPE_CHECKING:
    from .core import Tensor

Axis = Optional[Union[int, Tuple[int, ...]]]  # None (all axes), one axis, or several


class ReduceOps:
    """Reductions and softmax/log_softmax of Tensor."""

    __slots__ = ()

    def softmax(self, axis: int = -1) -> "Tensor":
        """e^x / sum(e^x), computed on x - max(x) so that large logits do not overflow."""
        axis = self._check_axis(axis, "softmax")
        with np.errstate(all="ignore"):
            e = np.exp(self.data - _max_or_zero(self.data, axis))
            s = e / e.sum(axis=axis, keepdims=True)

        def _softmax_back(out: "Tensor", g: np.ndarray) -> None:
            s = out.data  # d softmax: s * (g - sum(g * s))
            out._parents[0]._accumulate(s * (g - (g * s).sum(axis=axis, keepdims=True)))

        return self._result(s, (self,), "softmax", _softmax_back)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """x - logsumexp(x), stable for logits of any size: the shift by max(x) keeps every exp <= 1."""
        axis = self._check_axis(axis, "log_softmax")
        with np.errstate(all="ignore"):
            shifted = self.data - _max_or_zero(self.data, axis)
            data = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

        def _log_softmax_back(out: "Tensor", g: np.ndarray) -> None:
            # d log_softmax: g - softmax * sum(g)
            out._parents[0]._accumulate(g - np.exp(out.data) * g.sum(axis=axis, keepdims=True))

        return self._result(data, (self,), "log_softmax", _log_softmax_back)


    def sum(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Sum over `axis`. Integer and bool tensors sum to int64 (as PyTorch); float32 and float16 add up in
        float64 (see `accurate_sum`)."""
        axis = self._check_axis(axis, "sum")
        shape = self.shape

        def _sum_back(out: "Tensor", g: np.ndarray) -> None:
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            out._parents[0]._accumulate(np.broadcast_to(g, shape))  # every input counted once

        return self._result(accurate_sum(self.data, axis, keepdims), (self,), "sum", _sum_back)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Mean over `axis`. The mean of an integer tensor is the exact mean as float32 (PyTorch refuses ints)."""
        axis = self._check_axis(axis, "mean")
        shape = self.shape
        dtype = floating(self.dtype)
        total = accurate_sum(self.data, axis, keepdims, np.float64)
        count = self.data.size // total.size if total.size else 0
        with np.errstate(all="ignore"):
            data = (total / count).astype(dtype, copy=False) if count else np.full(total.shape, np.nan, dtype)

        def _mean_back(out: "Tensor", g: np.ndarray) -> None:
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            out._parents[0]._accumulate(np.broadcast_to(g / count, shape))  # each input weighs 1/count

        return self._result(data, (self,), "mean", _mean_back)

    def max(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Largest entries. The gradient goes to the maximum; tied maxima share it equally (as `torch.amax`)."""
        axis = self._check_axis(axis, "max")
        reduced = range(self.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
        if any(self.shape[ax] == 0 for ax in reduced):
            raise ValueError(f"max() over an empty axis of a tensor of shape {self.shape} (axis={axis}) has no value")
        m = self.data.max(axis=axis, keepdims=True)

        def _max_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            mask = a.data == m
            a._accumulate(mask * (g / mask.sum(axis=axis, keepdims=True)))  # NaN max: count 0, as PyTorch

        data = m if keepdims else (m.reshape(()) if axis is None else np.squeeze(m, axis=axis))
        return self._result(np.asarray(data), (self,), "max", _max_back)

    def argmax(self, axis: Optional[int] = None) -> "Tensor":
        """Index of the largest entry (not differentiable): the predicted class of each row of logits."""
        if axis is not None:
            axis = self._check_axis(axis, "argmax")
        if self.data.size == 0 and (axis is None or self.shape[axis] == 0):
            raise ValueError(f"argmax() over an empty axis of a tensor of shape {self.shape} has no answer")
        return type(self)(np.argmax(self.data, axis=axis))


def accurate_sum(x: np.ndarray, axis: Axis, keepdims: bool = False, dtype: Any = None) -> np.ndarray:
    """`x.sum(axis)` that stays accurate over long axes, quietly (inf + -inf is nan without a warning).

    numpy adds a strided axis (`axis=0` of a matrix) one row at a time in the input's precision, so float32 ones
    summed over 2^25 rows stop growing at 2^24 and float16 ones at 2048. Like PyTorch's accurate sums we add
    float32 and float16 in float64 and round once at the end; integers and bools sum to int64, as PyTorch.
    `dtype` asks for the float64 total itself (mean divides it before rounding)."""
    kind = x.dtype.kind
    acc = np.float64 if kind == "f" and x.dtype.itemsize < 8 else np.int64 if kind in "biu" else None
    with np.errstate(all="ignore"):
        total = np.asarray(x.sum(axis=axis, keepdims=keepdims, dtype=dtype or acc))
    if dtype is None and kind == "f" and total.dtype != x.dtype:
        total = total.astype(x.dtype)
    return total


def _max_or_zero(x: np.ndarray, axis: Axis) -> Any:
    """max along `axis` (kept as a size-1 axis) to shift logits by; 0 for an empty array, which has no max."""
    return x.max(axis=axis, keepdims=True) if x.size else 0


