"""Smooth and leaky activations with PyTorch's names, arguments and numerics, each one fused op: forward, then its
chain rule `g * f'(x)` on the same screen.

    leaky_relu  x if x > 0 else slope * x                f' = 1 or slope (slope at 0, as PyTorch)
    elu         x if x > 0 else alpha * (e^x - 1)        f' = 1 or alpha * e^x (alpha at 0)
    gelu        x * Phi(x) (exact, with erf) or the tanh approximation
    silu        x * sigmoid(x)                           f' = s * (1 + x (1 - s))
    softplus    log(1 + e^(beta x)) / beta, x itself once beta x > threshold   f' = sigmoid(beta x)
    logsigmoid  log(sigmoid(x)) = min(x, 0) - log(1 + e^-|x|)                   f' = sigmoid(-x)

Each is written so that no exp overflows for large |x| (e^-|x| <= 1, or a branch that never evaluates e^x for
large x), so inputs of +-1e4 give finite values and gradients. `log1p_exp` is the threshold-free softplus the
losses use inside.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..tensor import Tensor


def _elementwise(x: Tensor, forward: Callable[[np.ndarray], np.ndarray], derivative: Callable[[np.ndarray], np.ndarray],
                 op: str) -> Tensor:
    """An elementwise op y = f(x) whose chain rule is dx = g * f'(x); `derivative` gets the input's data."""
    with np.errstate(all="ignore"):
        data = np.asarray(forward(x.data)).astype(x.dtype, copy=False)

    def _back(out: Tensor, g: np.ndarray) -> None:
        a = out._parents[0]
        with np.errstate(all="ignore"):
            a._accumulate(g * derivative(a.data))

    return Tensor._result(data, (x,), op, _back)


def _float_input(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{name} needs a floating-point tensor, got dtype {x.dtype}; convert it with "
                        f"Tensor(x, dtype=np.float32)")
    return x


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) written with e^-|x| <= 1, so it never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere: a ReLU whose negative side still passes a small gradient."""
    x = _float_input(x, "leaky_relu")
    return _elementwise(x, lambda a: np.where(a > 0, a, a * negative_slope),
                        lambda a: np.where(a > 0, 1.0, negative_slope), f"leaky_relu({negative_slope:g})")


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, alpha * (e^x - 1) elsewhere (expm1: exact for small x; e^x is never taken of a large x)."""
    x = _float_input(x, "elu")
    return _elementwise(x, lambda a: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))),
                        lambda a: np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0))), f"elu({alpha:g})")


_erf = np.frompyfunc(math.erf, 1, 1)  # numpy has no erf; math.erf is exact to float64 (about 0.1 us per entry)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_KAPPA = 0.044715


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)); approximate="tanh" uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch (and GPT-2).

    Chain rule (exact): Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi) the normal density.
    Chain rule (tanh): with t = tanh(u), u = sqrt(2/pi) (x + k x^3):
        0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 k x^2).
    """
    x = _float_input(x, "gelu")
    if approximate == "none":
        def cdf(a: np.ndarray) -> np.ndarray:
            return 0.5 * (1 + _erf(a * math.sqrt(0.5)).astype(np.float64))

        return _elementwise(x, lambda a: a * cdf(a),
                            lambda a: cdf(a) + a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi), "gelu")
    if approximate == "tanh":
        def inner(a: np.ndarray) -> np.ndarray:
            return np.tanh(_SQRT_2_OVER_PI * (a + _KAPPA * a * a * a))

        def derivative(a: np.ndarray) -> np.ndarray:
            t = inner(a)
            return 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _KAPPA * a * a)

        return _elementwise(x, lambda a: 0.5 * a * (1 + inner(a)), derivative, "gelu(tanh)")
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish). Chain rule: s + x s (1 - s) = s (1 + x (1 - s)), s = sigmoid(x)."""
    x = _float_input(x, "silu")

    def derivative(a: np.ndarray) -> np.ndarray:
        s = _sigmoid(a)
        return s * (1 + a * (1 - s))

    return _elementwise(x, lambda a: a * _sigmoid(a), derivative, "silu")


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, a smooth ReLU; where beta x > threshold it is x itself (as PyTorch: the two
    differ by less than e^-20 there). Chain rule: sigmoid(beta x), or 1 above the threshold."""
    x = _float_input(x, "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must not be 0 (it divides by beta)")

    def forward(a: np.ndarray) -> np.ndarray:
        z = a * beta
        return np.where(z > threshold, a, np.log1p(np.exp(np.minimum(z, threshold))) / beta)

    def derivative(a: np.ndarray) -> np.ndarray:
        z = a * beta
        return np.where(z > threshold, 1.0, _sigmoid(z))

    name = "softplus" if (beta, threshold) == (1.0, 20.0) else f"softplus(beta={beta:g}, threshold={threshold:g})"
    return _elementwise(x, forward, derivative, name)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log(1 + e^-|x|): finite for any x (log(sigmoid(-1e4)) would be log(0)).
    Chain rule: 1 - sigmoid(x) = sigmoid(-x)."""
    x = _float_input(x, "logsigmoid")
    return _elementwise(x, lambda a: np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a))),
                        lambda a: _sigmoid(-a), "logsigmoid")


def log1p_exp(x: Tensor) -> Tensor:
    """log(1 + e^x) with no threshold, as max(x, 0) + log(1 + e^-|x|): the losses' softplus, exact everywhere.
    Chain rule: sigmoid(x)."""
    return _elementwise(x, lambda a: np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a))), _sigmoid, "softplus")
