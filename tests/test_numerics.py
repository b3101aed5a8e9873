"""Numerics at the edges: huge logits, saturated activations, overflow, log(0), sqrt'(0), division by zero.

Each case is checked twice: against hard-coded IEEE 754 results (always), and against PyTorch when it is installed.
Value works in float64, Tensor in its default float32; both must give PyTorch's numbers: inf and NaN where PyTorch
has them, never an exception and never a NaN where PyTorch has a finite number.
"""

from __future__ import annotations

import math
from typing import Any, Callable, List, Tuple

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value

INF, NAN = math.inf, math.nan

# name, op on our nodes (Value or Tensor alike), op on torch tensors, inputs, forward results, gradients of the sum
Case = Tuple[str, Callable[..., Any], Callable[..., Any], List[float], float, List[float]]

UNARY: List[Case] = [
    ("exp overflows to inf", lambda x: x.exp(), lambda t: t.exp(), [1000.0], INF, [INF]),
    ("exp underflows to 0", lambda x: x.exp(), lambda t: t.exp(), [-1000.0], 0.0, [0.0]),
    ("log(0) is -inf, gradient inf", lambda x: x.log(), lambda t: t.log(), [0.0], -INF, [INF]),
    ("log(-0.0) is -inf, gradient -inf", lambda x: x.log(), lambda t: t.log(), [-0.0], -INF, [-INF]),
    ("log(-1) is nan, gradient -1", lambda x: x.log(), lambda t: t.log(), [-1.0], NAN, [-1.0]),
    ("sqrt(0) is 0, gradient inf", lambda x: x**0.5, lambda t: t**0.5, [0.0], 0.0, [INF]),
    ("sqrt(-1) is nan", lambda x: x**0.5, lambda t: t**0.5, [-1.0], NAN, [NAN]),
    ("sigmoid(1000) is 1, gradient 0", lambda x: x.sigmoid(), lambda t: t.sigmoid(), [1000.0], 1.0, [0.0]),
    ("sigmoid(-1000) is 0, gradient 0", lambda x: x.sigmoid(), lambda t: t.sigmoid(), [-1000.0], 0.0, [0.0]),
    ("tanh(1000) is 1, gradient 0", lambda x: x.tanh(), lambda t: t.tanh(), [1000.0], 1.0, [0.0]),
    ("tanh(-1000) is -1, gradient 0", lambda x: x.tanh(), lambda t: t.tanh(), [-1000.0], -1.0, [0.0]),
    ("relu(0) is 0, gradient 0", lambda x: x.relu(), lambda t: t.relu(), [0.0], 0.0, [0.0]),
    ("abs(0) is 0, gradient 0", lambda x: abs(x), lambda t: t.abs(), [0.0], 0.0, [0.0]),
    ("0 ** 0 is 1, gradient 0", lambda x: x**0, lambda t: t**0, [0.0], 1.0, [0.0]),
    ("0 ** -1 is inf, gradient -inf", lambda x: x**-1, lambda t: t**-1, [0.0], INF, [-INF]),
]
BINARY: List[Case] = [
    ("1 / 0 is inf", lambda a, b: a / b, lambda a, b: a / b, [1.0, 0.0], INF, [INF, -INF]),
    ("-1 / 0 is -inf", lambda a, b: a / b, lambda a, b: a / b, [-1.0, 0.0], -INF, [INF, INF]),
    ("0 / 0 is nan", lambda a, b: a / b, lambda a, b: a / b, [0.0, 0.0], NAN, [INF, NAN]),
    ("1 / -0.0 is -inf", lambda a, b: a / b, lambda a, b: a / b, [1.0, -0.0], -INF, [-INF, -INF]),
    ("inf - inf is nan", lambda a, b: a - b, lambda a, b: a - b, [INF, INF], NAN, [1.0, -1.0]),
    ("inf * 0 is nan", lambda a, b: a * b, lambda a, b: a * b, [INF, 0.0], NAN, [0.0, INF]),
    ("1e200 * 1e200 overflows", lambda a, b: a * b, lambda a, b: a * b, [1e200, 1e200], INF, [1e200, 1e200]),
    ("0 ** 0 (Value exponent) is 1", lambda a, b: a**b, lambda a, b: a**b, [0.0, 0.0], 1.0, [0.0, 0.0]),
]
CASES = UNARY + BINARY
IDS = [case[0] for case in CASES]


def _run_value(case: Case) -> Tuple[float, List[float]]:
    _, op, _, inputs, _, _ = case
    xs = [Value(x) for x in inputs]
    out = op(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def _run_tensor(case: Case) -> Tuple[float, List[float]]:
    """The same case on 1-element float32 tensors (inputs beyond float32's range become inf, as in PyTorch)."""
    _, op, _, inputs, _, _ = case
    with np.errstate(over="ignore"):
        xs = [Tensor([x], requires_grad=True) for x in inputs]
    out = op(*xs)
    out.sum().backward()
    return float(out.data[0]), [float(x.grad[0]) for x in xs]


def _same(ours: float, expected: float) -> bool:
    """Equal as IEEE numbers: NaN matches NaN, inf matches only inf of the same sign, else 1e-6 relative."""
    if math.isnan(expected) or math.isinf(expected):
        return math.isnan(ours) if math.isnan(expected) else ours == expected
    return math.isclose(ours, expected, rel_tol=1e-6, abs_tol=1e-30)


def _float32_expectation(case: Case) -> Tuple[float, List[float]]:
    """The IEEE expectation in float32: 1e200 overflows there before the op does."""
    name, _, _, _, out, grads = case
    if name == "1e200 * 1e200 overflows":  # float32 inputs are inf: inf * inf = inf, gradients inf
        return INF, [INF, INF]
    return out, grads


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_matches_ieee(case: Case) -> None:
    out, grads = _run_value(case)
    assert _same(out, case[4]), f"forward: got {out!r}, IEEE gives {case[4]!r}"
    for i, (g, want) in enumerate(zip(grads, case[5])):
        assert _same(g, want), f"gradient of input {i}: got {g!r}, IEEE gives {want!r}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tensor_matches_ieee(case: Case) -> None:
    out, grads = _run_tensor(case)
    want_out, want_grads = _float32_expectation(case)
    assert _same(out, want_out), f"forward: got {out!r}, IEEE gives {want_out!r}"
    for i, (g, want) in enumerate(zip(grads, want_grads)):
        assert _same(g, want), f"gradient of input {i}: got {g!r}, IEEE gives {want!r}"


def _run_torch(torch: Any, case: Case, dtype: Any) -> Tuple[float, List[float]]:
    _, _, op, inputs, _, _ = case
    ts = [torch.tensor([x], dtype=dtype, requires_grad=True) for x in inputs]
    out = op(*ts)
    out.sum().backward()
    return float(out.detach()[0]), [float(t.grad[0]) for t in ts]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_and_tensor_match_torch(torch: Any, case: Case) -> None:
    for ours, ref in ((_run_value(case), _run_torch(torch, case, torch.float64)),
                      (_run_tensor(case), _run_torch(torch, case, torch.float32))):
        assert _same(ours[0], ref[0]), f"forward: ours {ours[0]!r}, PyTorch {ref[0]!r}"
        for i, (g, want) in enumerate(zip(ours[1], ref[1])):
            assert _same(g, want), f"gradient of input {i}: ours {g!r}, PyTorch {want!r}"


# ----------------------------------------------------------------------------------------------- huge logits

LOGITS = [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]]
TARGETS = [1, 0, 2]
LOG3, LOG2 = math.log(3.0), math.log(2.0)
# log_softmax by hand: row max subtracted, then minus log(sum(exp)); every entry is finite
LOG_SOFTMAX = [[0.0, -2e4, -1e4], [-LOG3, -LOG3, -LOG3], [-LOG2, -LOG2, -2e4 - LOG2]]
SOFTMAX = [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]]


def test_log_softmax_of_huge_logits_is_finite_and_exact() -> None:
    x = Tensor(LOGITS, requires_grad=True)
    out = x.log_softmax(axis=1)
    np.testing.assert_allclose(out.data, LOG_SOFTMAX, rtol=1e-6)
    out.sum().backward()
    # d/dx sum(log_softmax) = 1 - C * softmax, with C = 3 classes
    np.testing.assert_allclose(x.grad, 1 - 3 * np.array(SOFTMAX), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(Tensor(LOGITS).softmax(axis=1).data, SOFTMAX, rtol=1e-6, atol=1e-7)


def test_cross_entropy_of_huge_logits_is_finite_and_exact() -> None:
    from tinygrad_edu.nn import functional as F

    x = Tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, Tensor(TARGETS))
    expected = -np.mean([LOG_SOFTMAX[i][t] for i, t in enumerate(TARGETS)])  # (2e4 + log 3 + 2e4 + log 2) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    onehot = np.eye(3)[TARGETS]
    np.testing.assert_allclose(x.grad, (np.array(SOFTMAX) - onehot) / 3, rtol=1e-6, atol=1e-7)


def test_huge_logits_match_torch(torch: Any) -> None:
    from tinygrad_edu.nn import functional as F

    ours = Tensor(LOGITS, requires_grad=True)
    ref = torch.tensor(LOGITS, dtype=torch.float32, requires_grad=True)
    F.cross_entropy(ours, Tensor(TARGETS)).backward()
    ref_loss = torch.nn.functional.cross_entropy(ref, torch.tensor(TARGETS))
    ref_loss.backward()
    assert F.cross_entropy(Tensor(LOGITS), Tensor(TARGETS)).item() == pytest.approx(ref_loss.item(), rel=1e-6)
    np.testing.assert_allclose(ours.grad, ref.grad.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(Tensor(LOGITS).log_softmax(axis=1).data,
                               torch.log_softmax(torch.tensor(LOGITS), dim=1).numpy(), rtol=1e-6)
