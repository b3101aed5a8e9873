"""The softmax family: softmax, log_softmax, logsumexp. Each works on x - max(x), so large logits never
overflow; each chain rule is written with the softmax it computed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .dtypes import floating
from .reduce import Axis, _spread, resolve_dims

if TYPE_CHECKING:
    from .core import Tensor


class SoftmaxOps:
    """softmax, log_softmax and logsumexp of Tensor."""

    __slots__ = ()

    def softmax(self, axis: int = -1, *, dim: Optional[int] = None) -> "Tensor":
        """e^x / sum(e^x), computed on x - max(x) so that large logits do not overflow."""
        axis = self._check_axis(axis if dim is None else dim, "softmax")
        with np.errstate(all="ignore"):
            x = self._floats()  # integer logits give float32 (the shift too), as PyTorch
            e = np.exp(x - _max_or_zero(x, axis))
            s = e / e.sum(axis=axis, keepdims=True)

        def _softmax_back(out: "Tensor", g: np.ndarray) -> None:
            s = out.data  # d softmax: s * (g - sum(g * s))
            out._parents[0]._accumulate(s * (g - (g * s).sum(axis=axis, keepdims=True)))

        return self._result(s, (self,), "softmax", _softmax_back)

    def log_softmax(self, axis: int = -1, *, dim: Optional[int] = None) -> "Tensor":
        """x - logsumexp(x), stable for logits of any size: the shift by max(x) keeps every exp <= 1."""
        axis = self._check_axis(axis if dim is None else dim, "log_softmax")
        with np.errstate(all="ignore"):
            x = self._floats()
            shifted = x - _max_or_zero(x, axis)
            data = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

        def _log_softmax_back(out: "Tensor", g: np.ndarray) -> None:
            # d log_softmax: g - softmax * sum(g)
            out._parents[0]._accumulate(g - np.exp(out.data) * g.sum(axis=axis, keepdims=True))

        return self._result(data, (self,), "log_softmax", _log_softmax_back)

    def logsumexp(self, dim: Axis = None, keepdim: Optional[bool] = None, *, axis: Axis = None, keepdims: Any = None
                  ) -> "Tensor":
        """log(sum(e^x)) over `dim` (all entries if None), as m + log(sum(e^(x - m))) with m = max(x), taken as
        0 where it is infinite (as PyTorch: a row of -inf gives -inf, not nan). Gradient: softmax(x) * g."""
        axis, keepdims = resolve_dims("logsumexp", axis, dim, keepdims, keepdim)
        axis = self._check_axis(axis, "logsumexp")
        x = self._floats()
        with np.errstate(all="ignore"):
            m = _max_or_zero(x, axis)
            m = np.where(np.isinf(m), 0, m).astype(x.dtype) if x.size else m
            total = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        data = total if keepdims else (total.reshape(()) if axis is None else np.squeeze(total, axis))

        def _logsumexp_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            a._accumulate(_spread(g, axis, keepdims) * np.exp(a.data - _spread(out.data, axis, keepdims)))

        return self._result(np.asarray(data), (self,), "logsumexp", _logsumexp_back)

    def _floats(self) -> np.ndarray:
        """The data as floats: integer logits compute in float32, as PyTorch's float functions do."""
        return self.data if self.dtype.kind == "f" else self.data.astype(floating(self.dtype))


def _max_or_zero(x: np.ndarray, axis: Axis) -> Any:
    """max along `axis` (kept as a size-1 axis) to shift logits by; 0 for an empty array, which has no max."""
    return x.max(axis=axis, keepdims=True) if x.size else 0
