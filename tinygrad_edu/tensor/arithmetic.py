"""Arithmetic: `+ - * / **` and negation, with numpy broadcasting.

Each backward sums the gradient back to the input's own shape (`unbroadcast`): an input that was broadcast in
the forward pass was used many times, and the chain rule adds up every use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .broadcast import unbroadcast
from .dtypes import floating, number_dtype

if TYPE_CHECKING:
    from .core import Tensor


class ArithmeticOps:
    """`+ - * / ** neg` for Tensor: forward with numpy, chain rule right below."""

    __slots__ = ()

    def _binary(self, other: Any, op: str, fn: Callable, backward: Callable, floats_only: bool = False) -> "Tensor":
        """Forward of a two-input op in the promoted dtype (PyTorch's rules, see `dtypes.py`); `floats_only` ops
        (division) give float32 for integer inputs."""
        b = self._lift(other)
        dtype = self._promote(b)
        if floats_only:
            dtype = floating(dtype)
        x = self.data if self.data.dtype == dtype else self.data.astype(dtype)
        y = b.data if b.data.dtype == dtype else b.data.astype(dtype)
        try:
            with np.errstate(all="ignore"):
                data = fn(x, y)
        except ValueError:
            try:  # numpy's ValueError here is almost always a shape clash: name both shapes
                np.broadcast_shapes(self.shape, b.shape)
            except ValueError:
                raise ValueError(f"'{op}': shapes {self.shape} and {b.shape} cannot be broadcast together") from None
            raise
        return self._result(data, (self, b), op, backward)

    def __add__(self, other: Any) -> "Tensor":
        return self._binary(other, "+", np.add, self._add_back)

    @staticmethod
    def _add_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        a._accumulate(unbroadcast(g, a.shape))
        b._accumulate(unbroadcast(g, b.shape))

    def __sub__(self, other: Any) -> "Tensor":
        return self._binary(other, "-", np.subtract, self._sub_back)

    @staticmethod
    def _sub_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        a._accumulate(unbroadcast(g, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-g, b.shape))

    def __mul__(self, other: Any) -> "Tensor":
        return self._binary(other, "*", np.multiply, self._mul_back)

    @staticmethod
    def _mul_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        if a.requires_grad:
            a._accumulate(unbroadcast(g * b.data, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(g * a.data, b.shape))

    def __truediv__(self, other: Any) -> "Tensor":
        return self._binary(other, "/", np.divide, self._div_back, floats_only=True)

    @staticmethod
    def _div_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        if a.requires_grad:
            a._accumulate(unbroadcast(g / b.data, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-g * (out.data / b.data), b.shape))  # d(a/b)/db = -(a/b)/b

    def __pow__(self, other: Any) -> "Tensor":
        if number_dtype(other) is not None and not isinstance(other, (bool, np.bool_)):
            return self._pow_number(other)
        return self._binary(other, "**", np.power, self._pow_tensor_back)

    def _pow_number(self, p: Any) -> "Tensor":
        """a ** p for a number p. An integer tensor to a float power is float32, to a negative int power an error
        (both as PyTorch). The forward uses p exactly (0 ** 1e-50 is 0, though 1e-50 is 0 in float32); the
        backward multiplies in the tensor's dtype, so there the gradient is 1e-50 * inf = 0 * inf = nan, as PyTorch."""
        p = p.item() if isinstance(p, np.generic) else p
        if self.dtype.kind in "iub" and isinstance(p, int) and p < 0:
            raise ValueError(f"'**': integer tensors (dtype {self.dtype}, shape {self.shape}) cannot be raised to the "
                             f"negative power {p}, an integer (as in PyTorch); use a float power ({p}.0) or convert first")
        dtype = self._promote(p)
        x = self.data if self.data.dtype == dtype else self.data.astype(dtype)
        with np.errstate(all="ignore"):
            exact = dtype.kind != "f" or float(dtype.type(p)) == p  # float(): numpy would compare in float32
            data = x ** p if exact else (x.astype(np.float64) ** p).astype(dtype)

        def _pow_back(out: "Tensor", g: np.ndarray) -> None:
            (a,) = out._parents
            if p == 0:  # a^0 = 1 everywhere, so the gradient is 0, even at a = 0 (as PyTorch)
                a._accumulate(np.zeros_like(g))
                return
            a._accumulate(g * (p * a.data ** (p - 1)))  # d(a^p)/da = p a^(p-1)

        return self._result(data, (self,), f"**{p:g}", _pow_back)

    @staticmethod
    def _pow_tensor_back(out: "Tensor", g: np.ndarray) -> None:
        """d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (as PyTorch)."""
        a, b = out._parents
        if a.requires_grad:  # 0 where b == 0: a^0 = 1 is flat, even at a = 0 (as PyTorch)
            ga = np.where(b.data == 0, 0, g * (b.data * a.data ** (b.data - 1)))
            a._accumulate(unbroadcast(ga.astype(out.dtype, copy=False), a.shape))
        if b.requires_grad:
            gb = g * np.where((a.data == 0) & (b.data >= 0), 0, out.data * np.log(a.data))
            b._accumulate(unbroadcast(gb.astype(out.dtype), b.shape))

    def __radd__(self, other: Any) -> "Tensor":
        return self._lift(other) + self

    def __rsub__(self, other: Any) -> "Tensor":
        return self._lift(other) - self

    def __rmul__(self, other: Any) -> "Tensor":
        return self._lift(other) * self

    def __rtruediv__(self, other: Any) -> "Tensor":
        return self._lift(other) / self

    def __rpow__(self, other: Any) -> "Tensor":
        return self._lift(other) ** self

    def __neg__(self) -> "Tensor":
        return self._result(-self.data, (self,), "neg", self._neg_back)

    @staticmethod
    def _neg_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(-g)
