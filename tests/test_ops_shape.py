"""Shape ops (view, unsqueeze, squeeze, flatten, flip, expand, repeat, cat, stack, pad): each against finite
differences (float64, random incoming gradients) and against PyTorch, plus the errors a learner meets."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.tensor.join import pad
from tests.strategies import compare_with_torch, float64_arrays, floats, uses_torch

shapes0 = st.lists(st.integers(1, 3), max_size=4).map(tuple)
"""Shapes of 0 to 4 dims (0-d included), each of length 1 to 3."""
with_ones = st.lists(st.sampled_from([1, 1, 2, 3]), max_size=4).map(tuple)
"""Shapes where dims of size 1 are common (for squeeze and expand)."""


def leaf(array):
    return Tensor(array, requires_grad=True, dtype=np.float64)


def data_of(shape_strategy):
    return shape_strategy.flatmap(lambda s: float64_arrays(s, floats(-5, 5)))


def dim_of(ndim, extra=0):
    """A valid dim for `ndim` dims (+ `extra` for ops that add a dim), written positive or negative."""
    n = max(ndim + extra, 1)
    return st.integers(0, n - 1).flatmap(lambda d: st.sampled_from([d, d - n]))


def check(torch, fn, *arrays, torch_fn=None):
    """Both references: finite differences (if some input is a float array) and, where installed, PyTorch."""
    assert gradcheck(fn, *[leaf(a) for a in arrays])
    if torch is not None:
        compare_with_torch(torch, fn, *arrays, torch_fn=torch_fn)


@pytest.fixture
def maybe_torch():
    """PyTorch when installed, else None: the finite-difference half of each test runs either way."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# ----------------------------------------------------------------------------------------------- one input


@given(data=st.data())
@uses_torch
def test_view_and_flatten(maybe_torch, data):
    x = data.draw(data_of(shapes0), label="x")
    s, e = sorted([data.draw(dim_of(x.ndim), label="start") % max(x.ndim, 1), data.draw(dim_of(x.ndim), label="end") % max(x.ndim, 1)])
    check(maybe_torch, lambda t: t.flatten(s, e), x)
    check(maybe_torch, lambda t: t.view(-1), x)
    check(maybe_torch, lambda t: t.view(tuple(reversed(x.shape))), x)


@given(data=st.data())
@uses_torch
def test_unsqueeze(maybe_torch, data):
    x = data.draw(data_of(shapes0), label="x")
    d = data.draw(dim_of(x.ndim, extra=1), label="dim")
    check(maybe_torch, lambda t: t.unsqueeze(d), x)


@given(data=st.data())
@uses_torch
def test_squeeze(maybe_torch, data):
    x = data.draw(data_of(with_ones), label="x")
    kind = data.draw(st.sampled_from(["all", "int", "tuple"]), label="kind")
    dims = data.draw(st.lists(dim_of(x.ndim), min_size=1, max_size=max(x.ndim, 1), unique_by=lambda d: d % max(x.ndim, 1)))
    arg = None if kind == "all" else dims[0] if kind == "int" else tuple(dims)
    check(maybe_torch, lambda t: t.squeeze() if arg is None else t.squeeze(arg), x)


@given(data=st.data())
@uses_torch
def test_flip(maybe_torch, data):
    x = data.draw(data_of(shapes0), label="x")
    dims = tuple(data.draw(st.lists(dim_of(x.ndim), max_size=x.ndim, unique_by=lambda d: d % max(x.ndim, 1)), label="dims"))
    check(maybe_torch, lambda t: t.flip(dims), x)
    if dims:
        check(maybe_torch, lambda t: t.flip(*dims), x)


@st.composite
def expand_case(draw):
    """An array and a target: each size-1 dim may grow (or be written -1), other dims kept or written -1, and
    up to two new dims in front."""
    x = draw(data_of(with_ones))
    target = [draw(st.sampled_from([-1, n, 2, 3])) if n == 1 else draw(st.sampled_from([-1, n])) for n in x.shape]
    front = draw(st.lists(st.integers(1, 3), max_size=2))
    return x, tuple(front + target)


@given(case=expand_case())
@uses_torch
def test_expand_sums_the_gradient_back(maybe_torch, case):
    x, target = case
    check(maybe_torch, lambda t: t.expand(target), x)
    if target:  # torch's expand() needs at least one size when they are spelled out
        check(maybe_torch, lambda t: t.expand(*target), x)


@given(data=st.data())
@uses_torch
def test_repeat_tiles_as_torch(maybe_torch, data):
    x = data.draw(data_of(shapes0), label="x")
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=x.ndim, max_size=x.ndim + 2), label="reps"))
    check(maybe_torch, lambda t: t.repeat(*reps) if reps else t.repeat(()), x,
          torch_fn=lambda t: t.repeat(*reps) if reps else t.repeat(()))


def test_repeat_is_tile_not_numpys_repeat():
    np.testing.assert_array_equal(Tensor([1.0, 2.0]).repeat(2).data, [1.0, 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(Tensor([[1.0, 2.0]]).repeat(2, 1, 2).shape, (2, 1, 4))


def test_view_of_a_transposed_tensor_reshapes(torch):
    """Deliberate difference: torch's view refuses a non-contiguous input; ours reshapes it (as torch's reshape)."""
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError):
        torch.from_numpy(x).T.view(-1)
    compare_with_torch(torch, lambda t: t.T.view(-1), x, torch_fn=lambda t: t.T.reshape(-1))


# ----------------------------------------------------------------------------------------------- several inputs


@st.composite
def cat_case(draw):
    """2-3 arrays that agree except in `dim`, and that dim (positive or negative)."""
    base = list(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    d = draw(dim_of(len(base)))
    arrays = []
    for _ in range(draw(st.integers(1, 3))):
        base[d] = draw(st.integers(1, 3))
        arrays.append(draw(float64_arrays(tuple(base), floats(-5, 5))))
    return arrays, d


@given(case=cat_case())
@uses_torch
def test_cat(maybe_torch, case):
    arrays, d = case
    check(maybe_torch, lambda *ts: tg.cat(list(ts), d), *arrays, torch_fn=lambda *ts: maybe_torch.cat(ts, d))
    check(maybe_torch, lambda *ts: tg.cat(ts, dim=d), *arrays, torch_fn=lambda *ts: maybe_torch.cat(ts, dim=d))


@given(data=st.data())
@uses_torch
def test_stack(maybe_torch, data):
    shape = data.draw(shapes0, label="shape")
    arrays = [data.draw(float64_arrays(shape, floats(-5, 5))) for _ in range(data.draw(st.integers(1, 3)))]
    d = data.draw(dim_of(len(shape), extra=1), label="dim")
    check(maybe_torch, lambda *ts: tg.stack(list(ts), d), *arrays, torch_fn=lambda *ts: maybe_torch.stack(ts, d))


def test_cat_promotes_as_torch_and_skips_empty_1d(torch):
    ints, floats32 = Tensor([[1, 2]]), Tensor([[0.5, 1.5]], requires_grad=True)
    out = tg.cat([ints, floats32])
    assert out.dtype == np.float32 and str(torch.cat([torch.tensor([[1, 2]]), torch.tensor([[0.5, 1.5]])]).dtype) == "torch.float32"
    out.backward(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    np.testing.assert_array_equal(floats32.grad, [[3.0, 4.0]])
    assert tg.cat([Tensor(np.ones((2, 3))), Tensor(np.zeros(0))]).shape == (2, 3)


# ----------------------------------------------------------------------------------------------- pad


@st.composite
def pad_case(draw, mode):
    # torch pads the last 1-3 dims in the copying modes, and wants a batch dim in front of them.
    x = draw(data_of(st.lists(st.integers(1, 4), min_size=1 if mode == "constant" else 2, max_size=3).map(tuple)))
    k = draw(st.integers(1, x.ndim if mode == "constant" else x.ndim - 1))
    sizes = x.shape[::-1][:k]  # pad lists the last dim first
    limit = {"constant": lambda n: 3, "reflect": lambda n: n - 1, "replicate": lambda n: 3, "circular": lambda n: n}[mode]
    low = (lambda n: -(n // 2)) if mode == "constant" else (lambda n: 0)  # constant mode crops with negatives
    amounts = [draw(st.integers(low(n), limit(n))) for n in sizes for _ in range(2)]
    return x, tuple(amounts)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@given(data=st.data())
@uses_torch
def test_pad(maybe_torch, mode, data):
    x, amounts = data.draw(pad_case(mode), label="x, pad")
    value = data.draw(floats(-2, 2), label="value") if mode == "constant" else 0.0
    F = maybe_torch.nn.functional if maybe_torch is not None else None
    check(maybe_torch, lambda t: pad(t, amounts, mode=mode, value=value), x,
          torch_fn=lambda t: F.pad(t, amounts, mode=mode, value=value if mode == "constant" else None))


def test_pad_lists_the_last_dim_first():
    out = pad(Tensor(np.ones((2, 3))), (1, 2))
    assert out.shape == (2, 6)
    np.testing.assert_array_equal(out.data[0], [0, 1, 1, 1, 0, 0])
    assert pad(Tensor(np.ones((2, 3))), (0, 0, 1, 0)).shape == (3, 3)


# ----------------------------------------------------------------------------------------------- errors

ERRORS = [
    (lambda: Tensor(np.ones((2, 3))).unsqueeze(3), IndexError, ["unsqueeze", "dim 3", "(2, 3)"]),
    (lambda: Tensor(np.ones((2, 3))).squeeze(2), IndexError, ["squeeze", "(2, 3)"]),
    (lambda: Tensor(np.ones((2, 3, 4))).flatten(2, 1), ValueError, ["flatten", "(2, 3, 4)"]),
    (lambda: Tensor(np.ones((2, 3))).flip(0, -2), ValueError, ["flip", "twice", "(2, 3)"]),
    (lambda: Tensor(np.ones((3, 2))).expand(3, 4), ValueError, ["expand", "(3, 2)", "(3, 4)"]),
    (lambda: Tensor(np.ones((3, 1))).expand(-1, 4, 4), ValueError, ["expand", "(3, 1)"]),
    (lambda: Tensor(np.ones(3)).expand(-1, 3), ValueError, ["expand", "(3,)"]),
    (lambda: Tensor(np.ones((2, 3))).expand(3), ValueError, ["expand", "fewer dims", "(2, 3)"]),
    (lambda: Tensor(np.ones((2, 3))).repeat(2), ValueError, ["repeat", "(2, 3)"]),
    (lambda: Tensor(np.ones((2, 3))).repeat(2.0, 1), TypeError, ["repeat", "(2, 3)"]),
    (lambda: tg.cat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))]), ValueError, ["cat", "(2, 3)", "(2, 4)"]),
    (lambda: tg.cat(Tensor(np.ones(3))), TypeError, ["cat", "list"]),
    (lambda: tg.cat([Tensor(1.0), Tensor(2.0)]), ValueError, ["cat", "zero-dimensional", "stack"]),
    (lambda: tg.stack([Tensor(np.ones(3)), Tensor(np.ones(2))]), ValueError, ["stack", "(3,)", "(2,)"]),
    (lambda: pad(Tensor(np.ones((2, 3))), (1, 2, 3)), ValueError, ["pad", "even", "(2, 3)"]),
    (lambda: pad(Tensor(np.ones((2, 3))), (3, 3), mode="reflect"), ValueError, ["reflect", "(3, 3)", "size 3"]),
    (lambda: pad(Tensor(np.ones((2, 3))), (1, 1), mode="mirror"), ValueError, ["mode", "'mirror'"]),
    (lambda: pad(Tensor(np.ones(3)), (-2, -2)), ValueError, ["pad", "(3,)"]),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_name_the_shapes(case):
    make, kind, words = ERRORS[case]
    with pytest.raises(kind) as info:
        make()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"
