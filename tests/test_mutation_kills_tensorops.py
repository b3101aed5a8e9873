"""Specifications written to kill the mutants of the PyTorch-named tensor ops that survived the suite: comparisons
and masks (compare.py), in-place ops (inplace.py), cat/stack/pad (join.py), max/min/clamp/where (select.py),
indexing (indexing.py), expand/repeat (expand.py). docs/mutation-tensorops.md lists which test kills what.

Where PyTorch defines the answer it is the reference: values, dtypes, shapes and gradients, with a random incoming
gradient (not 1) and every input used a second time, so a chain rule that overwrites instead of adding, or that
sends the gradient to the wrong entry, changes the answer. Then the plumbing a gradient check does not see: op
names (pictures and the player show them), errors and the words they use to name the op and the shapes.
"""

import re
import warnings
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pytest

from tinygrad_edu import Tensor, cat, maximum, minimum, no_grad, stack, where
from tinygrad_edu.tensor import ValuesIndices, inplace
from tinygrad_edu.tensor.join import pad

K = -0.4111  # the weight of each input's second use


def T(x: Any, **kwargs: Any) -> Tensor:
    """A Tensor keeping the dtype numpy gives `x` (a list of floats is float64; `Tensor` itself would make it
    float32)."""
    x = x.data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(x, dtype=x.dtype, **kwargs)


def _ours(x: Any, dtype: Any = np.float64) -> Tensor:
    return T(np.array(x, dtype=dtype), requires_grad=True)


def check(torch: Any, fn: Callable, arrays: Sequence[np.ndarray], tfn: Optional[Callable] = None, seed: int = 0,
          dtype: Any = np.float64) -> Tensor:
    """`fn` on Tensors and `tfn` (default `fn`) on torch tensors made from `arrays`: same values, dtype, shape, and
    the same gradients of `sum(out * G) + K * sum(inputs)` for a random G (each input used twice)."""
    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    ours = [_ours(a, dtype) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=dtype), dtype=tdtype, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), (tfn or fn)(*theirs)
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6, atol=0)
    g = np.asarray(np.random.default_rng(seed).standard_normal(out.shape) + 0.25, dtype=dtype)
    total = (out * T(g)).sum()
    for x in ours:
        total = total + (x * K).sum()
    total.backward()
    ref_total = (ref * torch.from_numpy(g)).sum() + sum((x * K).sum() for x in theirs)
    ref_total.backward()
    for x, t in zip(ours, theirs):
        assert x.grad is not None and x.grad.dtype == np.dtype(dtype) and x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6, atol=1e-12)
    return out


# ------------------------------------------------------------------------------- names and errors (no PyTorch needed)

COMPARISONS = {"==": ("eq", "__eq__"), "!=": ("ne", "__ne__"), "<": ("lt", "__lt__"), "<=": ("le", "__le__"),
               ">": ("gt", "__gt__"), ">=": ("ge", "__ge__")}
LOGICAL = {"&": "__and__", "|": "__or__", "^": "__xor__"}


INPLACE = {"+=": ("__iadd__", "add_", "__add__"), "-=": ("__isub__", "sub_", "__sub__"),
           "*=": ("__imul__", "mul_", "__mul__"), "/=": ("__itruediv__", "div_", "__truediv__")}
"""symbol: (operator, method, the out-of-place operator whose op it records)"""

EXPAND_REFUSED = [(4,), (2, 4), (-1, -1, 2), (3, -2)]
"""sizes that `expand` cannot give a tensor of shape (3, 1)"""


def test_op_names_shown_in_pictures():
    """Every op records the name that graph pictures and the player show (and that anomaly errors quote)."""
    x = T([[3.0, 1.0], [2.0, 5.0]], requires_grad=True)
    y = T([[1.0, 1.0], [4.0, 0.0]])
    f32 = T(np.array([1.0, 2.0], np.float32), requires_grad=True)
    cases = {
        "cat": cat([x, y]), "stack": stack([x, y]), "cast": cat([f32, T([1.0])])._parents[0],
        "pad": pad(x, (1, 0)), "getitem": pad(x, (1, 0), mode="reflect"), "where": where(x.data > 2, x, y),
        "amax": x.amax(), "amin": x.amin(0), "max": x.max(), "min": x.min(axis=1), "clamp": x.clamp(0.0, 1.0),
        "maximum": x.maximum(y), "minimum": minimum(y, x), "expand": x.expand(3, 2, 2), "repeat": x.repeat(1, 2),
        "fill_": (x * 1.0).fill_(2.0),
    }
    for name, out in cases.items():
        assert out._op == name and out.requires_grad, name
    assert x.max(1).values._op == "max" and x.min(0).values._op == "min" and x[0]._op == "getitem"
    assert x.argmax()._op == "" and not x.argmax().requires_grad
    a, b = T([1.0, 2.0], requires_grad=True), T([3.0])
    out = cat([a, b])  # same dtype: no cast node, the inputs themselves are the parents
    assert out._parents == (a, b) and stack([a, a])._parents == (a, a)


@pytest.mark.parametrize("op", sorted(COMPARISONS) + sorted(LOGICAL))
def test_comparison_shape_errors_name_the_operator_and_both_shapes(op):
    """Shapes that do not broadcast raise a ValueError naming the operator and both shapes."""
    dunder = COMPARISONS[op][1] if op in COMPARISONS else LOGICAL[op]
    a, b = T(np.ones((2, 3), dtype=bool)), T(np.ones((4,), dtype=bool))
    with pytest.raises(ValueError, match=rf"^'{re.escape(op)}': shapes \(2, 3\) and \(4,\) cannot"):
        getattr(a, dunder)(b)


def test_comparing_with_none_or_text_is_false_not_an_error():
    """`t == None` is False and `t != "a"` is True (Python's fallback, as PyTorch); `t < None` is a TypeError."""
    t = T([1.0, 2.0])
    assert (t == None) is False and (t != "a") is True  # noqa: E711
    with pytest.raises(TypeError):
        t < None  # noqa: B015


@pytest.mark.parametrize("op", sorted(LOGICAL))
def test_logical_operators_refuse_floats_on_either_side_naming_op_and_dtypes(op):
    """A float tensor on either side of `& | ^` is a TypeError naming the operator and both dtypes."""
    dunder = LOGICAL[op]
    floats, mask = T([1.0, 0.0]), T(np.array([True, False]))
    for a, b in ((floats, mask), (mask, floats)):
        with pytest.raises(TypeError, match=rf"^'\{op}' needs bool or integer tensors \(masks\), got dtypes "
                                            rf"{a.dtype} and {b.dtype}$"):
            getattr(a, dunder)(b)


def test_truth_value_any_and_all():
    """`bool(t)` works for one element only (more is ambiguous, as torch); any/all are 0-d bool tensors."""
    assert bool(T([[2.0]])) is True and bool(T([0.0])) is False
    for t, size in ((T([1.0, 2.0]), 2), (T(np.zeros((0, 3))), 0)):
        with pytest.raises(RuntimeError, match=rf"tensor with {size} elements .* is ambiguous: use"):
            bool(t)
    a = T([[0.0, 1.0], [0.0, 0.0]])
    for out, expected in ((a.any(), True), (a.all(), False), ((a >= 0).all(), True), ((a > 1).any(), False)):
        assert out.shape == () and out.dtype == np.bool_ and bool(out) is expected


@pytest.mark.parametrize("symbol", sorted(INPLACE))
def test_inplace_errors_name_the_operator(symbol):
    """Each in-place operator's errors name it: a leaf that requires grad while recording, a shape that would
    grow, a read-only view; `/=` on an int tensor is refused (torch: the float result cannot be stored)."""
    dunder, method, _ = INPLACE[symbol]
    esc = re.escape(symbol)
    for name in (dunder, method):
        w = T([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError) as error:
            getattr(w, name)(1.0)
        assert str(error.value) == (
            f"'{symbol}' on a leaf tensor that requires grad (shape (2,)) while gradients are being recorded. To "
            f"update a parameter, do it under `with no_grad():` (e.g. `with no_grad(): p {symbol} lr * p.grad`) or on "
            f"its data (`p.data {symbol} ...`), as in PyTorch")
        with pytest.raises(ValueError, match=rf"^'{esc}': a tensor of shape \(2, 2\) cannot be applied in place"):
            getattr(T([1.0, 2.0]), name)(T(np.ones((2, 2))))
        with pytest.raises(ValueError, match=rf"^'{esc}': this tensor's data is a read-only view \(e\.g\. of a "
                                             r"broadcast\); copy it first$"):
            getattr(T([1.0]).expand(3), name)(1.0)
        with pytest.raises(ValueError, match=rf"^'{esc}': this tensor's data is a read-only view"):
            getattr(T([1.0], requires_grad=True).expand(3), name)(1.0)  # recorded: refused as well (torch too)
        with pytest.raises(TypeError, match=rf"^'{esc}': the result has dtype float"):
            getattr(T([4, 6]), name)(1.5)
    with pytest.raises(TypeError, match=r"^'/=': the result has dtype float32, which an in-place op cannot store "
                                        r"in this tensor of dtype int64; write `x = x / \.\.\.`"):
        T([4, 6]).div_(2)
    y = T([1.0, 2.0], requires_grad=True) * 1.0
    with pytest.raises(ValueError, match=rf"^'{esc}': the result has shape \(2, 2\), not this tensor's shape"):
        getattr(y, dunder)(T(np.ones((2, 2)), requires_grad=True))


def test_inplace_without_recording_changes_the_same_array_and_the_version_clock():
    """Without recording, an in-place op writes into the same array; a graph built from the old value then
    refuses backward (the version check), one built after the change does not."""
    w = T([1.0, 2.0], requires_grad=True)
    y = w * w
    with no_grad():
        array = w.data
        w -= T([0.5, 0.5])
        assert w.data is array
    np.testing.assert_array_equal(w.data, [0.5, 1.5])
    with pytest.raises(RuntimeError, match=r"^backward: an input of op '\*' \(a tensor of shape \(2,\)\) was "
                                           r"changed by an in-place op after this op used it, so its chain rule would "
                                           r"use the wrong value\. Compute the graph again after the change, or write "
                                           r"the update out of place \(`x = x \+ \.\.\.`\)$"):
        y.sum().backward()
    z = (w * w).sum()  # built after the change: fine
    z.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 3.0])


def test_inplace_on_a_plain_tensor_while_recording_writes_in_place_quietly():
    """While gradients are recorded, an in-place op on a tensor that takes no part in them (a number operand)
    writes into the same array and records nothing; inf and nan are results, not numpy warnings (as torch)."""
    t = T(np.array([1.0, -2.0, 0.0], np.float32))
    array = t.data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t += 1.0
        t /= 0.0
    assert t.data is array and not t.requires_grad and t._op == "" and t._parents == ()
    np.testing.assert_array_equal(t.data, [np.inf, -np.inf, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t *= 0.0
    assert np.isnan(t.data).all()


def test_version_check_counts_only_changes_after_an_op():
    """backward refuses only an op whose input changed after the op used it: an in-place op elsewhere, or before
    the op (even the first in-place op of the session, clock 0), does not count."""
    saved = inplace.CLOCK[0]
    inplace.CLOCK[0] = 0  # as in a fresh session
    try:
        x = T([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()  # born at clock 0
        other = T([5.0])
        other += 1.0  # the first in-place op: the clock moves to 1
        y.backward()
        np.testing.assert_array_equal(x.grad, [2.0, 4.0])
        with no_grad():
            x -= 1.0  # a training step on the leaf, before the next graph
        z = x * 3.0
        born = z._born
        z += 1.0  # recorded: the snapshot of z keeps z's birth, after the step
        assert z._parents[0]._born == born and z._born == z._modified == inplace.CLOCK[0] > born
        x.grad = None
        z.sum().backward()
        np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    finally:
        inplace.CLOCK[0] = max(saved, inplace.CLOCK[0])  # the clock never goes back for other tensors


def test_recorded_inplace_op_keeps_the_old_node_for_backward():
    """The recorded op's input is a snapshot of the old node: its value, label and history (so the gradient
    still reaches the leaf through it), and later ops see the new value; changing y again afterwards makes the
    first op's backward refuse."""
    x = T([1.0, 3.0], requires_grad=True)
    y = x * x
    y.label = "y"
    y += 1.0
    old = y._parents[0]
    assert old is not y and old.label == "y" and old._op == "*" and old._parents == (x, x)
    np.testing.assert_array_equal(old.data, [1.0, 9.0])
    np.testing.assert_array_equal(y.data, [2.0, 10.0])
    assert old.requires_grad and old.grad is None and y._born == y._modified and y._born >= old._born
    (y * T([0.5, 2.0])).sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 12.0])
    x2 = T([1.0, 3.0], requires_grad=True)
    y2 = x2 * 1.0
    z = y2 * y2
    y2 += 1.0
    with pytest.raises(RuntimeError, match=r"^backward: an input of op '\*' \(a tensor of shape \(2,\)\)"):
        z.sum().backward()


def test_fill_refuses_values_that_are_not_one_number():
    """fill_ takes a number or a one-element tensor (its number): a tensor that requires grad is refused, and so
    is a tensor of several entries (torch: fill_ only takes a 0-dim value), instead of copying it entry by entry."""
    f = T(np.zeros(2, np.float32))
    with pytest.raises(TypeError, match=r"^fill_: the value must be a number \(or a tensor that does not require "
                                        r"grad\)$"):
        f.fill_(T(1.0, requires_grad=True))
    with pytest.raises(ValueError, match=r"item\(\) needs a tensor with one element"):
        f.fill_(T([3.0, 4.0]))
    np.testing.assert_array_equal(f.data, [0.0, 0.0])
    assert f.fill_(T(np.float64(1.25))) is f and f.dtype == np.float32
    np.testing.assert_array_equal(f.data, [1.25, 1.25])
    f.fill_(np.float64(-3.0))
    np.testing.assert_array_equal(f.data, [-3.0, -3.0])
    with pytest.raises(RuntimeError, match=r"^'fill_' on a leaf tensor that requires grad"):
        T([1.0], requires_grad=True).fill_(1.0)


def test_cat_and_stack_errors_name_the_op():
    """Bad input to cat/stack raises errors that name the op, what it got and the shapes."""
    for fn, name in ((cat, "cat"), (stack, "stack")):
        for bad, kind in ((T([1.0]), "Tensor"), ([], "list"), (3.0, "float"), ("ab", "str")):
            with pytest.raises(TypeError, match=rf"^{name}: expects a non-empty list or tuple of tensors, got {kind}$"):
                fn(bad)
        with pytest.raises(IndexError, match=rf"^{name}: dim 3 is out of range for a tensor of shape \(2,\)"):
            fn([T([1.0, 2.0]), T([3.0, 4.0])], dim=3)
        with pytest.raises(TypeError, match=rf"^{name}: a dim must be an int, got 0.5 \(tensor of shape \(2,\)\)"):
            fn([T([1.0, 2.0]), T([3.0, 4.0])], dim=0.5)
    with pytest.raises(ValueError, match=r"^cat: zero-dimensional tensors cannot be concatenated; use stack"):
        cat([T(1.0), T(2.0)])
    with pytest.raises(ValueError, match=r"^cat: shapes \[\(2, 3\), \(2, 2\)\] must match except in dim 0"):
        cat([T(np.ones((2, 3))), T(np.ones((2, 2)))])
    with pytest.raises(ValueError, match=r"^cat: shapes \[\(2, 3\), \(6,\)\] must match except in dim -1"):
        cat([T(np.ones((2, 3))), T(np.ones(6))], dim=-1)
    with pytest.raises(ValueError, match=r"^stack: all tensors must have the same shape, got \[\(2,\), \(3,\)\]"):
        stack([T([1.0, 2.0]), T([1.0, 2.0, 3.0])])
    out = stack([T(1.0), T(2.0)], dim=-1)  # 0-d tensors stack into a vector
    np.testing.assert_array_equal(out.data, [1.0, 2.0])


def test_pad_errors_name_the_problem():
    """pad refuses an odd number of amounts, more pairs than dims, non-ints, an unknown mode, and copying modes
    that do not fit the dim (reflect needs padding < size, replicate and circular <= size, none negative)."""
    x = T(np.ones((2, 3)))
    for amounts in ((1,), (1, 1, 1, 1, 1, 1), (1.0, 1)):
        with pytest.raises(ValueError, match=r"^pad: needs an even number of ints, at most 2 per dim of shape"):
            pad(x, amounts)
    with pytest.raises(ValueError, match=r"^pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                                         r"got 'wrap'"):
        pad(x, (1, 1), mode="wrap")
    refused = {"reflect": [(3, 0), (0, 3), (-1, 0)], "replicate": [(-1, 0)], "circular": [(4, 0), (0, -1)]}
    for mode in refused:
        for amounts in refused[mode]:
            with pytest.raises(ValueError, match=rf"^pad: {mode} padding {re.escape(str(amounts))} does not fit a dim of size 3 "
                                                 rf"\(shape \(2, 3\)\); it needs 0 <= padding "
                                                 rf"{'< size' if mode == 'reflect' else '<= size'}"):
                pad(x, tuple(amounts), mode=mode)
    with pytest.raises(ValueError, match="does not fit a dim of size 0"):
        pad(T(np.ones((2, 0))), (1, 0), mode="replicate")
    assert pad(T(np.ones((2, 0))), (0, 0), mode="replicate").shape == (2, 0)
    assert pad(T(3.0), ()).data == 3.0


def test_select_errors_name_the_op():
    """max/min/argmax/argmin/clamp/where: bad dims, empty axes, both spellings of a dim, non-bool conditions and
    shapes that do not broadcast raise errors naming the op and the shapes."""
    x = T([[1.0, 5.0, 5.0], [7.0, -1.0, 0.0]])
    for name in ("max", "min", "argmax", "argmin"):
        with pytest.raises(ValueError, match=rf"^{name}: axis 5 is out of range for a tensor of shape \(2, 3\)"):
            getattr(x, name)(5)
        with pytest.raises(ValueError, match=rf"^{name}\(\) over an empty axis of a tensor of shape \(0, 2\)"):
            getattr(T(np.zeros((0, 2))), name)(0)
    for name in ("argmax", "argmin"):
        with pytest.raises(TypeError, match=rf"^{name}: give axis= or dim= \(the same thing\), not both"):
            getattr(x, name)(axis=0, dim=0)
        with pytest.raises(TypeError, match=rf"^{name}: dim must be one int, got \(0, 1\)$"):
            getattr(x, name)(dim=(0, 1))
        with pytest.raises(ValueError, match=rf"^{name}\(\) over an empty axis of a tensor of shape \(0,\)"):
            getattr(T(np.zeros(0)), name)()
    for name in ("amax", "amin", "max", "min"):
        with pytest.raises(ValueError, match=rf"^{name}\(\) over an empty axis of a tensor of shape \(0,\) "
                                             r"\(axis=None\) has no value"):
            getattr(T(np.zeros(0)), name)()
    with pytest.raises(ValueError, match="^clamp needs min, max or both$"):
        x.clamp()
    with pytest.raises(TypeError, match=r"^where: the condition must be a bool tensor \(e\.g\. x > 0\), got dtype "
                                        r"int64$"):
        where(T([1, 0]), T([1.0, 2.0]), 0.0)
    with pytest.raises(ValueError, match=r"^where: shapes \(2,\), \(3,\) and \(2,\) cannot be broadcast together"):
        where(np.array([True, False]), T([1.0, 2.0, 3.0]), T([1.0, 2.0]))


def test_indexing_errors_and_float_indices():
    """A float index array is an IndexError (as torch); an index that does not fit names the index and shape;
    an empty float list is an empty int index."""
    x = T(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError, match="tensors used as indices must hold integers or booleans, not float64"):
        x[np.array([0.0, 1.0])]
    with pytest.raises(IndexError, match=r"^index 5 does not fit a tensor of shape \(2, 3\): "):
        x[5]
    with pytest.raises(IndexError, match=r"^index \(0, \[0, 7\]\) does not fit a tensor of shape \(2, 3\): "):
        x[0, [0, 7]]
    assert x[np.array([], dtype=np.float64)].shape == (0, 3)
    assert x[np.int64(1)].shape == (3,) and x[np.array(1)].shape == (3,)
    assert x[np.uint8(1), np.array([2, 0], dtype=np.uint8)].shape == (2,)


def test_expand_errors_name_the_sizes_and_shape():
    """expand refuses fewer dims, growing a dim that is not 1, -1 for a new dim, other negatives, and non-int
    sizes, with errors naming the sizes and the shape."""
    x = T(np.ones((3, 1)))
    for sizes in EXPAND_REFUSED:
        with pytest.raises(ValueError, match=r"^expand: ") as error:
            x.expand(*sizes)
        assert str(sizes) in str(error.value) and "tensor of shape (3, 1)" in str(error.value)
    for sizes in ((3, 2.0), (True, 2), ("3", 1)):
        with pytest.raises(TypeError, match=r"^expand: sizes must be ints, got .* \(tensor of shape \(3, 1\)\)"):
            x.expand(*sizes)
    with pytest.raises(TypeError, match="expand: takes its values as arguments or as size="):
        x.expand(3, 1, sizes=(3, 1))


def test_repeat_errors_name_the_sizes_and_shape():
    """repeat refuses fewer sizes than dims, negative sizes and non-ints, naming the sizes and the shape."""
    x = T(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^repeat: needs at least one size per dim of the tensor of shape \(2, 3\)"
                                         r", got \(2,\)"):
        x.repeat(2)
    with pytest.raises(ValueError, match=r"^repeat: sizes must be >= 0, got \(2, -1\) \(tensor of shape \(2, 3\)\)"):
        x.repeat(2, -1)
    with pytest.raises(TypeError, match=r"^repeat: sizes must be ints, got \(2, 1\.5\) \(tensor of shape \(2, 3\)\)"):
        x.repeat(2, 1.5)


# ----------------------------------------------------------------------------------------- compare.py against PyTorch

@pytest.mark.parametrize("op", sorted(COMPARISONS))
def test_comparisons_match_torch_in_the_promoted_dtype(torch, op):
    """Comparisons give bool tensors equal to torch's, comparing in the promoted dtype (an int tensor against 2.5
    compares as floats; float32 0.1 is not float64 0.1; int64 2**24 + 1 against float32 is compared as float32, where
    it equals 2**24), and the method spellings are the same operators."""
    method, dunder = COMPARISONS[op]
    cases = [
        (np.array([1, 2, 3]), 2.5), (np.array([1, 2, 3]), 2), (np.array([0.1], np.float32), np.array([0.1])),
        (np.array([[1.0], [2.0]]), np.array([2.0, 1.0, 0.0])), (np.array([True, False]), np.array([True, True])),
        (np.array([1.0, 2.0, 3.0]), [3.0, 2.0, 1.0]),
        # float32 cannot hold 2**24 + 1: compared as float32 (torch's promoted dtype) the two are equal
        (np.array([2**24 + 1, 2**24 + 2]), float(2**24)), (np.array([2.0**24], np.float32), np.array([2**24 + 1])),
        (np.array([2**24 + 1], np.int64), np.array([2.0**24, 1.0], np.float32)),
    ]
    for a, b in cases:
        ta = torch.from_numpy(a)
        tb = torch.from_numpy(b) if isinstance(b, np.ndarray) else torch.tensor(b) if isinstance(b, list) else b
        ref = getattr(ta, dunder)(tb).numpy()
        bb = T(b) if isinstance(b, np.ndarray) else b
        for out in (getattr(T(a), dunder)(bb), getattr(T(a), method)(bb)):
            assert isinstance(out, Tensor) and out.dtype == np.bool_ and out.requires_grad is False
            np.testing.assert_array_equal(out.data, ref)


@pytest.mark.parametrize("op", sorted(LOGICAL))
def test_logical_operators_match_torch_on_masks_and_ints(torch, op):
    """`& | ^` combine bool and integer tensors (and numbers, from either side) as torch does."""
    dunder = LOGICAL[op]
    rdunder = "__r" + dunder[2:]
    pairs = [(np.array([True, False, True, False]), np.array([True, True, False, False])),
             (np.array([3, 5, 6]), np.array([1, 4, 6])), (np.array([True, False]), np.array([3, 1]))]
    for a, b in pairs:
        ref = getattr(torch.from_numpy(a), dunder)(torch.from_numpy(b)).numpy()
        out = getattr(T(a), dunder)(T(b))
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(out.data, ref)
    mask = np.array([True, False])
    for number in (True, False):
        ref = getattr(torch.from_numpy(mask), dunder)(number).numpy()
        np.testing.assert_array_equal(getattr(T(mask), dunder)(number).data, ref)
        np.testing.assert_array_equal(getattr(T(mask), rdunder)(number).data, ref)


def test_invert_flips_masks_and_integers_and_refuses_floats(torch):
    """`~` is logical not on bool and bitwise not on ints (torch's answers); a float tensor is a TypeError."""
    for a in (np.array([True, False]), np.array([1, 2, -3]), np.array([1, 2], dtype=np.uint8)):
        out = ~T(a)
        ref = (~torch.from_numpy(a)).numpy()
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(out.data, ref)
    with pytest.raises(TypeError, match=r"^'~' needs a bool or integer tensor \(a mask\), got dtype float32$"):
        ~T(np.array([1.0], np.float32))


# ----------------------------------------------------------------------------------------- inplace.py against PyTorch

def test_inplace_dtype_categories_follow_torch(torch):
    """An in-place result keeps the tensor's dtype: a float tensor takes ints and float64 (cast down), an int
    tensor takes bools and ints, a bool tensor refuses ints, an int tensor refuses floats (as torch)."""
    f32 = T(np.array([1.5, 2.5], np.float32))
    f32 += T(np.array([0.1, 0.2]))
    f32 *= T(np.array([2, 3]))
    ref = torch.tensor([1.5, 2.5])
    ref += torch.tensor([0.1, 0.2], dtype=torch.float64)
    ref *= torch.tensor([2, 3])
    assert f32.dtype == np.float32
    np.testing.assert_array_equal(f32.data, ref.numpy())
    i = T([5, 7])
    i += T(np.array([True, False]))
    i -= 2
    np.testing.assert_array_equal(i.data, [4, 5])
    assert i.dtype == np.int64
    with pytest.raises(TypeError, match="dtype int64, which an in-place op cannot store in this tensor of dtype bool"):
        T(np.array([True, False])).add_(T([1, 2]))


@pytest.mark.parametrize("symbol", sorted(INPLACE))
def test_recorded_inplace_ops_match_torch_gradients(torch, symbol):
    """On a non-leaf while recording, `y op= x` records the op (named as the out-of-place op): values and gradients
    as torch's, with a random incoming gradient and `x` used twice. `y op= y` reads the old value on both sides, as
    `y = y op y` in torch (torch's own `y *= y` refuses backward: mul saved the overwritten y)."""
    dunder, method, plain = INPLACE[symbol]
    x0, g = np.array([1.5, -0.5, 2.0]), np.array([0.3, -1.2, 0.7])
    for name in (dunder, method):
        for self_op in (False, True):
            x = T(x0, requires_grad=True)
            y = x * 2.0
            y = getattr(y, name)(y if self_op else x)
            assert y._op == symbol[0] and y._parents[0] is not y and y.requires_grad
            (y * T(g) + x * K).sum().backward()
            tx = torch.tensor(x0, requires_grad=True)
            ty = tx * 2.0
            ty = getattr(ty, plain if self_op else dunder)(ty if self_op else tx)
            (ty * torch.from_numpy(g) + tx * K).sum().backward()
            np.testing.assert_allclose(y.data, ty.detach().numpy())
            np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def test_inplace_with_a_recording_operand_records_on_a_plain_tensor(torch):
    """`t += w` where only `w` requires grad records the op on `t` (torch too): t requires grad afterwards and
    `w` gets the gradient; the result keeps t's dtype."""
    t = T(np.array([1.0, 2.0], np.float32))
    w = T([0.5, 0.25], requires_grad=True)
    t *= w
    assert t.requires_grad and t._op == "*" and t.dtype == np.float32 and not t.is_leaf
    (t * T([3.0, -2.0])).sum().backward()
    np.testing.assert_allclose(w.grad, [3.0, -4.0])
    assert w.grad.dtype == np.float64


def test_fill_and_zero_follow_torch(torch):
    """fill_/zero_ set every entry; recorded on a non-leaf, the old value's gradient is 0 (the op is named
    fill_, the dtype kept)."""
    i = T([1, 2, 3])
    i.fill_(7)
    np.testing.assert_array_equal(i.data, torch.tensor([1, 2, 3]).fill_(7).numpy())
    assert i.dtype == np.int64
    f = T(np.ones(2, np.float32))
    assert f.zero_() is f
    np.testing.assert_array_equal(f.data, [0.0, 0.0])
    x = T(np.array([[1.0, 2.0]], np.float32), requires_grad=True)
    for fill in (lambda t: t.fill_(4.5), lambda t: t.zero_()):
        y = x * 3.0
        y = fill(y)
        assert y._op == "fill_" and y.shape == (1, 2) and y.dtype == np.float32 and y.requires_grad
        x.grad = None
        (y * T([[2.0, 1.0]]) + x * 5.0).sum().backward()
        np.testing.assert_array_equal(x.grad, [[5.0, 5.0]])  # only the second use: fill_ passes 0
        assert x.grad.dtype == np.float32
    np.testing.assert_array_equal((x * 1.0).fill_(4.5).data, [[4.5, 4.5]])
    only = T([1.0, 2.0], requires_grad=True)  # used only through the filled tensor: a zero gradient, not None
    (only * 3.0).fill_(2.0).sum().backward()
    ref = torch.tensor([1.0, 2.0], requires_grad=True)
    (ref * 3.0).fill_(2.0).sum().backward()
    np.testing.assert_array_equal(only.grad, ref.grad.numpy())


# -------------------------------------------------------------------------------------------- join.py against PyTorch

def test_cat_and_stack_match_torch_with_gradients(torch):
    """cat and stack (every dim, negative dims, the default dim 0): values and gradients as torch's."""
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    for d in (0, 1, -1, -2):
        check(torch, lambda x, y: cat([x, y], dim=d), [a, b], lambda x, y: torch.cat([x, y], dim=d))
        check(torch, lambda x, y: stack([x, y], dim=d), [a, b], lambda x, y: torch.stack([x, y], dim=d))
    check(torch, lambda x, y, z: cat((x, z, y), 1), [a, b, c], lambda x, y, z: torch.cat((x, z, y), 1))
    check(torch, lambda x, y: cat([x, y]), [a, b], lambda x, y: torch.cat([x, y]))
    check(torch, lambda x, y: stack([x, y, x]), [a, b], lambda x, y: torch.stack([x, y, x]))
    check(torch, lambda x, y: stack((x, y), 2), [a, b], lambda x, y: torch.stack((x, y), 2))
    out = stack([T(a), T(b)])
    assert out.shape == (2, 2, 3)
    x = _ours(a)
    assert cat([x, T(b)])._op == "cat" and stack([x, T(b)])._op == "stack"


def test_cat_skips_empty_vectors_and_promotes_dtypes_as_torch(torch):
    """cat skips 1-D tensors with no entries (as torch); mixed dtypes join in torch's result dtype (int with
    float32 gives float32) and each input's gradient comes back in its own dtype."""
    a = np.arange(6.0).reshape(2, 3)
    out = cat([T(np.zeros(0)), T(a), T(np.zeros(0))])
    ref = torch.cat([torch.zeros(0, dtype=torch.float64), torch.from_numpy(a), torch.zeros(0, dtype=torch.float64)])
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(out.data, ref.numpy())
    empty = cat([T(np.zeros(0)), T(np.zeros(0))])
    assert empty.shape == (0,)
    for dtypes in [(np.int64, np.float32), (np.int32, np.int64), (np.float32, np.float64), (np.bool_, np.int32),
                   (np.float16, np.int64)]:
        parts = [np.array([1, 0], dtype=dt) for dt in dtypes]
        out = cat([T(p) for p in parts])
        ref = torch.cat([torch.from_numpy(p) for p in parts])
        assert out.dtype == ref.numpy().dtype, dtypes
        np.testing.assert_array_equal(out.data, ref.numpy())
        out = stack([T(p) for p in parts])
        assert out.dtype == torch.stack([torch.from_numpy(p) for p in parts]).numpy().dtype
    f32 = T(np.array([1.0, 2.0], np.float32), requires_grad=True)
    f64 = T(np.array([3.0]), requires_grad=True)
    out = cat([f32, f64, [4.0]])
    assert out.dtype == np.float64 and out._parents[0]._op == "cast" and out._parents[0]._parents == (f32,)
    (out * T([0.5, 1.5, 2.5, 3.5])).sum().backward()
    np.testing.assert_array_equal(f32.grad, [0.5, 1.5])
    np.testing.assert_array_equal(f64.grad, [2.5])
    assert f32.grad.dtype == np.float32
    s = stack([f32, T(np.array([3.0, 4.0]))], dim=1)
    f32.grad = None
    (s * T([[1.0, 0.0], [2.0, 0.0]])).sum().backward()
    np.testing.assert_array_equal(f32.grad, [1.0, 2.0])


PADS = [((1, 2), "constant"), ((2, 0, 1, 1), "constant"), ((-1, 2), "constant"), ((1, -2), "constant"),
        ((-2, -1, 0, 1), "constant"), ((1, 2), "reflect"), ((2, 1, 1, 0), "reflect"), ((1, 2), "replicate"),
        ((3, 0, 0, 2), "replicate"), ((1, 3), "circular"), ((2, 1, 1, 1), "circular")]


@pytest.mark.parametrize("amounts,mode", PADS)
def test_pad_matches_torch_with_gradients(torch, amounts, mode):
    """pad (torch's F.pad): pairs from the last dim backwards, negative amounts crop, every mode; gradients as
    torch's, including entries that are copied several times."""
    x = np.random.default_rng(1).standard_normal((1, 3, 4))
    value = 0.75 if mode == "constant" else 0.0
    kwargs = {"value": value} if mode == "constant" else {}
    out = check(torch, lambda t: pad(t, amounts, mode=mode, **kwargs), [x],
                lambda t: torch.nn.functional.pad(t, amounts, mode=mode, **kwargs))
    assert out._op == ("pad" if mode == "constant" else "getitem")


def test_pad_keeps_the_dtype_and_crops_to_nothing_as_torch(torch):
    """Constant padding keeps the dtype (float32, int) and the default value 0; cropping a dim to size 0, or
    cropping all of it away and padding, gives torch's answer; cropping below size 0 is an error."""
    for dtype, value in ((np.float32, 2.5), (np.int64, 7)):
        x = np.arange(6).reshape(2, 3).astype(dtype)
        out = pad(T(x), (1, 1), value=value)
        ref = torch.nn.functional.pad(torch.from_numpy(x), (1, 1), value=value)
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out.data, ref.numpy())
    np.testing.assert_array_equal(pad(T([1.0, 2.0]), (1, 0)).data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(pad([1.0, 2.0], (0, 1), mode="reflect").data, [1.0, 2.0, 1.0])  # a list works too
    for n, amounts in ((3, (-2, -1)), (3, (-3, 0)), (3, (-2, 3)), (2, (-2, 3)), (2, (0, -2))):
        x = np.arange(1.0, n + 1)
        out = check(torch, lambda t: pad(t, amounts), [x], lambda t: torch.nn.functional.pad(t, amounts))
        assert out.shape == (n + sum(amounts),)
    with pytest.raises(ValueError, match=r"^pad: padding \[\(-2, -2\)\] crops the tensor of shape \(3,\) below "
                                         r"size 0 \(\(-1,\)\)"):
        pad(T([1.0, 2.0, 3.0]), (-2, -2))


def test_pad_copying_modes_at_their_limits_match_torch(torch):
    """The largest padding each copying mode takes (reflect: size - 1, replicate: any, circular: size) gives
    torch's answer."""
    x = T(np.arange(6.0).reshape(2, 3))
    for mode, amounts in (("reflect", (2, 0)), ("reflect", (0, 2)), ("replicate", (4, 5)), ("circular", (3, 3))):
        ref = torch.nn.functional.pad(torch.from_numpy(x.data), amounts, mode=mode)
        np.testing.assert_array_equal(pad(x, amounts, mode=mode).data, ref.numpy())


def test_torch_refuses_the_same_shapes(torch):
    """The shapes the errors above refuse, torch refuses too: cat of mismatched shapes, expand that grows a
    dim that is not 1 or puts -1 in a new dim, repeat with a negative size."""
    with pytest.raises(RuntimeError):
        torch.cat([torch.ones(2, 3), torch.ones(2, 2)])
    for sizes in EXPAND_REFUSED:
        with pytest.raises(RuntimeError):
            torch.ones(3, 1).expand(*sizes)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3).repeat(2, -1)


# ------------------------------------------------------------------------------------------ select.py against PyTorch

def test_amax_amin_max_min_share_ties_as_torch(torch):
    """amax/amin and max/min without a dim (or with numpy's axis=): values and gradients as torch's, tied extremes
    sharing the gradient; keepdim's default is False; op names say which."""
    x = np.array([[3.0, 1.0, 3.0, -2.0], [0.5, 0.5, -4.0, -4.0], [2.0, 7.0, 1.0, 7.0]])
    for name in ("amax", "amin"):
        for kw in ({}, {"dim": 1}, {"dim": 0}, {"dim": (0, 1)}, {"dim": -1, "keepdim": True},
                   {"dim": 1, "keepdim": False}):
            out = check(torch, lambda t: getattr(t, name)(**kw), [x])
            assert out._op == name
        assert getattr(_ours(x), name)(1).shape == (3,)
        check(torch, lambda t: getattr(t, name)(1), [x[:1]])  # a size-1 dim that is not reduced stays
        for kw in ({"dim": 1}, {"dim": 1, "keepdim": True}):  # an empty dim that is not reduced is no error
            out = getattr(T(np.zeros((0, 3))), name)(**kw)
            assert out.shape == tuple(getattr(torch.zeros(0, 3), name)(**kw).shape)
    for name in ("max", "min"):
        out = check(torch, lambda t: getattr(t, name)(), [x])
        assert out._op == name and out.shape == ()
        for kw, ref_dim in (({"axis": 1}, 1), ({"axis": 0, "keepdims": True}, 0), ({"axis": (0, 1)}, (0, 1))):
            keep = kw.get("keepdims", False)
            out = check(torch, lambda t: getattr(t, name)(**kw), [x],
                        lambda t: getattr(torch, "a" + name)(t, dim=ref_dim, keepdim=keep))
            assert out._op == name


def test_max_min_over_nan_give_nan_gradients_as_torch(torch):
    """A NaN among the entries: amax/amin are NaN and, as torch, every entry's gradient is NaN."""
    for name in ("amax", "amin"):
        x = _ours([1.0, np.nan, 2.0])
        getattr(x, name)().backward()
        t = torch.tensor([1.0, np.nan, 2.0], requires_grad=True)
        getattr(t, name)().backward()
        np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_max_min_with_a_dim_return_values_and_indices_as_torch(torch):
    """max(dim)/min(dim) give (values, indices) as torch: the gradient goes to the returned index only (ties
    too), keepdim and numpy's keepdims= both work, a 0-d tensor gives itself and index 0."""
    x = np.array([[3.0, 1.0, 3.0], [0.5, 0.5, -4.0]])
    for name in ("max", "min"):
        for dim in (0, 1, -1):
            for keep in (False, True):
                for kw in ({"keepdim": keep}, {"keepdims": keep}):
                    got = getattr(_ours(x), name)(dim, **kw)
                    ref = getattr(torch.from_numpy(x), name)(dim, keepdim=keep)
                    assert isinstance(got, ValuesIndices) and got.indices.dtype == np.int64
                    np.testing.assert_array_equal(got.indices.data, ref.indices.numpy())
                    assert got.values._op == name and got.indices.requires_grad is False
                    check(torch, lambda t: getattr(t, name)(dim, **kw).values, [x],
                          lambda t: getattr(t, name)(dim, keepdim=keep).values)
        s = _ours(2.5)
        got = getattr(s, name)(0)
        ref = getattr(torch.tensor(2.5), name)(0)
        assert got.values.shape == () and got.values.data == 2.5 and got.indices.shape == ()
        assert got.indices.dtype == np.int64 and got.indices.data == ref.indices.item() == 0
        (got.values * 3.0 + s).backward()
        assert s.grad == 4.0
    for name in ("max", "min"):  # numpy's axis= with torch's keepdim= (or numpy's keepdims=) keeps the dim
        for kw in ({"keepdim": True}, {"keepdims": True}):
            check(torch, lambda t: getattr(t, name)(axis=1, **kw), [x],
                  lambda t: getattr(torch, "a" + name)(t, dim=1, keepdim=True))


def test_argmax_argmin_match_torch(torch):
    """argmax/argmin: int64 indices of the flattened tensor with no dim (keepdim keeps every dim, size 1), along a
    dim otherwise; dim= and axis= are the same."""
    x = np.array([[1.0, 5.0, 5.0], [7.0, -1.0, 0.0]])
    for name in ("argmax", "argmin"):
        for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"keepdim": True}, {"dim": -1, "keepdim": False}):
            out = getattr(T(x), name)(**kw)
            ref = getattr(torch.from_numpy(x), name)(**kw)
            assert out.dtype == np.int64 and out.shape == tuple(ref.shape), (name, kw)
            np.testing.assert_array_equal(out.data, ref.numpy())
        np.testing.assert_array_equal(getattr(T(x), name)(axis=1).data, getattr(T(x), name)(dim=1).data)


def test_clamp_matches_torch_gradients_at_and_between_the_bounds(torch):
    """clamp with number bounds (min, max, both; clip is the same): the gradient passes where min <= x <= max,
    bounds included, as torch; int tensors with float bounds become float; tensor bounds get their gradient where
    they were used (not where x ties with them)."""
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
    for kw in ({"min": -1.0}, {"max": 1.0}, {"min": -1.0, "max": 1.0}, {"min": 0.5, "max": 0.5}):
        out = check(torch, lambda t: t.clamp(**kw), [x])
        assert out._op == "clamp"
        check(torch, lambda t: t.clip(**kw), [x], lambda t: t.clip(**kw))
    check(torch, lambda t: t.clamp(-1.0, 1.0), [x.astype(np.float32)], dtype=np.float32)
    ints = np.array([-3, 0, 4])
    for kw in ({"min": -1.5}, {"max": 2}, {"min": -1, "max": 2.5}):
        out = T(ints).clamp(**kw)
        ref = torch.from_numpy(ints).clamp(**kw).numpy()
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(out.data, ref)
    lo, hi = np.array([-1.0, 0.0, 0.0, 0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0, 0.2, 1.0, 2.0])  # ties at 0 and 1
    check(torch, lambda t, a, b: t.clamp(a, b), [x, lo, hi])
    check(torch, lambda t, a: t.clamp(min=a), [x, lo])
    check(torch, lambda t, b: t.clamp(max=b), [x, hi])


def test_maximum_minimum_halve_ties_and_unbroadcast_as_torch(torch):
    """maximum/minimum (methods and module functions): ties halve the gradient, broadcast operands get it summed,
    numbers and lists work; values and gradients as torch's."""
    a = np.array([[1.0, 2.0, 3.0], [4.0, -1.0, 0.0]])
    b = np.array([2.0, 2.0, -1.0])
    for name in ("maximum", "minimum"):
        out = check(torch, lambda s, t: getattr(s, name)(t), [a, b])
        assert out._op == name
        check(torch, lambda s, t: getattr(s, name)(t), [b, a])
        check(torch, lambda s: getattr(s, name)(s * 0.0 + 2.0), [a])
        fn = {"maximum": maximum, "minimum": minimum}[name]
        check(torch, lambda s, t: fn(s, t), [a, b], lambda s, t: getattr(torch, name)(s, t))
        out = fn([1.0, 5.0], T([3.0, 3.0]))
        np.testing.assert_array_equal(out.data, getattr(np, name)([1.0, 5.0], [3.0, 3.0]))
        s = _ours(a)
        (fn(s, 2.0) * 2.0).sum().backward()
        ref = torch.tensor(a, requires_grad=True)
        (getattr(torch, name)(ref, torch.tensor(2.0, dtype=torch.float64)) * 2.0).sum().backward()
        np.testing.assert_array_equal(s.grad, ref.grad.numpy())
        only_b = T(b, requires_grad=True)
        (getattr(T(a), name)(only_b) * 1.5).sum().backward()
        tb = torch.tensor(b, requires_grad=True)
        (getattr(torch.from_numpy(a), name)(tb) * 1.5).sum().backward()
        np.testing.assert_array_equal(only_b.grad, tb.grad.numpy())


def test_where_matches_torch_for_tensors_numbers_and_dtypes(torch):
    """where(cond, x, y): gradients go where each entry came from (broadcast operands summed), as torch; numbers
    on either side take the tensor's dtype (an int32 tensor stays int32, 0.1 next to float64 is float64's 0.1); the condition can be a Tensor, an array or
    a list of bools; `x.where(cond, y)` is the same op."""
    cond = np.array([[True, False, True], [False, False, True]])
    a, b = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([-1.0, -2.0, -3.0])
    tc = torch.from_numpy(cond)
    for c in (T(cond), cond, cond.tolist()):
        out = check(torch, lambda x, y: where(c, x, y), [a, b], lambda x, y: torch.where(tc, x, y))
        assert out._op == "where"
        check(torch, lambda x, y: where(c, y, x), [a, b], lambda x, y: torch.where(tc, y, x))
    check(torch, lambda x, y: x.where(T(cond), y), [a, b], lambda x, y: x.where(tc, y))
    check(torch, lambda x: where(cond, x, 0.5), [a], lambda x: torch.where(tc, x, 0.5))
    check(torch, lambda y: where(cond, 0.5, y), [b], lambda y: torch.where(tc, 0.5, y))
    for number in (0.1, 1e-300):  # a number takes the tensor's dtype exactly (float64 0.1, not float32's 0.1)
        for out, ref in ((where(cond, number, T(b)), torch.where(tc, number, torch.from_numpy(b))),
                         (where(cond, T(b), number), torch.where(tc, torch.from_numpy(b), number))):
            assert out.dtype == np.float64
            np.testing.assert_array_equal(out.data, ref.numpy())
    i32 = np.array([5, 6, 7], dtype=np.int32)
    for fn in (lambda y: where(cond[0], 1, y), lambda y: where(cond[0], y, 1)):
        out = fn(T(i32))
        assert out.dtype == np.int32
    ref = torch.where(tc[0], 1, torch.from_numpy(i32))
    np.testing.assert_array_equal(where(cond[0], 1, T(i32)).data, ref.numpy())
    out = where(cond[0], 2, 3.5)
    ref = torch.where(tc[0], 2, 3.5)
    assert out.dtype == ref.numpy().dtype
    np.testing.assert_array_equal(out.data, ref.numpy())
    mixed = where(cond[0], T(np.array([1, 2, 3])), T(np.array([0.5, 0.5, 0.5], np.float32)))
    assert mixed.dtype == np.float32
    assert mixed.shape == (3,)


# ---------------------------------------------------------------------------------------- indexing.py against PyTorch

INDEXES = {
    "int": (1,), "negative int": (-1,), "slice": (slice(0, 2),), "step slice": (slice(None, None, 2),),
    "int, slice": (0, slice(1, 3)), "ellipsis": (Ellipsis, 1), "none": (None, 1),
    "list repeated": ([0, 2, 0, 0],), "nested list": ([[0, 1], [2, 2]],), "empty list": ([],),
    "two arrays": ([0, 2, 2], [1, 0, 1]), "array, slice": ([2, 0, 2], slice(1, 3)),
    "slice, array": (slice(None), [2, 0, 2]), "int then array": (0, slice(None), [1, 2, 1]),
    "array then int": ([1, 0, 1], slice(None), 2), "int, array, int": (1, [0, 2, 2], 3),
    "ellipsis, array, int": (Ellipsis, [1, 1], 0), "none, int, array": (None, 2, [0, 0, 1]),
    "int and bool mask": (1, np.array([True, False, True])), "bool mask": (np.array([True, False, True]),),
    "2-d bool mask": (np.array([[True, False, True], [False, False, True], [True, True, False]]),),
    "mask and int": (np.array([True, False, True]), slice(None), 1), "bool scalar": (True,),
    "false scalar": (False,), "0-d int tensor": ("tensor0",), "int tensor": ("tensor",),
    "0-d tensor, slice, array": ("tensor0", slice(None), [1, 2, 1]), "2-d mask and int": (np.array(
        [[True, False, True], [False, False, True], [True, True, False]]), 1), "int, 2-d array": (1, [[0, 2], [1, 1]]),
    "int, slice, array": (1, slice(1, 3), [0, 2, 2]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_matches_torch_values_and_gradients(torch, name):
    """x[index] for every kind of index torch takes: the same entries in the same shape (an int next to an index
    array is applied first, as torch), and the gradient of every picked entry added back where it came from
    (repeated picks add up)."""
    x = np.random.default_rng(2).standard_normal((3, 3, 4))
    index = INDEXES[name]

    def mine(i):
        return tuple(p if not isinstance(p, str) else T(np.array(2)) if p == "tensor0" else T(np.array([2, 0, 2]))
                     for p in i)

    def theirs(i):
        out = []
        for p in i:
            if isinstance(p, str):
                p = torch.tensor(2) if p == "tensor0" else torch.tensor([2, 0, 2])
            elif isinstance(p, np.ndarray):
                p = torch.from_numpy(p)
            out.append(p)
        return tuple(out)

    # a bare nested list (not in a tuple) is left out: torch 2.13 still reads it as a tuple of indices, with a
    # warning that it will become one index array (numpy's reading, and ours)
    bare = (lambda i: i[0] if len(i) == 1 else i) if name != "nested list" else (lambda i: i)
    for wrap in ((lambda i: i), bare):
        out = check(torch, lambda t: t[wrap(mine(index))], [x], lambda t: t[wrap(theirs(index))])
        assert out._op == "getitem"


# ------------------------------------------------------------------------------------------ expand.py against PyTorch

def test_expand_matches_torch_with_gradients(torch):
    """expand (sizes as arguments, a tuple, a list or size=; -1 keeps a dim; new dims in front; a dim of size 1
    may become 0) and expand_as:
    values and the summed gradients of the copies as torch's."""
    x = np.array([[1.0], [2.0], [3.0]])
    for args, kw in (((3, 4), {}), (((2, 3, 4),), {}), (([2, -1, 5],), {}), ((), {"size": (3, 2)}),
                     ((2, -1, 1), {}), ((np.int64(3), 1), {}), ((3, 0), {}), ((0, 3, 1), {})):
        out = check(torch, lambda t: t.expand(*args, **kw), [x])
        assert out._op == "expand"
    other = np.zeros((2, 3, 5))
    out = check(torch, lambda t: t.expand_as(T(other)), [x], lambda t: t.expand_as(torch.from_numpy(other)))
    assert out.shape == (2, 3, 5)


def test_repeat_tiles_as_torch_with_gradients(torch):
    """repeat tiles like torch (numpy's tile, not numpy's repeat): extra sizes add dims in front, 0 copies gives an
    empty dim; each entry's gradient is the sum over its copies."""
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for args, kw in (((2, 3), {}), (((1, 2),), {}), (([3, 1, 2],), {}), ((), {"repeats": (2, 2)}),
                     ((1, 1), {}), ((2, 0), {}), ((0, 2, 1), {})):
        out = check(torch, lambda t: t.repeat(*args, **kw), [x], lambda t: t.repeat(*(args or kw["repeats"])))
        assert out._op == "repeat"
    check(torch, lambda t: t.repeat(3), [np.array([1.0, 2.0])])
    s = check(torch, lambda t: t.repeat(2, 3), [np.array(1.5)])
    assert s.shape == (2, 3)
