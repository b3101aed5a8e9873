"""A training loop you do not have to write every time: `fit` for epochs of mini-batch training, `evaluate` for
one pass without gradients. Both keep to the plain steps a learner writes by hand:

    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()

`fit` adds the bookkeeping: per-epoch losses and accuracies in a `History`, a progress bar, validation under
`no_grad()` in eval mode, optional gradient norms per parameter, and a warning when the model starts to overfit.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .autograd import no_grad
from .nn.functional import accuracy, as_tensor

Metric = Optional[Callable[[Any, Any], float]]
Callback = Callable[[int, "History", Any], Optional[bool]]
F = TypeVar("F", bound=Callable[..., Any])

# BLAS threads while `fit` and `evaluate` run (numpy's setting is restored afterwards). A learner's layers are
# small: their matrix products gain little from threads and lose much when the machine is busy, and the thread
# count changes float32 rounding, so the same seed would train to different numbers on different machines.
# One thread gives the same result everywhere (benchmarks/bench_threads.py measures it). None: numpy's setting.
BLAS_THREADS: Optional[int] = 1


def _blas_threads(fn: F) -> F:
    """Run `fn` with BLAS_THREADS BLAS threads, restoring the previous number afterwards."""

    @functools.wraps(fn)
    def scoped(*args: Any, **kwargs: Any) -> Any:
        if BLAS_THREADS is None:
            return fn(*args, **kwargs)
        with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
            return fn(*args, **kwargs)

    return scoped  # type: ignore[return-value]


class OverfittingWarning(UserWarning):
    """The validation loss has been rising while the training loss keeps falling."""


@dataclass
class History:
    """What happened in each epoch, one list entry per epoch (plot them with matplotlib).

    `train_acc`, `val_loss` and `val_acc` stay empty when there is no metric or no validation set.
    `max_abs_weight` is the largest |weight| in the model (growing weights can be a sign of overfitting).
    `grad_norms` maps each parameter's name to its gradient's L2 norm, averaged over the epoch's batches
    (only filled with `record_grad_norms=True`): vanishing or exploding gradients show up here.
    """

    epoch: List[int] = field(default_factory=list)
    train_loss: List[float] = field(default_factory=list)
    train_acc: List[float] = field(default_factory=list)
    val_loss: List[float] = field(default_factory=list)
    val_acc: List[float] = field(default_factory=list)
    seconds: List[float] = field(default_factory=list)
    max_abs_weight: List[float] = field(default_factory=list)
    grad_norms: Dict[str, List[float]] = field(default_factory=dict)

    def __repr__(self) -> str:
        """One line: how many epochs, and each curve's first and last value (print the lists for all of them)."""
        curves = [f"{name} {values[0]:.4g} -> {values[-1]:.4g}" for name, values in
                  (("train_loss", self.train_loss), ("train_acc", self.train_acc), ("val_loss", self.val_loss),
                   ("val_acc", self.val_acc)) if values]
        return f"History({len(self.epoch)} epochs" + "".join(", " + c for c in curves) + ")"

    def overfitting(self, patience: int = 3, tolerance: float = 0.05) -> bool:
        """True when the model has started to overfit: the training loss keeps falling, but the validation loss
        has not improved for `patience` epochs and is now more than `tolerance` (5%) above its best.

        The model is learning the training set by heart rather than the pattern; the weights of `best_epoch()`
        generalised better. The patience and tolerance keep one noisy epoch from raising the alarm.
        """
        if not self.val_loss:
            return False
        best = int(np.argmin(self.val_loss))
        waited = len(self.val_loss) - 1 - best
        return (waited >= patience
                and self.val_loss[-1] > self.val_loss[best] * (1 + tolerance)
                and self.train_loss[-1] < self.train_loss[best])

    def best_epoch(self) -> Optional[int]:
        """The epoch with the lowest validation loss (where you would have liked to stop), or None without one."""
        if not self.val_loss:
            return None
        return self.epoch[int(np.argmin(self.val_loss))]


class EarlyStopping:
    """A callback for `fit` that stops training once the monitored loss stops improving.

    It watches `monitor` ("val_loss", the default, or "train_loss") after each epoch. An epoch improves on the
    best so far when its loss is lower by more than `min_delta`; after `patience` epochs in a row without an
    improvement, training stops. With `restore_best_weights` (the default) the model gets back the weights
    (and buffers) of its best epoch when training ends, whether it stopped early or ran all its epochs.
    Afterwards `best_epoch`, `best` and `stopped_epoch` (None if it never stopped) say what happened.

        stopper = EarlyStopping(patience=5)
        fit(model, loss_fn, opt, loader, epochs=200, val=(X_val, y_val), callbacks=[stopper])
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, restore_best_weights: bool = True,
                 monitor: str = "val_loss") -> None:
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive integer, got {patience!r}")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if monitor not in ("val_loss", "train_loss"):
            raise ValueError(f"EarlyStopping: monitor must be 'val_loss' or 'train_loss', got {monitor!r}")
        self.patience, self.min_delta = patience, min_delta
        self.restore_best_weights, self.monitor = restore_best_weights, monitor
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf
        self.best_epoch: Optional[int] = None
        self.stopped_epoch: Optional[int] = None
        self.wait = 0
        self._best_state: Optional[Dict[str, np.ndarray]] = None

    def __call__(self, epoch: int, history: "History", model: Any) -> bool:
        if epoch == history.epoch[0]:
            self._reset()  # a new run of fit
        values = getattr(history, self.monitor)
        if not values:
            raise ValueError("EarlyStopping monitors val_loss, but fit has no validation set: pass "
                             "val=(X_val, y_val), or EarlyStopping(monitor='train_loss')")
        if values[-1] < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = values[-1], epoch, 0
            if self.restore_best_weights:
                if not hasattr(model, "state_dict"):
                    raise TypeError("EarlyStopping(restore_best_weights=True) needs a Module (with state_dict)")
                self._best_state = model.state_dict()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model: Any) -> None:
        """Put back the best epoch's weights (called by `fit` when training ends)."""
        if self.restore_best_weights and self._best_state is not None:
            model.load_state_dict(self._best_state)


def _batch_size(y: Any) -> int:
    return len(y) if hasattr(y, "__len__") else 1


@_blas_threads
def evaluate(model: Any, loss_fn: Callable[[Any, Any], Any], X: Any, y: Any, metric: Metric = accuracy,
             batch_size: Optional[int] = None) -> Tuple[float, Optional[float]]:
    """(mean loss, metric) of `model` on (X, y), in eval mode and under `no_grad()` (no graph is recorded).

    `batch_size` splits a large set into chunks to bound memory; the results are averaged per sample. The
    model's train/eval mode is restored afterwards.
    """
    X, y = as_tensor(X), as_tensor(y)
    if len(X) != len(y):
        raise ValueError(f"evaluate: X has {len(X)} samples but y has {len(y)} labels")
    if len(X) == 0:
        raise ValueError("evaluate: the dataset is empty")
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    step = batch_size or len(X)
    total_loss = total_metric = 0.0
    try:
        with no_grad():
            for start in range(0, len(X), step):
                xb, yb = X[start:start + step], y[start:start + step]
                out = model(xb)
                total_loss += float(loss_fn(out, yb).item()) * len(yb)
                if metric is not None:
                    total_metric += metric(out, yb) * len(yb)
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    return total_loss / len(X), (total_metric / len(X) if metric is not None else None)


@_blas_threads
def fit(model: Any, loss_fn: Callable[[Any, Any], Any], optimizer: Any, train_loader: Iterable, epochs: int,
        val: Optional[Sequence[Any]] = None, metric: Metric = accuracy, progress: bool = True,
        callbacks: Sequence[Callback] = (), record_grad_norms: bool = False,
        warn_overfitting: bool = True) -> History:
    """Train `model` for `epochs` passes over `train_loader` (which yields (xb, yb) batches) and return a History.

    - The training loss and metric of an epoch are averages over its batches, weighted by batch size, measured
      while the weights were still changing (as Keras and most tutorials report them).
    - `val=(X_val, y_val)` is evaluated after every epoch with `evaluate` (eval mode, no gradients).
    - `metric` defaults to `accuracy`; pass None for regression.
    - Each callback is called as `cb(epoch, history, model)` after the epoch; if one returns True, training stops.
      A callback with an `on_train_end(model)` method has it called when training ends. `EarlyStopping` is one:
      it stops when the validation loss stops improving and restores the best epoch's weights.
    - With `warn_overfitting`, an `OverfittingWarning` is issued (once) when `history.overfitting()` turns true.
    - A loss of nan or inf stops training with a RuntimeError that says where (usually: lower the learning rate).
    """
    _check_fit_arguments(loss_fn, optimizer, train_loader)
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if val is not None and len(val) != 2:
        raise ValueError("val must be a pair (X_val, y_val)")
    history = History()
    named = model.named_parameters() if hasattr(model, "named_parameters") else []
    if record_grad_norms:
        history.grad_norms = {name: [] for name, _ in named}
    warned = False
    bar = tqdm(range(1, epochs + 1), disable=not progress, desc="training", unit="epoch")
    for epoch in bar:
        start = time.perf_counter()
        if hasattr(model, "train"):
            model.train()
        loss_sum = metric_sum = 0.0
        seen = batches = 0
        norm_sums = {name: 0.0 for name, _ in named} if record_grad_norms else {}
        for xb, yb in train_loader:
            optimizer.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss_value = float(loss.item())
            if not math.isfinite(loss_value):
                raise RuntimeError(f"the training loss became {loss_value} in epoch {epoch}, batch {batches + 1}: "
                                   "the weights diverged; try a smaller learning rate")
            loss.backward()
            if record_grad_norms:
                for name, p in named:
                    if p.grad is not None:
                        norm_sums[name] += float(np.sqrt(np.sum(np.square(p.grad, dtype=np.float64))))
            optimizer.step()
            n = _batch_size(yb)
            loss_sum += loss_value * n
            if metric is not None:
                metric_sum += metric(out, yb) * n
            seen += n
            batches += 1
        if seen == 0:
            raise ValueError("train_loader produced no batches")
        history.epoch.append(epoch)
        history.train_loss.append(loss_sum / seen)
        if metric is not None:
            history.train_acc.append(metric_sum / seen)
        for name, total in norm_sums.items():
            history.grad_norms[name].append(total / batches)
        if val is not None:
            val_loss, val_metric = evaluate(model, loss_fn, val[0], val[1], metric)
            history.val_loss.append(val_loss)
            if val_metric is not None:
                history.val_acc.append(val_metric)
        history.max_abs_weight.append(max((float(np.abs(p.data).max()) for _, p in named if np.size(p.data)), default=0.0))
        history.seconds.append(time.perf_counter() - start)
        bar.set_postfix(_summary(history))
        if warn_overfitting and not warned and history.overfitting():
            warned = True
            warnings.warn(
                f"epoch {epoch}: the model is starting to overfit: the training loss keeps falling "
                f"(now {history.train_loss[-1]:.4f}) but the validation loss (now {history.val_loss[-1]:.4f}) was "
                f"lowest at epoch {history.best_epoch()} ({min(history.val_loss):.4f})",
                OverfittingWarning,
                stacklevel=2,
            )
        if any([cb(epoch, history, model) for cb in callbacks]):
            break
    bar.close()
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(model)
    return history


def _check_fit_arguments(loss_fn: Any, optimizer: Any, train_loader: Any) -> None:
    """Name the usual mix-ups before they fail deep inside the loop."""
    def is_optimizer(x: Any) -> bool:
        return hasattr(x, "step") and hasattr(x, "zero_grad")

    if is_optimizer(loss_fn) and callable(optimizer):
        raise TypeError("fit: the loss and the optimizer are swapped; the order is "
                        "fit(model, loss_fn, optimizer, train_loader, epochs)")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be a loss such as nn.CrossEntropyLoss() or nn.functional.mse_loss, "
                        f"got {type(loss_fn).__name__}")
    if not is_optimizer(optimizer):
        raise TypeError(f"fit: optimizer must be an optimizer such as optim.SGD(model.parameters(), lr=0.1), "
                        f"got {type(optimizer).__name__}")
    if (isinstance(train_loader, (tuple, list)) and len(train_loader) == 2
            and all(hasattr(a, "shape") and len(a.shape) >= 1 for a in train_loader)):
        raise TypeError("fit: train_loader is a pair (X, y); fit needs batches: pass "
                        "DataLoader(X, y, batch_size=32) (from tinygrad_edu.data import DataLoader)")


def _summary(history: History) -> Dict[str, str]:
    """The latest numbers for the progress bar."""
    shown = {"loss": history.train_loss, "acc": history.train_acc, "val_loss": history.val_loss, "val_acc": history.val_acc}
    return {key: f"{values[-1]:.4f}" for key, values in shown.items() if values}
