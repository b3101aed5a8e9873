"""Matrix product `@`: 2-D, batched (leading axes broadcast) and 1-D operands, as `np.matmul`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .dtypes import result_type

from .broadcast import unbroadcast

if TYPE_CHECKING:
    from .core import Tensor


class MatmulOps:
    """`@` for Tensor."""

    __slots__ = ()

    def __matmul__(self, other: Any) -> "Tensor":
        """Matrix product as `np.matmul`: 2-D, batched (leading axes broadcast) and 1-D (vector) operands."""
        b = self._lift(other)
        if self.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {self.shape} and {b.shape}")
        k_a = self.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: shapes {self.shape} and {b.shape} do not line up ({k_a} != {k_b})")
        try:
            # PyTorch's promotion, as every other op (int @ float32 is float32); PyTorch itself refuses mixed dtypes
            data = np.matmul(self.data, b.data, dtype=result_type(self.data, b.data))
        except ValueError:
            raise ValueError(f"matmul: batch shapes of {self.shape} and {b.shape} cannot be broadcast together") from None
        return self._result(data, (self, b), "@", self._matmul_back)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return self._lift(other) @ self

    def matmul(self, other: Any) -> "Tensor":
        """`x.matmul(y)` is `x @ y`, as in torch."""
        return self @ other

    @staticmethod
    def _matmul_back(out: "Tensor", g: np.ndarray) -> None:
        """d(A@B)/dA = g @ B^T, d(A@B)/dB = A^T @ g; vectors are treated as 1-row / 1-column matrices."""
        a, b = out._parents
        if a.data.ndim == 2 and b.data.ndim == 2:  # two matrices, the common case (every Linear layer)
            if a.requires_grad:
                a._accumulate(g @ b.data.T)
            if b.requires_grad:
                # A^T @ g. When B is a transposed view (W.T in Linear), compute it as (g^T @ A)^T: the same numbers,
                # laid out like B, so W's grad comes back in W's own memory order (no slow strided copy later).
                transposed = b.data.flags.f_contiguous and not b.data.flags.c_contiguous
                b._accumulate((g.T @ a.data).T if transposed else a.data.T @ g)
            return
        a2 = a.data[None, :] if a.ndim == 1 else a.data
        b2 = b.data[:, None] if b.ndim == 1 else b.data
        g2 = np.expand_dims(g, -1) if b.ndim == 1 else g
        g2 = np.expand_dims(g2, -2) if a.ndim == 1 else g2
        if a.requires_grad:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            a._accumulate(unbroadcast(ga, a2.shape).reshape(a.shape))
        if b.requires_grad:
            gb = np.swapaxes(a2, -1, -2) @ g2
            b._accumulate(unbroadcast(gb, b2.shape).reshape(b.shape))
