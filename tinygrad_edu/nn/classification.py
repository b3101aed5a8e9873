"""Class-label losses with PyTorch's formulas: `nll_loss`, `cross_entropy` (class weights, `ignore_index`, label
smoothing, class-probability targets), and `one_hot`.

For log-probabilities logp (N, C), labels y (N,), class weights w (C,; all 1 by default), smoothing e:

    nll_i    = -w[y_i] logp[i, y_i]                      (0 where y_i == ignore_index)
    smooth_i = -sum_c w[c] logp[i, c]                    (0 where y_i == ignore_index)
    loss_i   = (1 - e) nll_i + (e / C) smooth_i
    "mean"   = sum_i loss_i / sum_i w[y_i]               (over the samples not ignored: a weighted mean)

With class-probability targets t (N, C): loss_i = -sum_c w[c] t'[i, c] logp[i, c], t' = (1 - e) t + e / C,
and "mean" divides by N (not by the weights): both exactly as `torch.nn.functional.cross_entropy`.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from ..tensor import Tensor
from ._checks import _check_labels, _check_reduction, _labels, as_tensor


def one_hot(labels: Any, num_classes: int = -1) -> Tensor:
    """(..., num_classes) int64 tensor with a 1 at each label's position (PyTorch's `F.one_hot`).

    `num_classes=-1` takes the largest label + 1. Not differentiable (labels are integers).
    """
    labels = _labels(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer labels, got dtype {labels.dtype}; convert with y.astype(np.int64)")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot of an empty tensor needs num_classes (it cannot be inferred)")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)].flat[0]
        raise ValueError(f"one_hot: label {int(bad)} is out of range for num_classes={num_classes}")
    return Tensor(np.eye(num_classes, dtype=np.int64)[labels])


def _class_weight(weight: Any, n_classes: int, like: Tensor, name: str) -> Optional[np.ndarray]:
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=like.dtype)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


def _scores_and_labels(name: str, what: str, input: Any, target: Any, reduction: str,
                       ignore_index: int) -> Tuple[Tensor, np.ndarray]:
    """The checks shared by the classification losses: (batch, classes) scores and one valid label per row."""
    _check_reduction(reduction)
    input = as_tensor(input)
    if input.ndim != 2:
        raise ValueError(f"{name} expects {what} of shape (batch, classes), got shape {input.shape}")
    labels = _labels(target)
    _check_labels(name, labels, input.shape[0], input.shape[1], ignore_index)
    return input, labels


def _unbatched(input: Any, target: Any, soft: bool) -> Optional[Tuple[Tensor, Any]]:
    """One sample without a batch axis, as PyTorch allows: scores (C,) with one label (a 0-d target), or (with
    `soft`) class probabilities (C,). Returned as a batch of one; None for any other input."""
    input = as_tensor(input)
    if input.ndim != 1:
        return None
    labels = _labels(target)
    if labels.ndim == 0 and labels.dtype.kind in "iu":
        return input.reshape(1, -1), labels.reshape(1)
    if soft and labels.dtype.kind == "f" and labels.shape == input.shape:
        t = target if isinstance(target, Tensor) else Tensor(labels, dtype=input.dtype)
        return input.reshape(1, -1), t.reshape(1, -1)
    return None


def _nll(logp: Tensor, labels: np.ndarray, reduction: str, weight: Optional[np.ndarray] = None,
         ignore_index: int = -100, smoothing: float = 0.0) -> Tensor:
    """The loss of the module docstring as one op: loss_i = -sum_c A[i, c] logp[i, c] with the constant
    coefficients A[i, c] = (1 - e) w[y_i] [c == y_i] + (e / C) w[c] (a zero row for an ignored sample).

    Its chain rule: d loss_i / d logp[i, c] = -A[i, c], so each sample's gradient -g A[i, :] goes to its own row
    (without smoothing: to its label's column only), divided by sum w[y_i] for the mean.
    """
    n, c = logp.shape
    kept = labels != ignore_index
    rows, cols = np.arange(n)[kept], labels[kept]
    w = np.ones(c, dtype=logp.dtype) if weight is None else weight
    coeffs = np.zeros(logp.shape, dtype=logp.dtype)
    coeffs[rows, cols] = (1 - smoothing) * w[cols]
    per_sample = np.zeros(n, dtype=logp.dtype)
    per_sample[rows] = -coeffs[rows, cols] * logp.data[rows, cols]  # indexed: a -inf elsewhere in the row is fine
    if smoothing:
        coeffs[rows] += (smoothing / c) * w
        per_sample[rows] -= (smoothing / c) * (logp.data[rows] * w).sum(axis=1)
    denominator = w[cols].sum()
    with np.errstate(all="ignore"):  # every sample ignored: 0 / 0 = nan, as PyTorch
        data = {"mean": per_sample.sum() / denominator, "sum": per_sample.sum(), "none": per_sample}[reduction]

    def _nll_back(out: Tensor, g: np.ndarray) -> None:
        g_rows = g[:, None] if reduction == "none" else g / denominator if reduction == "mean" and denominator else g
        with np.errstate(all="ignore"):
            out._parents[0]._accumulate(-coeffs * g_rows)

    return Tensor._result(np.asarray(data, dtype=logp.dtype), (logp,), f"nll_loss({reduction})", _nll_back)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean", *, weight: Any = None,
             ignore_index: int = -100) -> Tensor:
    """Negative log likelihood: -w[y_i] input[i, y_i] for log-probabilities `input` (N, C) and integer labels y (N,)
    (or one sample: (C,) and a single label).

    `weight` (C,) rescales each class; samples whose label is `ignore_index` count for nothing, and the mean is
    taken over the weights of the samples that count (see the module docstring).
    """
    unbatched = _unbatched(input, target, soft=False)
    if unbatched is not None:
        out = nll_loss(unbatched[0], unbatched[1], reduction, weight=weight, ignore_index=ignore_index)
        return out.reshape(()) if reduction == "none" else out
    input, labels = _scores_and_labels("nll_loss", "log-probabilities", input, target, reduction, ignore_index)
    return _nll(input, labels, reduction, _class_weight(weight, input.shape[1], input, "nll_loss"), ignore_index)


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean", *, weight: Any = None,
                  ignore_index: int = -100, label_smoothing: float = 0.0) -> Tensor:
    """Softmax + negative log likelihood, for logits (N, C) and integer class labels (N,) in 0..C-1, or class
    probabilities (N, C) (a float target of the input's shape); or one sample, (C,) with one label or (C,)
    probabilities.

    Goes through log_softmax (never log(softmax)), so logits of +-1e4 give exact, finite losses. `weight`,
    `ignore_index` and `label_smoothing` (in [0, 1]) combine as in PyTorch: see the module docstring.
    """
    _check_reduction(reduction)
    if reduction == "mean" and weight is None and label_smoothing == 0:  # the training case, tested first and
        input, labels = as_tensor(input), _labels(target)  # fused: the loss of the general path below, as one op
        if _plain_labels(input, labels, ignore_index):
            return _cross_entropy_mean(input, labels, target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    unbatched = _unbatched(input, target, soft=True)
    if unbatched is not None:
        out = cross_entropy(unbatched[0], unbatched[1], reduction, weight=weight, ignore_index=ignore_index,
                            label_smoothing=label_smoothing)
        return out.reshape(()) if reduction == "none" else out
    input = as_tensor(input)
    target_data = _labels(target)
    if target_data.dtype.kind == "f" and target_data.shape == input.shape and input.ndim == 2:
        return _soft_cross_entropy(input, target, reduction, weight, label_smoothing)
    input, labels = _scores_and_labels("cross_entropy", "logits", input, target, reduction, ignore_index)
    w = _class_weight(weight, input.shape[1], input, "cross_entropy")
    return _nll(input.log_softmax(axis=1), labels, reduction, w, ignore_index, label_smoothing)


def _plain_labels(input: Tensor, labels: np.ndarray, ignore_index: int) -> bool:
    """True for the training case: logits (N, C), N > 0, and N integer labels all in 0..C-1, none ignored. Two
    reductions instead of the full checks; anything else takes the general path, which explains what is wrong."""
    shape = input.data.shape
    if len(shape) != 2 or labels.ndim != 1 or labels.dtype.kind not in "iu" or not 0 < len(labels) == shape[0]:
        return False
    n_classes = shape[1]
    if np.minimum.reduce(labels) < 0 or np.maximum.reduce(labels) >= n_classes:  # labels.min(), .max(): see below
        return False
    return not 0 <= ignore_index < n_classes or not (labels == ignore_index).any()


def _cross_entropy_mean(input: Tensor, labels: np.ndarray, target: Any) -> Tensor:
    """mean_i (log sum_c e^z[i, c] - z[i, y_i]), the plain training loss, as one op instead of log_softmax + nll.

    Its chain rule is the one the lesson derives: d loss / d z = (softmax(z) - onehot(y)) / N, with no log-softmax
    array in between. Computed with z shifted by its row maximum (exp never overflows, the sum is at least 1),
    quietly: a row with an inf or a nan gives PyTorch's inf/nan, with no numpy warning (as PyTorch). (Cheaper than
    a finiteness check that would silence only those rows.)
    The labels are its second parent, a constant (pictures draw them feeding the loss, outside the last layer).
    The reductions call numpy's ufuncs (`np.add.reduce(e, 1)` is what `e.sum(axis=1)` runs) without the Python
    wrappers of .max() and .sum(): the same numbers, and in a training loop about 1 us less per call.
    """
    z = input.data
    n = z.shape[0]
    rows = np.arange(n)
    top = np.maximum.reduce(z, axis=1, keepdims=True)  # each row's maximum
    with np.errstate(all="ignore"):
        shifted = z - top
        e = np.exp(shifted)
        total = np.add.reduce(e, axis=1, keepdims=True)
        picked = shifted[rows, labels] - np.log(total[:, 0])  # log-probability of each sample's label
        data = -np.add.reduce(picked) / z.dtype.type(n)

    def _cross_entropy_back(out: Tensor, g: np.ndarray) -> None:
        grad = e / total  # softmax
        grad[rows, labels] -= 1  # - onehot
        grad *= g.item() / n  # a Python number keeps the array's float32
        out._parents[0]._accumulate(grad, fresh=True)

    targets = target if isinstance(target, Tensor) else Tensor(labels)
    return Tensor._result(np.asarray(data, dtype=z.dtype), (input, targets), "cross_entropy(mean)",
                          _cross_entropy_back)


def _soft_cross_entropy(input: Tensor, target: Any, reduction: str, weight: Any, smoothing: float) -> Tensor:
    """-sum_c w[c] t'[i, c] logp[i, c] with t' = (1 - e) t + e / C, composed from Tensor ops so that a target that
    requires grad gets its gradient too (-w logp); the mean divides by N."""
    n, c = input.shape
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype), dtype=input.dtype)
    if smoothing:
        t = t * (1 - smoothing) + smoothing / c
    w = _class_weight(weight, c, input, "cross_entropy")
    if w is not None:
        t = t * Tensor(w, dtype=w.dtype)
    per_sample = -(input.log_softmax(axis=1) * t).sum(axis=1)
    if reduction == "mean":
        return per_sample.sum() / Tensor(n if n else np.nan, dtype=input.dtype)
    return per_sample.sum() if reduction == "sum" else per_sample
