"""In-place operators `+= -= *= /=`, `add_ sub_ mul_ div_ zero_ fill_`, as in PyTorch.

* Under `no_grad()`, or on a tensor that takes no part in gradients, they change `.data` in place: the same
  object, the same array. `with no_grad(): p -= lr * p.grad` updates the parameter itself.
* On a leaf that requires grad while gradients are recorded they raise, naming the fix: the update would have to be
  differentiated, which is never what a training step means.
* On a result of other ops while recording, the op is recorded and the tensor takes the new value (the tensor
  becomes the op's output; its old value becomes the op's input).

A version check guards backward, like PyTorch's version counter: every in-place op stamps the tensor with a
clock, every recorded op with the clock at its birth; backward refuses an op whose input was changed in place
after the op used it (the op would read, or route its gradient through, the new value instead of the one it used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, List

import numpy as np

from ..autograd import current_mode, toposort
from .dtypes import floating

if TYPE_CHECKING:
    from .core import Tensor

CLOCK: List[int] = [0]
"""How many in-place ops have run: recorded ops read it at birth (`_born`), in-place ops advance it."""


def _tick() -> int:
    CLOCK[0] += 1
    return CLOCK[0]


class InplaceOps:
    """The in-place operators of Tensor."""

    __slots__ = ()

    def _inplace(self, other: Any, symbol: str, op: Callable[["Tensor", Any], "Tensor"], ufunc: Any,
                 floats_only: bool = False) -> "Tensor":
        other_records = getattr(other, "requires_grad", False)
        if current_mode().enabled and (self.requires_grad or other_records):
            if self.requires_grad and self._backward is None:
                raise RuntimeError(
                    f"'{symbol}' on a leaf tensor that requires grad (shape {self.shape}) while gradients are "
                    "being recorded. To update a parameter, do it under `with no_grad():` (e.g. `with no_grad(): "
                    f"p {symbol} lr * p.grad`) or on its data (`p.data {symbol} ...`), as in PyTorch")
            old = self._snapshot()
            return self._record_inplace(op(old, old if other is self else other), symbol)  # `y *= y` too
        b = self._lift(other)
        dtype = self._promote(b)
        self._check_inplace(symbol, floating(dtype) if floats_only else dtype, b.shape)
        with np.errstate(all="ignore"):
            ufunc(self.data, b.data, out=self.data, casting="unsafe")
        self._modified = _tick()
        return self

    def _check_inplace(self, symbol: str, dtype: np.dtype, other_shape: tuple) -> None:
        """The result must fit this tensor: same shape (the other operand broadcasts to it) and no higher dtype
        category (an int tensor cannot hold a float result), as PyTorch."""
        if "fiub".index(dtype.kind) < "fiub".index(self.dtype.kind):
            raise TypeError(f"'{symbol}': the result has dtype {dtype}, which an in-place op cannot store in this "
                            f"tensor of dtype {self.dtype}; write {_out_of_place(symbol)} for a new tensor")
        try:
            shape = np.broadcast_shapes(self.shape, other_shape)
        except ValueError:
            shape = None
        if shape != self.shape:
            raise ValueError(f"'{symbol}': a tensor of shape {other_shape} cannot be applied in place to a tensor "
                             f"of shape {self.shape} (the result must keep the shape {self.shape})")
        if not self.data.flags.writeable:
            raise ValueError(f"'{symbol}': this tensor's data is a read-only view (e.g. of a broadcast); "
                             "copy it first")

    def _snapshot(self) -> "Tensor":
        """A new node holding this tensor's current value and history: the input of a recorded in-place op."""
        old = object.__new__(type(self))
        old.data, old.grad, old.label = self.data, None, self.label
        old._parents, old._op, old._backward = self._parents, self._op, self._backward
        old.requires_grad = self.requires_grad
        old._born = getattr(self, "_born", 0)
        return old

    def _record_inplace(self, new: "Tensor", symbol: str) -> "Tensor":
        """Make this tensor the output `new` of a recorded op (same object, new value and history)."""
        if new.shape != self.shape:
            raise ValueError(f"'{symbol}': the result has shape {new.shape}, not this tensor's shape {self.shape}")
        self._check_inplace(symbol, new.dtype, self.shape)
        self.data = new.data if new.dtype == self.dtype else new.data.astype(self.dtype)
        self._parents, self._op, self._backward = new._parents, new._op, new._backward
        self.requires_grad = True
        self._born = self._modified = _tick()
        return self

    def __iadd__(self, other: Any) -> "Tensor":
        return self._inplace(other, "+=", lambda a, b: a + b, np.add)

    def __isub__(self, other: Any) -> "Tensor":
        return self._inplace(other, "-=", lambda a, b: a - b, np.subtract)

    def __imul__(self, other: Any) -> "Tensor":
        return self._inplace(other, "*=", lambda a, b: a * b, np.multiply)

    def __itruediv__(self, other: Any) -> "Tensor":
        return self._inplace(other, "/=", lambda a, b: a / b, np.divide, floats_only=True)

    def add_(self, other: Any) -> "Tensor":
        return self.__iadd__(other)

    def sub_(self, other: Any) -> "Tensor":
        return self.__isub__(other)

    def mul_(self, other: Any) -> "Tensor":
        return self.__imul__(other)

    def div_(self, other: Any) -> "Tensor":
        return self.__itruediv__(other)

    def fill_(self, value: Any) -> "Tensor":
        """Every entry becomes the number `value`; recorded, the gradient of the old value is 0."""
        if getattr(value, "requires_grad", False):
            raise TypeError("fill_: the value must be a number (or a tensor that does not require grad)")
        value = value.item() if hasattr(value, "item") else value
        with np.errstate(all="ignore"):  # the number in this tensor's dtype, as torch: 2.7 in an int tensor is 2
            value = np.asarray(value).astype(self.data.dtype)[()]
        return self._inplace(value, "fill_", _fill, lambda x, b, out, casting: np.copyto(out, b, casting=casting))

    def zero_(self) -> "Tensor":
        return self.fill_(0)


def _out_of_place(symbol: str) -> str:
    """The new-tensor spelling of an in-place op, for messages: `x = x + ...` for `+=`."""
    return f"`x = x {symbol[:-1]} ...`" if symbol.endswith("=") else "the op without the underscore"


def _fill(a: "Tensor", value: Any) -> "Tensor":
    return a._result(np.full(a.shape, value, dtype=a.dtype), (a,), "fill_", _fill_back)


def _fill_back(out: "Tensor", g: np.ndarray) -> None:
    out._parents[0]._accumulate(np.zeros_like(g))  # the old value no longer matters


def check_versions(root: "Tensor") -> None:
    """Raise if an op in `root`'s graph used a tensor that was changed in place after the op was recorded."""
    if not CLOCK[0]:
        return  # no in-place op has ever run
    for node in toposort(root):
        born = getattr(node, "_born", None)
        if born is None:
            continue
        for parent in node._parents:
            if getattr(parent, "_modified", 0) > born:
                raise RuntimeError(
                    f"backward: an input of op '{node._op}' (a tensor of shape {parent.shape}) was changed by an "
                    "in-place op after this op used it, so its chain rule would use the wrong value. Compute the "
                    "graph again after the change, or write the update out of place (`x = x + ...`)")
