"""Activations, losses and accuracy as plain functions (PyTorch's `torch.nn.functional`, usually imported as F).

Every loss compares a batch of predictions with a batch of targets and, by default, averages over the batch
(`reduction="mean"`); `"sum"` adds up instead and `"none"` keeps one loss per sample. Losses are built from
Tensor ops, so `loss.backward()` works through them; two small fused ops (`softplus`, `_clamped_log`) exist
where composing ops would lose precision or give a wrong gradient at a kink.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..tensor import Tensor
from ..value import Value

REDUCTIONS = ("mean", "sum", "none")
ScalarOrTensor = Union[Tensor, Value, List[Value]]


# ----------------------------------------------------------------------------------------------- activations


def relu(x: Tensor) -> Tensor:
    return x.relu()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Probabilities along `dim` (PyTorch's argument name; the Tensor method calls it `axis`)."""
    return x.softmax(axis=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.log_softmax(axis=dim)


def linear(x: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """x @ weight.T + bias, the layer of the lesson, as one op (PyTorch's `F.linear`): weight is (out, in).

    Its chain rule is the lesson's `Linear.backward`: dx = g @ W, dW = g^T @ x, db = sum of g over the batch.
    """
    if x.dtype.kind != "f":
        raise TypeError(f"linear: the input has dtype {x.dtype} but the weight is {weight.dtype}; convert the "
                        f"input first, e.g. Tensor(x, dtype=np.float32) (pixel values: also divide by 255)")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
                         f"(its last axis must be {weight.shape[1]})")
    data = x.data @ weight.data.T
    if bias is not None:
        data += bias.data  # in place: `data` is a fresh array
    parents = (x, weight) if bias is None else (x, weight, bias)

    def _linear_back(out: Tensor, g: np.ndarray) -> None:
        x, w = out._parents[0], out._parents[1]
        if x.requires_grad:
            x._accumulate(g @ w.data)
        g2 = g.reshape(-1, g.shape[-1])  # any leading (batch) axes count as more rows
        if w.requires_grad:
            w._accumulate(g2.T @ x.data.reshape(-1, x.shape[-1]))
        if bias is not None and bias.requires_grad:
            out._parents[2]._accumulate(g2.sum(axis=0))

    return Tensor._result(data, parents, "linear", _linear_back)


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), computed as max(x, 0) + log(1 + e^-|x|) so it never overflows; its gradient is sigmoid(x).

    One fused op: building it from relu and abs would give gradient 0 instead of 0.5 at exactly x = 0.
    """
    data = np.maximum(x.data, 0) + np.log1p(np.exp(-np.abs(x.data)))

    def _softplus_back(out: Tensor, g: np.ndarray) -> None:
        a = out._parents[0]
        e = np.exp(-np.abs(a.data))
        a._accumulate(g * np.where(a.data >= 0, 1 / (1 + e), e / (1 + e)))  # sigmoid(a), stably

    return Tensor._result(data, (x,), "softplus", _softplus_back)


def _clamped_log(x: Tensor) -> Tensor:
    """log(x), but never below -100 (as PyTorch's binary_cross_entropy), so log(0) gives a large finite loss.

    Where the clamp is active the gradient is 0, so a probability of exactly 0 or 1 gives no inf or nan.
    """
    with np.errstate(divide="ignore"):
        data = np.maximum(np.log(x.data), -100)

    def _clamped_log_back(out: Tensor, g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(np.where(out.data > -100, g / a.data, 0).astype(a.dtype))

    return Tensor._result(data, (x,), "clamped_log", _clamped_log_back)


# ----------------------------------------------------------------------------------------------- checks


def _check_reduction(reduction: str) -> None:
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
        return Tensor(target.data.astype(like.dtype))
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


def _check_labels(name: str, labels: np.ndarray, n_samples: int, n_classes: int) -> None:
    """Class labels must be integers 0..n_classes-1, one per sample."""
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
    bad = labels[(labels < 0) | (labels >= n_classes)]
    if bad.size:
        raise ValueError(f"{name}: label {int(bad[0])} is out of range for {n_classes} classes "
                         f"(labels must be 0..{n_classes - 1})")


def _check_signs(name: str, labels: np.ndarray) -> None:
    bad = labels[(labels != 1) & (labels != -1)]
    if bad.size:
        raise ValueError(f"{name} needs labels -1 or +1, got {bad.flat[0].item()!r}; convert 0/1 labels with y * 2 - 1")


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


# ----------------------------------------------------------------------------------------------- classification losses


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1] (after a sigmoid) and targets y in [0, 1].

    Each log is clamped at -100 (as PyTorch), so a confident wrong answer costs 100 rather than inf.
    Prefer `binary_cross_entropy_with_logits` on raw scores: it is more accurate for very confident outputs.
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
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(sigmoid(x), y) in one stable formula: max(x, 0) - x y + log(1 + e^-|x|).

    Fine for logits of any size (no sigmoid that rounds to exactly 0 or 1); the gradient is sigmoid(x) - y.
    """
    _check_reduction(reduction)
    input = as_tensor(input)
    target = _float_target(target, input)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce(softplus(input) - input * target, reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: -input[i, y_i] for log-probabilities `input` (N, C) and integer labels y (N,)."""
    input, labels = _scores_and_labels("nll_loss", "log-probabilities", input, target, reduction)
    return _nll(input, labels, reduction)


def _scores_and_labels(name: str, what: str, input: Any, target: Any, reduction: str) -> Tuple[Tensor, np.ndarray]:
    """The checks shared by the classification losses: (batch, classes) scores and one valid label per row."""
    _check_reduction(reduction)
    input = as_tensor(input)
    if input.ndim != 2:
        raise ValueError(f"{name} expects {what} of shape (batch, classes), got shape {input.shape}")
    labels = _labels(target)
    _check_labels(name, labels, input.shape[0], input.shape[1])
    return input, labels


def _nll(logp: Tensor, labels: np.ndarray, reduction: str) -> Tensor:
    """-logp[i, y_i] (reduced) as one op. Its chain rule: each sample's gradient goes to its label's column only,
    -g (divided by N for the mean); the other columns get 0."""
    rows = np.arange(len(labels))
    picked = -logp.data[rows, labels]
    n = len(labels)
    if reduction == "mean":
        data = picked.mean(dtype=logp.dtype) if n else np.asarray(np.nan, dtype=logp.dtype)
    else:
        data = picked.sum(dtype=logp.dtype) if reduction == "sum" else picked

    def _nll_back(out: Tensor, g: np.ndarray) -> None:
        grad = np.zeros_like(out._parents[0].data)
        grad[rows, labels] = -g / n if reduction == "mean" else -g
        out._parents[0]._accumulate(grad)

    return Tensor._result(np.asarray(data), (logp,), f"nll_loss({reduction})", _nll_back)


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax + negative log likelihood, for logits (N, C) and integer class labels (N,) in 0..C-1.

    Goes through log_softmax (never log(softmax)), so logits of +-1e4 give exact, finite losses.
    """
    input, labels = _scores_and_labels("cross_entropy", "logits", input, target, reduction)
    return _nll(input.log_softmax(axis=1), labels, reduction)


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
