"""Elementwise functions of one tensor: exp, log, sqrt, tanh, sigmoid, relu, abs, sin, cos, log2, log10, sign.
Each chain rule is g times the local derivative, often written with the output (e^x, tanh, sigmoid) so it costs
no extra transcendental."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from .dtypes import DEFAULT_FLOAT

if TYPE_CHECKING:
    from .core import Tensor


class UnaryOps:
    """One-input elementwise ops of Tensor."""

    __slots__ = ()

    def _unary(self, fn: Callable[[np.ndarray], np.ndarray], op: str, backward: Callable,
               floats_only: bool = True) -> "Tensor":
        """Forward of a one-input op. A float-only function (exp, log, ...) of an integer or bool tensor computes
        in float32, the default float dtype, as PyTorch (numpy would give float64)."""
        x = self.data
        if floats_only and x.dtype.kind != "f":
            x = x.astype(DEFAULT_FLOAT)
        with np.errstate(all="ignore"):
            data = fn(x)
        return self._result(data, (self,), op, backward)

    def exp(self) -> "Tensor":
        return self._unary(np.exp, "exp", self._exp_back)

    @staticmethod
    def _exp_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(g * out.data)  # d(e^a)/da = e^a

    def log(self) -> "Tensor":
        return self._unary(np.log, "log", self._log_back)

    @staticmethod
    def _log_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(g / a.data)  # d(log a)/da = 1/a

    def sqrt(self) -> "Tensor":
        return self._unary(np.sqrt, "sqrt", self._sqrt_back)

    @staticmethod
    def _sqrt_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(g / (2 * out.data))  # d(sqrt a)/da = 1 / (2 sqrt a): inf at 0

    def tanh(self) -> "Tensor":
        return self._unary(np.tanh, "tanh", self._tanh_back)

    @staticmethod
    def _tanh_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(g * (1 - out.data * out.data))  # 1 - tanh^2

    def sigmoid(self) -> "Tensor":
        return self._unary(_stable_sigmoid, "sigmoid", self._sigmoid_back)

    @staticmethod
    def _sigmoid_back(out: "Tensor", g: np.ndarray) -> None:
        s = out.data
        out._parents[0]._accumulate(g * s * (1 - s))  # s (1 - s)

    def relu(self) -> "Tensor":
        return self._unary(lambda x: np.maximum(x, 0), "relu", self._relu_back, floats_only=False)

    @staticmethod
    def _relu_back(out: "Tensor", g: np.ndarray) -> None:
        # g where a > 0 (or NaN, as PyTorch), else 0. A multiply by the mask is much faster than np.where, but
        # would turn an infinite g into nan (inf * 0) where PyTorch gives 0: that rare case takes np.where.
        passes = ~(out.data <= 0)
        out._parents[0]._accumulate(g * passes if np.isfinite(g).all() else np.where(passes, g, 0))

    def abs(self) -> "Tensor":
        return self._unary(np.abs, "abs", self._abs_back, floats_only=False)

    def __abs__(self) -> "Tensor":
        return self.abs()

    @staticmethod
    def _abs_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        sign = (a.data > 0).astype(g.dtype) - (a.data < 0)  # +1, -1, or 0 at 0 and at NaN (as PyTorch)
        a._accumulate(g * sign)


    def sin(self) -> "Tensor":
        return self._unary(np.sin, "sin", self._sin_back)

    @staticmethod
    def _sin_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(g * np.cos(a.data))  # d(sin a)/da = cos a

    def cos(self) -> "Tensor":
        return self._unary(np.cos, "cos", self._cos_back)

    @staticmethod
    def _cos_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(-g * np.sin(a.data))  # d(cos a)/da = -sin a

    def log2(self) -> "Tensor":
        return self._unary(np.log2, "log2", self._log2_back)

    @staticmethod
    def _log2_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(g / (a.data * math.log(2.0)))  # d(log2 a)/da = 1 / (a ln 2)

    def log10(self) -> "Tensor":
        return self._unary(np.log10, "log10", self._log10_back)

    @staticmethod
    def _log10_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(g / (a.data * math.log(10.0)))  # d(log10 a)/da = 1 / (a ln 10)

    def sign(self) -> "Tensor":
        """-1, 0 or +1 (0 at NaN, as torch.sign); integer tensors keep their dtype. A step: its gradient is 0 (as
        PyTorch)."""
        return self._unary(_sign, "sign", self._sign_back, floats_only=False)

    @staticmethod
    def _sign_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(np.zeros_like(g))


def _sign(x: np.ndarray) -> np.ndarray:
    """(x > 0) - (x < 0): 0 at NaN, as PyTorch (numpy's sign gives NaN)."""
    if x.dtype.kind != "f":
        return np.sign(x)
    return (x > 0).astype(x.dtype) - (x < 0)


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) via e^-|x|, which never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

