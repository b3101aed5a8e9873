"""Optimizers: turn the gradients in `.grad` into a step on each parameter, with PyTorch's update rules: SGD,
Adam, AdamW, RMSprop (learning-rate schedules are in `optim.lr_scheduler`).

The same code updates Tensor parameters (numpy arrays, changed in place) and scalar `Value` parameters
(Python floats): the formulas below use only + - * / and ** on `p.data` and `p.grad`, which both support.

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for xb, yb in loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
"""

from __future__ import annotations

from typing import Any, Iterable, List, Tuple, Union

import numpy as np

from ..tensor import Tensor
from ..value import Value

Param = Union[Tensor, Value]


def _zeros_like(p: Param) -> Any:
    return np.zeros_like(p.data) if isinstance(p, Tensor) else 0.0


def _check_number(owner: str, name: str, value: Any) -> None:
    """A hyperparameter must be a real number, not a string such as "0.1" or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        hint = f" (write {name}={value}, without quotes)" if isinstance(value, str) else ""
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}{hint}")


class Optimizer:
    """Holds the parameter list; `zero_grad()` clears the grads, `step()` updates every parameter that has one."""

    def __init__(self, params: Iterable[Param], lr: float) -> None:
        if hasattr(params, "parameters") and not isinstance(params, (list, tuple)):
            raise TypeError(f"{type(self).__name__} needs the parameters, not the model: pass model.parameters()")
        if callable(params):
            raise TypeError(f"{type(self).__name__} got the method {getattr(params, '__name__', 'parameters')} "
                            "itself; call it: model.parameters() (with parentheses)")
        _check_number(type(self).__name__, "lr", lr)
        self.params: List[Param] = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, (Tensor, Value)):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Tensor or Value")
            if isinstance(p, Tensor) and not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: parameter {i} (shape {p.shape}) does not require grad, "
                                 "so it would never change; make it with requires_grad=True")
        if lr < 0:
            raise ValueError(f"learning rate must be >= 0, got lr={lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Clear the grads: backward() adds to them, so they must be reset before each new batch."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update each parameter from its grad; parameters with no grad (grad None) are left alone."""
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self._update(i, p, p.grad)

    def _update(self, i: int, p: Param, grad: Any) -> None:  # pragma: no cover - defined by each optimizer
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent: p -= lr * g, optionally with momentum, Nesterov momentum and weight decay.

    With weight decay, g = grad + weight_decay * p (L2 regularisation). With momentum, a velocity
    v = momentum * v + g (v = g at the first step) replaces g; Nesterov uses g + momentum * v instead.
    """

    def __init__(self, params: Iterable[Param], lr: float, momentum: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(params, lr)
        for name, value in (("momentum", momentum), ("weight_decay", weight_decay)):
            _check_number("SGD", name, value)
        if momentum < 0:
            raise ValueError(f"momentum must be >= 0, got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.velocity: List[Any] = [None] * len(self.params)

    def step(self) -> None:
        """Plain SGD (no momentum, no weight decay) is the lesson's `p -= lr * g`, here in one loop: the same update
        as `_update` without a method call per parameter (6 Python calls fewer per MNIST batch)."""
        if self.momentum or self.weight_decay:
            super().step()
            return
        lr = self.lr
        for p in self.params:
            if p.grad is not None:
                p.data -= lr * p.grad

    def _update(self, i: int, p: Param, grad: Any) -> None:
        g = grad + self.weight_decay * p.data if self.weight_decay else grad
        if self.momentum:
            v = self.velocity[i]
            v = g * 1 if v is None else self.momentum * v + g  # `g * 1`: a copy, never the grad array itself
            self.velocity[i] = v
            g = g + self.momentum * v if self.nesterov else v
        p.data -= self.lr * g


class Adam(Optimizer):
    """Adam: a step per parameter scaled by running averages of the gradient (m) and its square (v).

    m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,  p -= lr * m_hat / (sqrt(v_hat) + eps),
    where m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t) undo the averages' bias toward 0 in early steps t.
    `weight_decay` adds weight_decay * p to the gradient first (as torch.optim.Adam; not AdamW).
    """

    def __init__(self, params: Iterable[Param], lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        hyper = {"betas[0]": betas[0], "betas[1]": betas[1], "eps": eps, "weight_decay": weight_decay}
        for name, value in hyper.items():
            _check_number("Adam", name, value)
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"betas[{i}] must be in [0, 1), got {b}")
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [_zeros_like(p) for p in self.params]
        self.v = [_zeros_like(p) for p in self.params]
        self.steps = [0] * len(self.params)  # per parameter: one that had no grad has taken fewer steps

    def _update(self, i: int, p: Param, grad: Any) -> None:
        b1, b2 = self.betas
        g = grad + self.weight_decay * p.data if self.weight_decay else grad
        self.steps[i] += 1
        t = self.steps[i]
        self.m[i] = b1 * self.m[i] + (1 - b1) * g
        self.v[i] = b2 * self.v[i] + (1 - b2) * (g * g)
        m_hat = self.m[i] / (1 - b1**t)
        v_hat = self.v[i] / (1 - b2**t)
        p.data -= self.lr * m_hat / (v_hat**0.5 + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the weights shrink by lr * weight_decay * p at each
    step, outside the adaptive scaling, instead of weight_decay * p joining the gradient (torch.optim.AdamW).

    p -= lr * weight_decay * p, then Adam's step with the plain gradient. Default weight_decay 0.01, as PyTorch.
    """

    def __init__(self, params: Iterable[Param], lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _update(self, i: int, p: Param, grad: Any) -> None:
        if self.weight_decay:
            p.data -= self.lr * self.weight_decay * p.data
        decay, self.weight_decay = self.weight_decay, 0.0  # Adam's step without its coupled decay
        try:
            super()._update(i, p, grad)
        finally:
            self.weight_decay = decay


class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of the gradient (Hinton's lecture 6e; torch.optim.RMSprop).

    s = alpha s + (1 - alpha) g^2; with `centered`, also a = alpha a + (1 - alpha) g and s - a^2 replaces s (the
    variance instead of the raw second moment). Step: g / (sqrt(s) + eps); with momentum, a velocity
    b = momentum b + that step is what moves p. `weight_decay` adds weight_decay * p to g first.
    """

    def __init__(self, params: Iterable[Param], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, lr)
        for name, value in (("alpha", alpha), ("eps", eps), ("weight_decay", weight_decay), ("momentum", momentum)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered
        self.square_avg = [_zeros_like(p) for p in self.params]
        self.grad_avg = [_zeros_like(p) for p in self.params]
        self.momentum_buffer = [_zeros_like(p) for p in self.params]

    def _update(self, i: int, p: Param, grad: Any) -> None:
        g = grad + self.weight_decay * p.data if self.weight_decay else grad
        a = self.alpha
        self.square_avg[i] = a * self.square_avg[i] + (1 - a) * (g * g)
        s = self.square_avg[i]
        if self.centered:
            self.grad_avg[i] = a * self.grad_avg[i] + (1 - a) * g
            s = s - self.grad_avg[i] * self.grad_avg[i]
        step = g / (s**0.5 + self.eps)
        if self.momentum:
            self.momentum_buffer[i] = self.momentum * self.momentum_buffer[i] + step
            step = self.momentum_buffer[i]
        p.data -= self.lr * step
