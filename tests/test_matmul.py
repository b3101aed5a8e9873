"""`@` for every rank combination (1-D, 2-D, batched x 1/2/3/4-D, batch dims that broadcast), against finite
differences with random incoming gradients and against PyTorch; with one operand a constant; and W.T's layout."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, gradcheck
from tests.strategies import compare_with_torch, float64_arrays, floats, uses_torch

RANKS = list(itertools.product([1, 2, 3, 4], repeat=2))


@st.composite
def operands(draw, rank_a, rank_b):
    """Arrays of the given ranks that `@` accepts; the batch dims (all but the last two) broadcast together,
    some of them 1 on one side only."""
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    batch = [draw(st.integers(1, 3)) for _ in range(max(rank_a, rank_b) - 2)]

    def batch_of(rank):
        dims = batch[len(batch) - (rank - 2):] if rank > 2 else []
        return tuple(1 if draw(st.booleans()) and draw(st.booleans()) else d for d in dims)

    shape_a = (k,) if rank_a == 1 else batch_of(rank_a) + (m, k)
    shape_b = (k,) if rank_b == 1 else batch_of(rank_b) + (k, n)
    return draw(float64_arrays(shape_a, floats(-3, 3))), draw(float64_arrays(shape_b, floats(-3, 3)))


def leaf(array, requires_grad=True):
    return Tensor(array, requires_grad=requires_grad, dtype=np.float64)


@pytest.mark.parametrize("rank_a, rank_b", RANKS)
@given(data=st.data())
def test_matmul_gradcheck_every_rank_pair(rank_a, rank_b, data):
    a, b = data.draw(operands(rank_a, rank_b), label="a, b")
    assert gradcheck(lambda x, y: x @ y, leaf(a), leaf(b))


@pytest.mark.parametrize("rank_a, rank_b", RANKS)
@given(data=st.data())
@uses_torch
def test_matmul_matches_torch_every_rank_pair(torch, rank_a, rank_b, data):
    a, b = data.draw(operands(rank_a, rank_b), label="a, b")
    compare_with_torch(torch, lambda x, y: x @ y, a, b)
    compare_with_torch(torch, lambda x, y: x.matmul(y), a, b)


@pytest.mark.parametrize("rank_a, rank_b", RANKS)
@pytest.mark.parametrize("constant", ["a", "b"])
def test_matmul_with_one_constant_operand(torch, rank_a, rank_b, constant):
    """Only one side requires grad (a frozen layer, or data @ W): that side's gradient alone, still right."""
    a, b = _fixed(rank_a, rank_b)
    x, y = leaf(a, constant != "a"), leaf(b, constant != "b")
    tx = torch.tensor(a, requires_grad=constant != "a")
    ty = torch.tensor(b, requires_grad=constant != "b")
    g = np.random.default_rng(1).uniform(0.5, 1.5, size=(x @ y).shape)
    (x @ y).backward(g)
    (tx @ ty).backward(torch.from_numpy(g))
    for ours, theirs in ((x, tx), (y, ty)):
        if theirs.requires_grad:
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
        else:
            assert ours.grad is None


def _fixed(rank_a, rank_b):
    """Operands of the given ranks whose batch dims broadcast, e.g. (2, 1, 2, 4) @ (1, 4, 5)."""
    rng = np.random.default_rng(rank_a * 10 + rank_b)
    batch_a = {1: (), 2: (), 3: (3,), 4: (2, 1)}[rank_a]
    batch_b = {1: (), 2: (), 3: (1,), 4: (1, 3)}[rank_b]
    shape_a = (4,) if rank_a == 1 else batch_a + (2, 4)
    shape_b = (4,) if rank_b == 1 else batch_b + (4, 5)
    return rng.standard_normal(shape_a), rng.standard_normal(shape_b)


def test_batched_input_times_a_transposed_weight_keeps_the_weights_layout():
    """x @ W.T with a batched x (a Linear layer on a sequence): W's grad is right and laid out like W."""
    rng = np.random.default_rng(2)
    x, w = leaf(rng.standard_normal((3, 2, 4))), leaf(rng.standard_normal((5, 4)))
    g = rng.standard_normal((3, 2, 5))
    (x @ w.T).backward(g)
    np.testing.assert_allclose(w.grad, np.einsum("bio,bij->oj", g, x.data), rtol=1e-12)
    np.testing.assert_allclose(x.grad, g @ w.data, rtol=1e-12)
    x2, w2 = leaf(x.data[0]), leaf(w.data)
    (x2 @ w2.T).backward(g[0])
    assert w2.grad.flags.c_contiguous
    np.testing.assert_allclose(w2.grad, g[0].T @ x.data[0], rtol=1e-12)


def test_mixed_dtypes_promote_as_every_other_op():
    """int @ float32 is float32 (numpy would give float64); float32 @ float64 is float64; int @ int stays int."""
    ints, f32, f64 = Tensor(np.ones((2, 2), np.int64)), Tensor(np.ones((2, 2), np.float32)), Tensor(np.ones((2, 2)), dtype=np.float64)
    assert (ints @ f32).dtype == np.float32 and (f32 @ ints).dtype == np.float32
    assert (f32 @ f64).dtype == np.float64
    assert (ints @ ints).dtype == np.int64
