"""Regression losses that are robust to outliers, with PyTorch's formulas: `smooth_l1_loss` (squared error below
`beta`, absolute error above) and `huber_loss` (the same curve scaled by `delta`). One fused op for both."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._checks import _check_reduction, _check_same_shape, _float_target, _reduce, as_tensor


def _smooth_l1(input: Tensor, target: Tensor, beta: float, scale: float) -> Tensor:
    """scale * (0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta), d = input - target, as one op.

    Chain rule: scale * clip(d / beta, -1, 1) for the input (d / beta inside the quadratic part, the sign of d
    outside: the two meet at |d| = beta), minus that for the target. beta = 0 is the L1 loss (sign(d), 0 at 0).
    """
    d = input.data - target.data
    ad = np.abs(d)
    with np.errstate(all="ignore"):
        data = scale * (np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta) if beta > 0 else ad)

    def _smooth_l1_back(out: Tensor, g: np.ndarray) -> None:
        slope = scale * (np.clip(d / beta, -1, 1) if beta > 0 else np.sign(d))
        a, b = out._parents
        if a.requires_grad:
            a._accumulate(g * slope)
        if b.requires_grad:
            b._accumulate(-g * slope)

    return Tensor._result(data.astype(input.dtype, copy=False), (input, target), "smooth_l1_loss", _smooth_l1_back)


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", *, beta: float = 1.0) -> Tensor:
    """Squared error for small errors (|d| < beta, divided by beta), absolute error beyond: an L1 loss that is
    smooth at 0 (PyTorch's; Fast R-CNN's box loss). Its gradient never exceeds 1 in size."""
    return _robust_loss("smooth_l1_loss", input, target, reduction, beta, scale=1.0)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", *, delta: float = 1.0) -> Tensor:
    """0.5 d^2 for |d| <= delta, delta (|d| - 0.5 delta) beyond: delta * smooth_l1_loss with beta = delta."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    return _robust_loss("huber_loss", input, target, reduction, delta, scale=delta)


def _robust_loss(name: str, input: Any, target: Any, reduction: str, beta: float, scale: float) -> Tensor:
    _check_reduction(reduction)
    if beta < 0:
        raise ValueError(f"{name}: beta must be >= 0, got {beta}")
    input = as_tensor(input)
    target = _float_target(target, input)
    _check_same_shape(name, input, target)
    return _reduce(_smooth_l1(input, target, float(beta), float(scale)), reduction)
