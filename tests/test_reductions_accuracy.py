"""Issue 13's numbers: reductions over a long axis as accurate as PyTorch's (forward sums and means, and the
gradient sums of broadcasting), `x ** 1e-50` at 0, and quiet sums of inf and -inf. Each test failed before the fix.

numpy adds a strided axis (axis 0 of a matrix) one row at a time in the input's precision: float16 ones stop
growing at 2048, float32 sums of 2^18 rows of 0.1 are off by 0.25%. We add in float64 and round once."""

import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor

ROWS = 2 ** 18


def _relative_error(ours, exact):
    return float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - exact) / np.abs(exact)))


def test_float16_sum_over_a_long_axis_counts_every_row():
    ones = Tensor(np.ones((5000, 2), dtype=np.float16), dtype=np.float16)
    np.testing.assert_array_equal(ones.sum(axis=0).data, [5000.0, 5000.0])  # numpy alone: 2048
    assert ones.sum(axis=0).dtype == np.float16
    np.testing.assert_array_equal(ones.mean(axis=0).data, [1.0, 1.0])


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_float32_sum_and_mean_over_a_long_axis_are_rounded_once(op):
    data = np.full((ROWS, 2), 0.1, dtype=np.float32)
    exact = getattr(data.astype(np.float64), op)(axis=0)
    ours = getattr(Tensor(data), op)(axis=0)
    assert ours.dtype == np.float32
    assert _relative_error(ours.data, exact) < 1e-7  # numpy alone: 2.5e-3


def test_random_float32_sums_are_as_accurate_as_torch(torch):
    data = np.random.default_rng(0).random((200_000, 4)).astype(np.float32)
    exact = data.astype(np.float64).sum(axis=0)
    ours = _relative_error(Tensor(data).sum(axis=0).data, exact)
    theirs = _relative_error(torch.from_numpy(data).sum(0).numpy(), exact)
    assert ours <= max(theirs, 6e-8)  # numpy alone: 1.1e-5, torch 1.3e-7


def test_bias_gradient_over_a_long_batch_counts_every_row():
    """The gradient of a bias broadcast over the batch is a sum over the batch (unbroadcast)."""
    b16 = Tensor(np.zeros(2, dtype=np.float16), requires_grad=True, dtype=np.float16)
    (Tensor(np.zeros((5000, 2), dtype=np.float16), dtype=np.float16) + b16).backward(np.ones((5000, 2), np.float16))
    np.testing.assert_array_equal(b16.grad, [5000.0, 5000.0])  # numpy alone: 2048
    b32 = Tensor(np.zeros(2), requires_grad=True)
    (Tensor(np.zeros((ROWS, 2))) + b32).backward(np.full((ROWS, 2), 0.1, dtype=np.float32))
    assert b32.grad.dtype == np.float32
    assert _relative_error(b32.grad, np.full(2, ROWS * np.float64(np.float32(0.1)))) < 1e-7


def test_mean_gradient_over_a_long_batch():
    x = Tensor(np.ones((ROWS, 2)), requires_grad=True)
    (x * 1.0).mean(axis=0).sum().backward()
    np.testing.assert_allclose(x.grad[:3], np.full((3, 2), 1 / ROWS), rtol=1e-7)


def test_tiny_power_of_zero_is_zero_with_a_nan_gradient_as_torch(torch):
    x = Tensor([0.0, 2.0], requires_grad=True)
    y = x ** 1e-50
    np.testing.assert_array_equal(y.data, [0.0, 1.0])  # was [1, 1]: 1e-50 is 0 in float32
    y.sum().backward()
    tx = torch.tensor([0.0, 2.0], requires_grad=True)
    ty = tx ** 1e-50
    ty.sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())  # [nan, 0]: 0 * inf in float32, as torch


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "logsumexp", "prod"])
def test_reductions_of_inf_and_minus_inf_are_quiet(op):
    x = Tensor([np.inf, -np.inf], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's RuntimeWarning would fail here
        out = getattr(x, op)()
        out.backward()
    assert not np.isfinite(out.item())


def test_broadcast_gradient_of_inf_and_minus_inf_is_quiet():
    b = Tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (Tensor([1.0, 1.0]) + b).backward(np.array([np.inf, -np.inf], dtype=np.float32))
    assert np.isnan(b.grad[0])


def test_linear_bias_gradient_over_a_long_batch_counts_every_row():
    """nn.Linear's bias gradient is a sum over the batch: float32 ones over 2^25 rows must give 2^25, not 2^24."""
    from tinygrad_edu import nn

    layer = nn.Linear(1, 2)  # two outputs: the batch axis of the (2^25, 2) gradient is strided
    x = Tensor(np.zeros((2**25, 1), dtype=np.float32))
    layer(x).sum().backward()
    assert layer.bias.grad.tolist() == [2**25, 2**25]
