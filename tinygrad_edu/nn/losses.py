"""Loss functions as Modules (`loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, y)`), as in PyTorch.

Each one stores its `reduction` and calls the function of the same name in `nn.functional`.
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


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (after a sigmoid). See `functional.binary_cross_entropy`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable step, on raw scores. See `functional.binary_cross_entropy_with_logits`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)


class NLLLoss(_Loss):
    """Negative log likelihood on log-probabilities (after LogSoftmax). See `functional.nll_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log likelihood on logits and integer labels. See `functional.cross_entropy`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, self.reduction)


class HingeLoss(_Loss):
    """micrograd's max-margin loss for labels -1/+1, on Tensors or lists of Values. See `functional.hinge_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.hinge_loss(input, target, self.reduction)
