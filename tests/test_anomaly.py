"""detect_anomaly(): the first op that makes a NaN or inf raises AnomalyError naming the op, its inputs and the
user's line that called it; outside the block nothing is recorded and results are NaN/inf as in PyTorch."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from tinygrad_edu import AnomalyError, Tensor, Value, detect_anomaly, no_grad
from tinygrad_edu.autograd import is_anomaly_enabled


def _next_line() -> int:
    """The line number just after the caller's: the line of the op whose error we expect."""
    return sys._getframe(1).f_lineno + 1


def _assert_names_line(message: str, line: int) -> None:
    assert f'File "{__file__}", line {line}' in message, message


def test_anomaly_error_is_a_runtime_error_exported_at_top_level() -> None:
    import tinygrad_edu

    assert issubclass(AnomalyError, RuntimeError)
    assert tinygrad_edu.AnomalyError is AnomalyError


# ----------------------------------------------------------------------------------------------- forward pass


def test_value_log_of_negative_raises_in_forward_naming_op_input_and_line() -> None:
    x = Value(-1.0)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = _next_line()
        x.log()
    message = str(info.value)
    assert message.startswith("forward: op 'log' produced nan")
    assert "(-1.0)" in message
    assert "Hint: log(0) is -inf and the log of a negative number is nan" in message
    _assert_names_line(message, line)
    assert "x.log()" in message


def test_value_division_by_zero_names_both_inputs() -> None:
    a, b = Value(1.0), Value(0.0)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = _next_line()
        a / b
    message = str(info.value)
    assert "op '/' produced inf" in message and "(1.0, 0.0)" in message
    _assert_names_line(message, line)


def test_tensor_log_of_zeros_raises_in_forward_naming_shape_and_line() -> None:
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = _next_line()
        x.log()
    message = str(info.value)
    assert "op 'log'" in message and "6 inf" in message
    assert "Tensor(shape=(2, 3), dtype=float32)" in message
    _assert_names_line(message, line)


def test_tensor_exp_overflow_is_caught_even_without_gradients() -> None:
    """A constant (no requires_grad, or under no_grad) is checked too: the forward value is wrong either way."""
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="op 'exp' produced an array of shape \\(2,\\) with 0 NaN and 1 inf"):
            Tensor([1.0, 100.0]).exp()
        with no_grad(), pytest.raises(AnomalyError, match="op 'sqrt'"):
            Tensor([4.0, -1.0], requires_grad=True).sqrt()


def test_only_the_op_that_made_the_nan_is_blamed() -> None:
    """Ops downstream of a NaN do not raise again, and NaN in the user's own data is not an op's fault."""
    x = Value(-1.0)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        ((x * 2.0).log() + 3.0).tanh()
    assert "op 'log'" in str(info.value)
    with detect_anomaly():
        y = Value(math.nan) * 2.0 + 1.0
        t = Tensor([math.inf, 1.0]) * 2.0
    assert math.isnan(y.data) and np.isinf(t.data[0])


def test_finite_computations_are_unchanged_in_anomaly_mode() -> None:
    def run() -> tuple:
        a = Tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)
        v = Value(0.3)
        loss = (a @ a).tanh().sum() + a.sigmoid().mean()
        loss.backward()
        w = (v * v).exp().log() + v.relu()
        w.backward()
        return loss.item(), a.grad.copy(), w.data, v.grad

    plain = run()
    with detect_anomaly():
        checked = run()
    assert plain[0] == checked[0] and plain[2] == checked[2] and plain[3] == checked[3]
    np.testing.assert_array_equal(plain[1], checked[1])


# ----------------------------------------------------------------------------------------------- backward pass


def test_value_sqrt_at_zero_raises_in_backward() -> None:
    """sqrt(0) = 0 is fine going forward; its gradient 1 / (2 sqrt 0) is inf."""
    x = Value(0.0)
    with detect_anomaly():
        line = _next_line()
        y = x**0.5
        with pytest.raises(AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert message.startswith("backward: op '**0.5' (inputs: 0.0) sent inf as the gradient of its input 0")
    _assert_names_line(message, line)


def test_tensor_sqrt_at_zero_raises_in_backward_naming_shape() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        line = _next_line()
        loss = x.sqrt().sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward: op 'sqrt' (inputs: Tensor(shape=(2,), dtype=float32))" in message
    assert "with 0 NaN and 1 inf" in message
    _assert_names_line(message, line)


def test_value_division_by_tiny_number_overflows_only_in_backward() -> None:
    """1 / 1e-200 = 1e200 is finite, but d/db (a/b) = -a/b^2 = -1e400 overflows to -inf."""
    a, b = Value(1.0), Value(1e-200)
    with detect_anomaly():
        line = _next_line()
        y = a / b
        assert y.data == pytest.approx(1e200)
        with pytest.raises(AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "backward: op '/' (inputs: 1.0, 1e-200) sent -inf as the gradient of its input 1" in message
    _assert_names_line(message, line)


def test_tensor_division_by_tiny_number_overflows_only_in_backward() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([1e-30, 1.0], requires_grad=True)  # float32: 1/1e-30 is finite, 1/1e-60 is not
    with detect_anomaly():
        line = _next_line()
        loss = (a / b).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward: op '/'" in message and "gradient of its input 1" in message
    assert "Tensor(shape=(2,), dtype=float32), Tensor(shape=(2,), dtype=float32)" in message
    _assert_names_line(message, line)


def test_backward_of_a_graph_built_outside_anomaly_mode_still_names_the_op() -> None:
    """x / 0 made outside the block: the backward check still finds the op, but no line was recorded for it."""
    x = Value(1.0)
    y = x / 0.0
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    message = str(info.value)
    assert "backward: op '/0'" in message and "division by zero" in message
    assert "built outside detect_anomaly()" in message


# ----------------------------------------------------------------------------------------------- outside the block


def test_outside_anomaly_mode_nothing_is_recorded_and_nothing_raises() -> None:
    """PyTorch's numbers: log(-1) = nan, log(0) = -inf, 1/0 = inf, sqrt'(0) = inf; no `_trace` on any node."""
    v = Value(-1.0)
    logs = v.log()
    zero = Value(0.0)
    root = zero**0.5
    root.backward()
    t = Tensor([0.0, 1.0], requires_grad=True)
    out = t.log()
    s = t.sqrt()
    s.sum().backward()
    assert math.isnan(logs.data) and zero.grad == math.inf
    assert out.data[0] == -np.inf and t.grad[0] == np.inf
    assert (Value(1.0) / Value(0.0)).data == math.inf
    for node in (logs, root, out, s):
        assert getattr(node, "_trace", None) is None and not hasattr(node, "_trace")


def test_anomaly_mode_is_restored_after_the_block_even_after_an_error() -> None:
    assert is_anomaly_enabled() is False
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            with detect_anomaly():
                Value(0.0).log()
            assert is_anomaly_enabled() is True  # pragma: no cover - not reached: the error leaves both blocks
    assert is_anomaly_enabled() is False
    with detect_anomaly():
        with detect_anomaly():
            pass
        assert is_anomaly_enabled() is True
    assert is_anomaly_enabled() is False


def test_trace_is_recorded_inside_anomaly_mode() -> None:
    with detect_anomaly():
        line = _next_line()
        y = Value(2.0) * 3.0
    _assert_names_line(y._trace, line)
