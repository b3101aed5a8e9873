"""Comparisons `== != < <= > >=` and the logical operators `& | ^ ~`: elementwise, giving bool tensors with no
gradient (a step function has derivative 0 almost everywhere, so torch records nothing either).

Tensors stay hashable by identity (`__hash__ = object.__hash__`): graph walks keep nodes in sets and dicts, where
two different live objects never share a hash, so `==` is never called there. Lists are different:
`node in a_list` and `a_list.index(node)` call `==` (elementwise now), so code that looks nodes up uses `id()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .dtypes import number_dtype

if TYPE_CHECKING:
    from .core import Tensor


class CompareOps:
    """Comparison and logical operators of Tensor."""

    __slots__ = ()
    __hash__ = object.__hash__  # defining __eq__ would otherwise make the class unhashable

    def _compare(self, other: Any, fn: Callable[[np.ndarray, np.ndarray], np.ndarray], op: str) -> Any:
        if not (isinstance(other, (type(self), np.ndarray, list, tuple)) or number_dtype(other) is not None):
            return NotImplemented  # `t == None` and `t == "a"` are False, as in Python and PyTorch
        b = self._lift(other)
        dtype = self._promote(b)  # compare in the promoted dtype: int tensor < 2.5 compares as floats
        x = self.data if self.data.dtype == dtype else self.data.astype(dtype)
        y = b.data if b.data.dtype == dtype else b.data.astype(dtype)
        try:
            data = fn(x, y)
        except ValueError:
            raise ValueError(f"'{op}': shapes {self.shape} and {b.shape} cannot be broadcast together") from None
        return type(self)(np.asarray(data))

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, np.equal, "==")

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, np.not_equal, "!=")

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, np.less, "<")

    def __le__(self, other: Any) -> Any:
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, np.greater, ">")

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, np.greater_equal, ">=")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def _logical(self, other: Any, fn: Callable, op: str) -> "Tensor":
        b = self._lift(other)
        if self.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(f"'{op}' needs bool or integer tensors (masks), got dtypes {self.dtype} and {b.dtype}")
        return self._compare(b, fn, op)

    def __and__(self, other: Any) -> "Tensor":
        return self._logical(other, np.bitwise_and, "&")

    def __or__(self, other: Any) -> "Tensor":
        return self._logical(other, np.bitwise_or, "|")

    def __xor__(self, other: Any) -> "Tensor":
        return self._logical(other, np.bitwise_xor, "^")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self) -> "Tensor":
        if self.dtype.kind not in "biu":
            raise TypeError(f"'~' needs a bool or integer tensor (a mask), got dtype {self.dtype}")
        return type(self)(np.invert(self.data))

    def __bool__(self) -> bool:
        """`if t:` for a one-element tensor; more elements are ambiguous (as PyTorch): use .any() or .all()."""
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} elements (shape {self.shape}) "
                               "is ambiguous: use (t == u).all() or .any()")
        return bool(self.data)

    def any(self) -> "Tensor":
        """A 0-d bool tensor: is any entry nonzero? (`if (a > 0).any():` works through `__bool__`.)"""
        return type(self)(np.asarray(self.data.any()))

    def all(self) -> "Tensor":
        """A 0-d bool tensor: is every entry nonzero?"""
        return type(self)(np.asarray(self.data.all()))
