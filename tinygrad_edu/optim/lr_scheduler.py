"""Learning-rate schedules with PyTorch's names and formulas (`torch.optim.lr_scheduler`): call `step()` once per
epoch, after the optimizer's steps; `get_last_lr()` is the rate now in use (a one-entry list, as PyTorch's list
of parameter groups).

    scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(30):
        train_one_epoch(model, optimizer)
        scheduler.step()

Each schedule is a formula of the epoch count t and the optimizer's starting rate (its lr when the scheduler was
made): StepLR base * gamma^(t // step_size); CosineAnnealingLR eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2;
LambdaLR base * lr_lambda(t).
"""

from __future__ import annotations

import math
from typing import Any, Callable, List


class LRScheduler:
    """Shared part: remember the optimizer and its starting rate, set the rate for epoch t = 0."""

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"{type(self).__name__} needs an optimizer (with an `lr`), got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self) -> float:  # pragma: no cover - defined by each schedule
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch and set the optimizer's lr for it."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr()

    def get_last_lr(self) -> List[float]:
        return [self.optimizer.lr]


class StepLR(LRScheduler):
    """Multiply the rate by `gamma` every `step_size` epochs."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> float:
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Glide from the starting rate down to `eta_min` along half a cosine over `T_max` epochs (and back up over the
    next T_max if you keep stepping, as PyTorch's without restarts)."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """The starting rate times `lr_lambda(epoch)`: any schedule you can write as a function (e.g. warm-up)."""

    def __init__(self, optimizer: Any, lr_lambda: Callable[[int], float], last_epoch: int = -1) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> float:
        return self.base_lr * self.lr_lambda(self.last_epoch)
