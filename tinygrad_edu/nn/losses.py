"""Loss functions as Modules (`loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, y)`), as in PyTorch.

Each one stores its `reduction` (and its options, keyword arguments with PyTorch's names and defaults) and calls
the function of the same name in `nn.functional`.
"""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module


class _Loss(Module):
    """Shared part: remember and check the reduction ("mean", "sum" or "none")."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error, for regression. See `functional.mse_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, for regression with outliers. See `functional.l1_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below `beta`, absolute error above. See `functional.smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", *, beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Any:
        return F.smooth_l1_loss(input, target, self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below `delta`, delta times the absolute error above. See `functional.huber_loss`."""

    def __init__(self, reduction: str = "mean", *, delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        return F.huber_loss(input, target, self.reduction, delta=self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (after a sigmoid). See `functional.binary_cross_entropy`."""

    def __init__(self, reduction: str = "mean", *, weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, self.reduction, weight=self.weight)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable step, on raw scores. See `functional.binary_cross_entropy_with_logits`."""

    def __init__(self, reduction: str = "mean", *, weight: Any = None, pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction, weight=self.weight,
                                                  pos_weight=self.pos_weight)


class NLLLoss(_Loss):
    """Negative log likelihood on log-probabilities (after LogSoftmax). See `functional.nll_loss`."""

    def __init__(self, reduction: str = "mean", *, weight: Any = None, ignore_index: int = -100) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, self.reduction, weight=self.weight, ignore_index=self.ignore_index)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log likelihood on logits and integer labels (or class probabilities). See
    `functional.cross_entropy` for `weight`, `ignore_index` and `label_smoothing`."""

    def __init__(self, reduction: str = "mean", *, weight: Any = None, ignore_index: int = -100,
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, self.reduction, weight=self.weight, ignore_index=self.ignore_index,
                               label_smoothing=self.label_smoothing)


class HingeLoss(_Loss):
    """micrograd's max-margin loss for labels -1/+1, on Tensors or lists of Values. See `functional.hinge_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.hinge_loss(input, target, self.reduction)
