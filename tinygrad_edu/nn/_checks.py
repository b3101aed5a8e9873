"""The argument checks every loss shares: reductions, targets, shapes and class labels, with errors that name
the shapes and values involved and say how to fix them."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if not isinstance(reduction, str):
        raise TypeError(f"reduction must be one of {REDUCTIONS}, got a {type(reduction).__name__}; a loss's third "
                        "argument is `reduction` here (PyTorch's third is a deprecated one or `weight`): pass "
                        "weight=... by keyword")
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; choose one of {REDUCTIONS}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def as_tensor(x: Any) -> Tensor:
    """A Tensor as it is; arrays, lists and numbers become constant Tensors (float data as float32)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _labels(target: Any) -> np.ndarray:
    """Labels as an ndarray with the user's own dtype (not converted to float32 as a Tensor would)."""
    return target.data if isinstance(target, Tensor) else np.asarray(target)


def _float_target(target: Any, like: Tensor) -> Tensor:
    """Targets compared with float predictions: integer labels (0/1, -1/+1) become floats of the input's dtype."""
    target = as_tensor(target)
    if target.dtype.kind in "biu":
        return Tensor(target.data.astype(like.dtype), dtype=like.dtype)  # dtype=: else a float64 input gets float32
    return target


def _check_same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if input.shape == target.shape:
        return
    if input.ndim and target.ndim and input.shape[0] != target.shape[0]:
        raise ValueError(f"{name}: batch sizes differ: input has {input.shape[0]} samples (shape {input.shape}), "
                         f"target has {target.shape[0]} (shape {target.shape})")
    if input.data.size == target.data.size or not (input.ndim and target.ndim):
        hint = f"reshape one, e.g. target.reshape({', '.join(str(n) for n in input.shape)})"
    else:  # no reshape can fix it: the model makes a different number of outputs than the target has
        per_input, per_target = input.data.size // input.shape[0], target.data.size // target.shape[0]
        hint = (f"the input has {per_input} values per sample but the target has {per_target}: give the model "
                f"{per_target} output(s) (its last layer Linear(..., {per_target})); for class labels use cross_entropy")
    raise ValueError(f"{name}: input has shape {input.shape} but target has shape {target.shape}; they must match "
                     f"({hint})")


def _check_labels(name: str, labels: np.ndarray, n_samples: int, n_classes: int, ignore_index: Optional[int] = None) -> None:
    """Class labels must be integers 0..n_classes-1 (or `ignore_index`), one per sample."""
    if labels.ndim == 2 and labels.shape[1] == n_classes and n_classes > 1:
        raise ValueError(f"{name} needs one class index per sample, shape ({labels.shape[0]},), but the target has "
                         f"shape {labels.shape}, like one-hot rows; convert them with y.argmax(axis=1)")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} needs integer class labels (0..{n_classes - 1}), got target of dtype {labels.dtype}; "
                        "convert with y.astype(np.int64)")
    if labels.ndim != 1:
        raise ValueError(f"{name} needs one label per sample, a 1-D target, got shape {labels.shape}")
    if len(labels) != n_samples:
        raise ValueError(f"{name}: batch sizes differ: input has {n_samples} samples, target has {len(labels)} labels")
    outside = (labels < 0) | (labels >= n_classes)
    if ignore_index is not None:
        outside &= labels != ignore_index
    bad = labels[outside]
    if bad.size:
        raise ValueError(f"{name}: label {int(bad[0])} is out of range for {n_classes} classes "
                         f"(labels must be 0..{n_classes - 1})")


def _check_signs(name: str, labels: np.ndarray) -> None:
    bad = labels[(labels != 1) & (labels != -1)]
    if bad.size:
        raise ValueError(f"{name} needs labels -1 or +1, got {bad.flat[0].item()!r}; convert 0/1 labels with y * 2 - 1")
