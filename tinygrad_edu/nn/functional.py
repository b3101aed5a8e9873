"""Activations, losses and accuracy as plain functions (PyTorch's `torch.nn.functional`, usually imported as F).

Every loss compares a batch of predictions with a batch of targets and, by default, averages over the batch
(`reduction="mean"`); `"sum"` adds up instead and `"none"` keeps one loss per sample. Losses are built from
Tensor ops, so `loss.backward()` works through them; small fused ops (`_bce`, `_smooth_l1`, the softplus of
`activations`) exist where composing ops would lose precision or give a wrong gradient at a kink.

This file holds the regression and binary losses and the metrics; the families live beside it and are all
reachable as `F.name`: `activations.py` (leaky_relu, elu, gelu, silu, softplus, logsigmoid), `classification.py`
(nll_loss, cross_entropy, one_hot), `normalization.py` (dropout, batch_norm, layer_norm), `robust.py`
(smooth_l1_loss, huber_loss).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, List, Optional, Sequence, Union

import numpy as np

from ..tensor import Tensor
from ..tensor.reduce import sum_rows
from ..value import Value
from ._checks import (REDUCTIONS, _check_labels, _check_reduction, _check_same_shape, _check_signs, _float_target,
                      _labels, _reduce, as_tensor)
from .activations import elu, gelu, leaky_relu, log1p_exp, logsigmoid, silu, softplus
from .classification import cross_entropy, nll_loss, one_hot
from .normalization import batch_norm, dropout, layer_norm
from .robust import huber_loss, smooth_l1_loss

__all__ = ["relu", "tanh", "sigmoid", "softmax", "log_softmax", "leaky_relu", "elu", "gelu", "silu", "softplus",
           "logsigmoid", "linear", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "one_hot", "hinge_loss", "accuracy",
           "dropout", "batch_norm", "layer_norm",
           "as_tensor", "REDUCTIONS"]
ScalarOrTensor = Union[Tensor, Value, List[Value]]


# ----------------------------------------------------------------------------------------------- activations


def relu(x: Tensor) -> Tensor:
    return x.relu()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def _softmax_dim(name: str, x: Tensor, dim: Optional[int]) -> int:
    """PyTorch's rule when no `dim` is given (deprecated there, with this warning): axis 0 for 0-, 1- and 3-D
    input, axis 1 otherwise (a (batch, classes) matrix: each row)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


def softmax(x: Tensor, dim: Optional[int] = None) -> Tensor:
    """Probabilities along `dim` (PyTorch's argument name; the Tensor method calls it `axis`). Without `dim`:
    PyTorch's implicit choice and its warning (see `_softmax_dim`); pass dim=-1 for the last axis."""
    x = as_tensor(x)
    return x.softmax(axis=_softmax_dim("softmax", x, dim))


def log_softmax(x: Tensor, dim: Optional[int] = None) -> Tensor:
    """log(softmax(x)) along `dim`, stably; the same implicit `dim` rule as `softmax`."""
    x = as_tensor(x)
    return x.log_softmax(axis=_softmax_dim("log_softmax", x, dim))


def linear(x: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """x @ weight.T + bias, the layer of the lesson, as one op (PyTorch's `F.linear`): weight is (out, in).

    Its chain rule is the lesson's `Linear.backward`: dx = g @ W, dW = g^T @ x, db = sum of g over the batch.
    `x @ W.T` is a plain (in, out) matrix product when W is stored as nn.Linear stores it by default (see
    nn.layers.weight_order).
    """
    return _linear(x, weight, bias, False)


def linear_relu(x: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """relu(x @ weight.T + bias) as one op (`linear+relu`): what nn.Sequential runs for a Linear then a ReLU.

    The same numbers as `linear(x, weight, bias).relu()`, and the same chain rule applied in one place: relu's
    first (g where the output is positive, or NaN, else 0; as `Tensor.relu`), then the lesson's Linear.backward.
    One node instead of two, and the relu done in place on the fresh product: on the MNIST step that is ~10% of
    our time at batch 16 (docs/benchmarks.md).
    """
    return _linear(x, weight, bias, True)


def _linear(x: Tensor, weight: Tensor, bias: Optional[Tensor], relu: bool) -> Tensor:
    xd, wd = x.data, weight.data  # the arrays' own attributes below: cheaper than the Tensor's, once per batch
    if xd.dtype.kind != "f":
        raise TypeError(f"linear: the input has dtype {x.dtype} but the weight is {weight.dtype}; convert the "
                        f"input first, e.g. Tensor(x, dtype=np.float32) (pixel values: also divide by 255)")
    if xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
                         f"(its last axis must be {weight.shape[1]})")
    data = xd @ wd.T
    if bias is not None:
        data += bias.data  # in place: `data` is a fresh array
    if relu:
        np.maximum(data, 0, out=data)  # NaN stays NaN, as Tensor.relu
    parents = (x, weight) if bias is None else (x, weight, bias)

    def _linear_back(out: Tensor, g: np.ndarray) -> None:
        if relu:
            g = _relu_grad(out.data, g)  # Tensor.relu's chain rule: g where the output is positive (or NaN), else 0
        x, w = out._parents[0], out._parents[1]
        if x.requires_grad:
            x._accumulate(g @ w.data, fresh=True)
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # any leading (batch) axes count as more rows
        if w.requires_grad:
            x2 = x.data if x.data.ndim == 2 else x.data.reshape(-1, x.data.shape[-1])
            # dW = g^T x, in W's own memory order, so that the optimizer's `W -= lr * dW` runs on contiguous
            # memory: where nn.Linear keeps W as the transpose of an (in, out) array (see weight_order), (x^T g)^T.
            layout = w.data.flags
            dw = (x2.T @ g2).T if layout.f_contiguous and not layout.c_contiguous else g2.T @ x2
            w._accumulate(dw, fresh=True)  # new arrays: the weight takes them as its grad, uncopied
        if bias is not None and bias.requires_grad:
            out._parents[2]._accumulate(sum_rows(g2), fresh=True)  # a long batch adds up in float64

    return Tensor._result(data, parents, "linear+relu" if relu else "linear", _linear_back)


def _relu_grad(out: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Tensor.relu's chain rule read off relu's output: g where the output is positive or NaN, else 0 (PyTorch's).

    Fast and exact: relu's output is never negative, so `out != 0` is `not out <= 0` in one numpy call; the
    multiply by that mask is fast but makes inf * 0 = nan where PyTorch gives 0, so a non-finite result (found by
    one dot product: sum of squares) takes np.where, exact in every case (and for gradients past ~1e17, whose
    squares overflow). Measured (batch 16, layers 128 and 64): 2.7-3.0 us a layer against 3.1-3.5 for
    `~(out <= 0)` and a checking sum; at batch 256 (256 x 128) 21 against 36 (np.where alone: 237).
    """
    passes = out != 0
    masked = g * passes
    flat = masked.ravel()
    return masked if math.isfinite(flat @ flat) else np.where(passes, g, 0)


def _bce(p: Tensor, y: Tensor) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) elementwise, each log clamped at -100 (as PyTorch), as one op.

    Chain rule for p, PyTorch's: g (p - y) / max(p (1 - p), 1e-12). It equals -y/p + (1 - y)/(1 - p), and at
    p = 0 or 1 it stays finite: -1e12 or +1e12 against a wrong target, 0 against the right one (a clamped log
    has no slope of its own, but the loss still pushes the prediction the right way).
    For y (when it requires grad): g (log(1 - p) - log p), both logs clamped.
    """
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p.data), -100)
        log_1mp = np.maximum(np.log1p(-p.data), -100)
    data = -(y.data * log_p + (1 - y.data) * log_1mp)

    def _bce_back(out: Tensor, g: np.ndarray) -> None:
        p, y = out._parents
        if p.requires_grad:
            p._accumulate(g * (p.data - y.data) / np.maximum(p.data * (1 - p.data), 1e-12))
        if y.requires_grad:
            y._accumulate(g * (log_1mp - log_p))

    return Tensor._result(data.astype(p.dtype, copy=False), (p, y), "binary_cross_entropy", _bce_back)


# ----------------------------------------------------------------------------------------------- regression losses


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)^2). Big errors weigh much more than small ones."""
    _check_reduction(reduction)
    input = as_tensor(input)
    target = _float_target(target, input)
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|input - target|). Less swayed by outliers than mse_loss."""
    _check_reduction(reduction)
    input = as_tensor(input)
    target = _float_target(target, input)
    _check_same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


# ----------------------------------------------------------------------------------------------- binary classification losses


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean", *, weight: Any = None) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1] (after a sigmoid) and targets y in [0, 1].

    Each log is clamped at -100 (as PyTorch), so a confident wrong answer costs 100 rather than inf. `weight`
    rescales each element's loss (broadcast to the input's shape). Prefer `binary_cross_entropy_with_logits` on raw scores: it is more accurate for very confident outputs.
    """
    _check_reduction(reduction)
    input = as_tensor(input)
    target = _float_target(target, input)
    _check_same_shape("binary_cross_entropy", input, target)
    if input.data.size and not ((input.data >= 0) & (input.data <= 1)).all():
        raise ValueError(
            f"binary_cross_entropy expects probabilities in [0, 1], got values from {np.nanmin(input.data):g} to "
            f"{np.nanmax(input.data):g}; apply sigmoid first, or use binary_cross_entropy_with_logits on raw scores"
        )
    return _reduce(_weighted(_bce(input, target), weight, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean", *, weight: Any = None,
                                     pos_weight: Any = None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), y) in one stable formula: max(x, 0) - x y + log(1 + e^-|x|).

    Fine for logits of any size (no sigmoid that rounds to exactly 0 or 1); the gradient is sigmoid(x) - y.
    `pos_weight` (one number per class, broadcast along the last axis) multiplies the loss of the positive
    targets, PyTorch's formula: (1 - y) x + (1 + (pos_weight - 1) y) log(1 + e^-x). `weight` rescales each element.
    """
    _check_reduction(reduction)
    input = as_tensor(input)
    target = _float_target(target, input)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    if pos_weight is None:
        loss = log1p_exp(input) - input * target
    else:
        pw = _constant(pos_weight, input)
        if not _broadcasts_to(pw.shape, input.shape):
            raise ValueError(f"binary_cross_entropy_with_logits: pos_weight of shape {pw.shape} does not broadcast "
                             f"to the input's shape {input.shape} (give one weight per class: the last axis)")
        loss = (1 - target) * input + (1 + (pw - 1) * target) * log1p_exp(-input)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy_with_logits"), reduction)


def _broadcasts_to(shape: tuple, target_shape: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target_shape) == tuple(target_shape)
    except ValueError:
        return False


def _constant(x: Any, like: Tensor) -> Tensor:
    """A weight as a Tensor of `like`'s dtype (a Tensor that requires grad stays as it is: it gets a gradient)."""
    if isinstance(x, Tensor) and x.requires_grad:
        return x
    return Tensor(np.asarray(x.data if isinstance(x, Tensor) else x, dtype=like.dtype), dtype=like.dtype)


def _weighted(loss: Tensor, weight: Any, name: str) -> Tensor:
    """loss * weight: PyTorch's `weight=` of the binary losses, a rescaling of each element's loss."""
    if weight is None:
        return loss
    w = _constant(weight, loss)
    if not _broadcasts_to(w.shape, loss.shape):
        raise ValueError(f"{name}: weight of shape {w.shape} does not broadcast to the loss's shape {loss.shape}")
    return loss * w


def hinge_loss(scores: Union[Tensor, Sequence[Value]], target: Any, reduction: str = "mean") -> ScalarOrTensor:
    """micrograd's max-margin (SVM) loss: mean(relu(1 - y * score)) for labels y in {-1, +1}.

    A sample costs nothing once it is on the right side with margin 1. `scores` is a Tensor of shape (N,) or
    (N, 1), or a list of Values (the scalar MLP's outputs): then the result is a Value (a list with "none").
    """
    _check_reduction(reduction)
    labels = _labels(target)
    _check_signs("hinge_loss", labels)
    if isinstance(scores, (list, tuple)):
        return _hinge_values(list(scores), labels.tolist(), reduction)
    scores = as_tensor(scores)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores.reshape(-1)
    if scores.ndim != 1:
        raise ValueError(f"hinge_loss expects one score per sample, shape (N,) or (N, 1), got {scores.shape}")
    if len(labels) != len(scores):
        raise ValueError(f"hinge_loss: batch sizes differ: {len(scores)} scores but {len(labels)} labels")
    y = Tensor(labels.astype(scores.dtype))
    return _reduce((1 - y * scores).relu(), reduction)


def _hinge_values(scores: List[Value], labels: List[float], reduction: str) -> Union[Value, List[Value]]:
    """The scalar version, node for node as micrograd writes it."""
    if len(scores) != len(labels):
        raise ValueError(f"hinge_loss: batch sizes differ: {len(scores)} scores but {len(labels)} labels")
    if not scores:
        raise ValueError("hinge_loss of an empty list of scores")
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
    if reduction == "none":
        return losses
    total = Value.sum(losses)
    return total * (1.0 / len(losses)) if reduction == "mean" else total


# ----------------------------------------------------------------------------------------------- metrics


def accuracy(output: Any, target: Any, threshold: float = 0.0) -> float:
    """The fraction of correct predictions (1 - the 0-1 loss), as a float in [0, 1].

    - 2-D output (N, C) with C > 1: logits or probabilities; the prediction is the argmax of each row.
    - 1-D output (N,) or (N, 1), or a list of Values: one score per sample, positive means the positive class
      (score > `threshold`, default 0, right for logits and margins; pass threshold=0.5 for probabilities).
      Labels may be 0/1 or -1/+1.
    """
    if isinstance(output, (list, tuple)):
        out = np.array([o.data if isinstance(o, Value) else o for o in output], dtype=np.float64)
    else:
        out = np.asarray(output.data if isinstance(output, Tensor) else output)
    labels = _labels(target)
    if out.ndim == 2 and out.shape[1] > 1:
        _check_labels("accuracy", labels, out.shape[0], out.shape[1])
        predicted = out.argmax(axis=1)
    else:
        scores = out.reshape(-1) if out.ndim == 2 or out.ndim == 0 else out
        if scores.ndim != 1:
            raise ValueError(f"accuracy expects logits (N, C) or scores (N,) / (N, 1), got shape {out.shape}")
        if len(scores) != len(labels.reshape(-1)):
            raise ValueError(f"accuracy: batch sizes differ: {len(scores)} predictions but {labels.size} labels")
        labels = labels.reshape(-1)
        positive = scores > threshold
        predicted = np.where(positive, 1, -1) if (labels < 0).any() else positive.astype(np.int64)
    if labels.size == 0:
        raise ValueError("accuracy of an empty batch is undefined")
    return float((predicted == labels).mean())
