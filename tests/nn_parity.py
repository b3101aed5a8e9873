"""Checks shared by the nn tests: a gradient against central differences for a RANDOM incoming gradient, and an
op against its PyTorch twin (values and gradients, float64).

`check_vjp(fn, xs, g)` backpropagates `g` (an array of the output's shape, drawn by the test) through `fn` and
compares each input's gradient with the central difference of sum(fn(xs) * g): a chain rule that drops `g`, or
uses it where 1 belongs, fails unless g happens to be all ones.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from tinygrad_edu import Tensor, no_grad


def leaves(arrays: Sequence[np.ndarray]) -> list:
    return [Tensor(np.array(a, dtype=np.float64), requires_grad=True, dtype=np.float64) for a in arrays]


def backprop(out: Tensor, g: np.ndarray) -> None:
    if out.ndim == 0:
        (out * float(g)).backward()
    else:
        out.backward(np.asarray(g, dtype=out.dtype))


def check_vjp(fn: Callable[..., Tensor], arrays: Sequence[np.ndarray], g: np.ndarray, eps: float = 1e-6,
              rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Gradients of `fn` (with incoming gradient `g`) equal central differences of sum(fn * g), every entry."""
    xs = leaves(arrays)
    out = fn(*xs)
    assert out.shape == np.shape(g), f"the test drew g of shape {np.shape(g)} for an output of shape {out.shape}"
    backprop(out, g)
    for k, x in enumerate(xs):
        analytic = np.zeros_like(x.data) if x.grad is None else x.grad
        numeric = np.zeros_like(x.data)
        for idx in np.ndindex(*x.shape):
            original = x.data[idx]
            with no_grad():
                x.data[idx] = original + eps
                plus = float((fn(*xs).data * g).sum())
                x.data[idx] = original - eps
                minus = float((fn(*xs).data * g).sum())
                x.data[idx] = original
            numeric[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=f"gradient of input {k}")


def check_torch(torch: Any, fn: Callable[..., Tensor], torch_fn: Callable[..., Any], arrays: Sequence[np.ndarray],
                g: Optional[np.ndarray] = None, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    """Same value and same gradients (for the incoming gradient `g`) as PyTorch, in float64."""
    ours = leaves(arrays)
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, ref = fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol, err_msg="value")
    g = np.ones(out.shape) if g is None else np.asarray(g, dtype=np.float64)
    backprop(out, g)
    ref.backward(torch.tensor(g))
    for k, (mine, reference) in enumerate(zip(ours, theirs)):
        expected = np.zeros(reference.shape) if reference.grad is None else reference.grad.numpy()
        got = np.zeros_like(mine.data) if mine.grad is None else mine.grad
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"gradient of input {k}")
