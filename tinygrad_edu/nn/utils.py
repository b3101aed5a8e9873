"""Gradient clipping with PyTorch's names (`torch.nn.utils`): call between `loss.backward()` and
`optimizer.step()` to keep one huge gradient from throwing the weights far away."""

from __future__ import annotations

from typing import Any, Iterable, List, Union

import numpy as np

from ..tensor import Tensor
from ..value import Value

Params = Union[Tensor, Value, Iterable[Union[Tensor, Value]]]


def _with_grads(parameters: Params) -> List[Any]:
    params = [parameters] if isinstance(parameters, (Tensor, Value)) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, (Tensor, Value)):
            raise TypeError(f"parameter {i} is a {type(p).__name__}, not a Tensor or Value (pass model.parameters())")
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint norm is at most `max_norm`; return the norm before.

    The joint norm is the `norm_type`-norm of the per-parameter norms (2: the length of all gradients laid end to
    end; inf: the largest |entry|). As PyTorch, every grad is multiplied by min(1, max_norm / (norm + 1e-6)).
    """
    with_grads = _with_grads(parameters)
    norm_type = float(norm_type)
    if not with_grads:
        return Tensor(0.0)
    grads = [np.asarray(p.grad, dtype=np.float64) for p in with_grads]
    if norm_type == np.inf:
        norms = np.array([np.abs(g).max() if g.size else 0.0 for g in grads])
        total = norms.max()
    else:
        norms = np.array([np.sum(np.abs(g) ** norm_type) ** (1 / norm_type) for g in grads])
        total = np.sum(norms**norm_type) ** (1 / norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {total}, so they cannot be "
                           "clipped; pass error_if_nonfinite=False to clip anyway")
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p in with_grads:
        p.grad = p.grad * coef if isinstance(p, Value) else (p.grad * coef).astype(p.grad.dtype, copy=False)
    dtype = with_grads[0].grad.dtype if isinstance(with_grads[0], Tensor) else np.float32
    return Tensor(np.asarray(total, dtype=dtype), dtype=dtype)


def clip_grad_value_(parameters: Params, clip_value: float) -> None:
    """Clip every gradient entry into [-clip_value, clip_value], in place."""
    for p in _with_grads(parameters):
        p.grad = min(max(p.grad, -clip_value), clip_value) if isinstance(p, Value) else np.clip(p.grad, -clip_value, clip_value)
