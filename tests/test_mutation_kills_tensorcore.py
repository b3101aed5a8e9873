"""Specifications that kill the mutants of the Tensor core (`tinygrad_edu/tensor/`: core, arithmetic, broadcast,
unary, reduce, matmul, movement, softmax, dtypes) that survived the fast suite (docs/mutation-tensorcore.md lists
them). As tests/test_mutation_kills.py: random incoming gradients (not 1), every input used twice, float64 central
differences; then what a gradient check does not see: dtypes, shapes, both argument spellings, op names that
pictures show, which inputs record a graph, errors that name the op.
"""

import contextlib
import math
import re
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tests.test_mutation_kills import _check_tensor_grads

RNG = np.random.default_rng(2026)


# central differences with a random incoming gradient and each input used twice, as in the first kill file
check_grads = _check_tensor_grads


@contextlib.contextmanager
def quietly():
    """Any numpy RuntimeWarning is an error inside: results are meant to be quiet (inf and nan are values, as in
    PyTorch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------------------------------------- unary.py

def test_unary_op_names_are_what_pictures_show():
    """Each elementwise op records its own name (the graph pictures and the player print it)."""
    a = Tensor([0.5, 2.0], requires_grad=True)
    names = {name: getattr(a, name)()._op for name in ("sin", "cos", "log2", "log10", "sign", "exp", "log", "sqrt",
                                                         "tanh", "sigmoid", "relu", "abs")}
    assert names == {name: name for name in names}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_sign_keeps_a_float_dtype_and_gives_zero_at_nan(dtype):
    """sign of a float tensor has the tensor's dtype (torch.sign), with 0 at NaN, -1/0/+1 elsewhere."""
    s = Tensor(np.array([-2.5, 0.0, 3.0, np.nan], dtype=dtype), dtype=dtype).sign()
    assert s.dtype == dtype
    np.testing.assert_array_equal(s.data, [-1.0, 0.0, 1.0, 0.0])
    i = Tensor(np.array([-3, 0, 7], dtype=np.int32)).sign()
    assert i.dtype == np.int32 and i.data.tolist() == [-1, 0, 1]


# ------------------------------------------------------------------------------------------- softmax.py

def test_logsumexp_takes_numpy_and_torch_spellings():
    """logsumexp(axis=, keepdims=) and logsumexp(dim=, keepdim=) mean the same, as every reduction."""
    x = RNG.normal(size=(3, 4))
    expected = np.log(np.exp(x).sum(axis=1))
    for out in (Tensor(x, dtype=np.float64).logsumexp(axis=1), Tensor(x, dtype=np.float64).logsumexp(dim=1),
                Tensor(x, dtype=np.float64).logsumexp(1)):
        assert out.shape == (3,)
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    out = Tensor(x, dtype=np.float64).logsumexp(dim=1, keepdim=True)
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out.data[:, 0], expected, rtol=1e-12)
    whole = Tensor(x, dtype=np.float64).logsumexp()
    assert whole.shape == () and whole.item() == pytest.approx(math.log(np.exp(x).sum()), rel=1e-12)
    assert Tensor(x, dtype=np.float64).logsumexp(keepdim=True).shape == (1, 1)


def test_logsumexp_keepdims_numpy_spelling_keeps_the_axis():
    """logsumexp(axis=1, keepdims=True) keeps the axis as sum and mean do (it raised a TypeError about giving both
    spellings, because keepdim defaulted to False instead of "not given")."""
    x = RNG.normal(size=(3, 4))
    out = Tensor(x, dtype=np.float64).logsumexp(axis=1, keepdims=True)
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out.data[:, 0], np.log(np.exp(x).sum(axis=1)), rtol=1e-12)
    assert Tensor(x).logsumexp(keepdims=False).shape == ()


def test_logsumexp_shifts_each_row_by_its_own_max():
    """Rows of very different size each stay finite and exact: the shift is per row, not one for the tensor."""
    x = np.array([[-1000.0, -1000.5], [0.0, 1.0], [800.0, 799.0]])
    out = Tensor(x, dtype=np.float64).logsumexp(dim=1)
    expected = [-1000.0 + math.log1p(math.exp(-0.5)), 1.0 + math.log1p(math.exp(-1.0)),
                800.0 + math.log1p(math.exp(-1.0))]
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    np.testing.assert_allclose(Tensor(x.T, dtype=np.float64).logsumexp(dim=0).data, expected, rtol=1e-14)


def test_logsumexp_keeps_float32_and_is_quiet_on_infinite_rows():
    """float32 in, float32 out; a row of -inf gives -inf and a row with +inf gives +inf, with no numpy warning
    (torch.logsumexp gives the same: [-inf, 2.3133, inf, inf])."""
    x = np.array([[-np.inf, -np.inf], [1.0, 2.0], [np.inf, 0.0], [np.inf, -np.inf]], dtype=np.float32)
    with quietly():
        out = Tensor(x).logsumexp(dim=1)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.array([-np.inf, 2.0 + math.log1p(math.exp(-1.0)), np.inf, np.inf],
                                                     dtype=np.float32))
    with quietly():
        assert Tensor(x[:1]).logsumexp().item() == -np.inf


def test_softmax_family_of_empty_and_integer_tensors():
    """Empty tensors keep their shape (logsumexp over an empty axis is -inf, as torch); integer logits give
    float32 from logsumexp."""
    e = Tensor(np.zeros((0, 3)))
    assert e.softmax(dim=1).shape == e.log_softmax(dim=0).shape == (0, 3) and e.logsumexp(dim=1).shape == (0,)
    assert e.logsumexp(dim=0).data.tolist() == [-np.inf] * 3
    out = Tensor(np.array([[1, 2, 3], [0, 0, 5]])).logsumexp(dim=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, np.log(np.exp([[1.0, 2, 3], [0, 0, 5]]).sum(axis=1)), rtol=1e-6)


def test_logsumexp_gradient_and_name():
    """Gradient softmax(x) * g along the reduced axis, any spelling; the op is named logsumexp."""
    check_grads(lambda a: a.logsumexp(axis=1), RNG.normal(size=(3, 4)))
    check_grads(lambda a: a.logsumexp(dim=0, keepdim=True), RNG.normal(size=(3, 4)))
    check_grads(lambda a: a.logsumexp(), RNG.normal(size=(2, 3)))
    assert Tensor([1.0, 2.0], requires_grad=True).logsumexp()._op == "logsumexp"


def test_logsumexp_errors_name_the_op():
    """A bad axis, or axis= with dim=, raises an error that starts with the op's name."""
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"^logsumexp: give axis= or dim="):
        t.logsumexp(axis=0, dim=1)
    with pytest.raises(TypeError, match=r"^logsumexp: give keepdims= or keepdim="):
        t.logsumexp(0, keepdims=True, keepdim=False)
    with pytest.raises(ValueError, match=r"^logsumexp: axis 2 is out of range for a tensor of shape \(2, 3\)"):
        t.logsumexp(dim=2)


# ------------------------------------------------------------------------------------------- core.py

@pytest.mark.parametrize("make", [Tensor.zeros, Tensor.ones, Tensor.randn])
def test_constructors_accept_empty_shapes_and_name_themselves_in_errors(make):
    """zeros(0, 3) is an empty (0, 3) tensor, as torch.zeros; a negative or non-int size is an error naming the
    constructor."""
    assert make(0, 3).shape == (0, 3) and make((2, 0)).shape == (2, 0) and make(0).shape == (0,)
    name = make.__name__
    for bad in ((-1, 3), (2.0,), (True,)):
        with pytest.raises(TypeError, match=rf"^{name}: the shape must be non-negative ints, as {name}\(2, 3\)"):
            make(*bad)


def test_array_protocol_gives_the_asked_dtype():
    """`Tensor.__array__(dtype)` returns an array of that dtype (numpy's protocol, used by libraries directly)."""
    t = Tensor([1.5, 2.5])
    assert t.__array__().dtype == np.float32 and t.__array__() is t.data
    as64 = t.__array__(np.float64)
    assert as64.dtype == np.float64 and as64.tolist() == [1.5, 2.5]
    assert t.__array__(np.int64).tolist() == [1, 2]


# ------------------------------------------------------------------------------------------- reduce.py

REDUCTIONS = {  # name: numpy's float64 answer for axis, keepdims
    "sum": lambda x, axis, keep: x.sum(axis=axis, keepdims=keep),
    "mean": lambda x, axis, keep: x.mean(axis=axis, keepdims=keep),
    "var": lambda x, axis, keep: x.var(axis=axis, keepdims=keep, ddof=1),
    "std": lambda x, axis, keep: x.std(axis=axis, keepdims=keep, ddof=1),
    "prod": lambda x, axis, keep: x.prod(axis=axis, keepdims=keep),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_take_numpy_and_torch_spellings(name):
    """x.op(axis=1, keepdims=True) and x.op(dim=1, keepdim=True) are the same reduction, as numpy and torch."""
    x = RNG.uniform(0.5, 2.0, (3, 4))
    t = Tensor(x, dtype=np.float64)
    op = getattr(t, name)
    for keep in (False, True):
        expected = REDUCTIONS[name](x, 1, keep)
        for out in (op(axis=1, keepdims=keep), op(dim=1, keepdim=keep), op(axis=1, keepdim=keep),
                    op(dim=1, keepdims=keep)):
            assert out.shape == expected.shape
            np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert op(axis=(0, 1)).shape == () and op(dim=-1).shape == (3,) and op().shape == ()
    np.testing.assert_allclose(op(dim=[0, 1]).data, op(dim=(0, 1)).data, rtol=1e-12)  # a list of dims, as torch
    assert op(dim=[1], keepdim=True).shape == (3, 1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_errors_name_the_op_and_infinite_rows_are_quiet(name):
    """A bad dim names the op; a row with +inf, or all -inf, gives nan as torch.softmax does, without a numpy
    warning; the ops record their names."""
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=rf"^{name}: axis 2 is out of range for a tensor of shape \(2, 3\) "
                                         r"\(valid: -2 to 1\)$"):
        getattr(t, name)(dim=2)
    with pytest.raises(ValueError, match=rf"^{name}: axis -3 is out of range"):
        getattr(t, name)(-3)
    x = np.array([[np.inf, 1.0], [-np.inf, -np.inf], [1.0, 2.0]], dtype=np.float32)
    with quietly():
        out = getattr(Tensor(x, requires_grad=True), name)(dim=1)
    assert np.isnan(out.data[:2]).all() and np.isfinite(out.data[2]).all() and out._op == name


@pytest.mark.parametrize("name", list(REDUCTIONS) + ["logsumexp"])
def test_reduction_errors_name_the_op(name):
    """Both spellings at once, or an axis out of range, raise an error that starts with the op's name."""
    op = getattr(Tensor(np.ones((2, 3))), name)
    with pytest.raises(TypeError, match=rf"^{name}: give axis= or dim= \(the same thing\), not both$"):
        op(axis=0, dim=1)
    with pytest.raises(TypeError, match=rf"^{name}: give keepdims= or keepdim= \(the same thing\), not both$"):
        op(dim=0, keepdims=True, keepdim=False)
    with pytest.raises(ValueError, match=rf"^{name}: axis -3 is out of range for a tensor of shape \(2, 3\) "
                                         r"\(valid: -2 to 1\)$"):
        op(dim=-3)
    with pytest.raises(TypeError, match=rf"^{name}: axis must be an int or a tuple of ints, got 0.5"):
        op(dim=0.5)


def test_long_sums_keep_their_axes():
    """Sums long enough to add up in float64 (float32 past 256 terms, every float16 sum) still reduce only the axes
    asked for, keep dims when asked, and come back in the input's dtype; float16 ones over 5000 rows give 5000
    (torch: 5000; numpy's own float16 sum stops at 2048)."""
    x = np.arange(900, dtype=np.float32).reshape(300, 3)
    t = Tensor(x)
    assert t.sum(dim=0).data.tolist() == x.astype(np.float64).sum(axis=0).tolist() and t.sum(dim=0).dtype == np.float32
    assert t.sum(dim=0, keepdim=True).shape == (1, 3) and t.sum().item() == 899 * 900 / 2
    assert t.sum(dim=1).data.tolist() == x.sum(axis=1).tolist()
    h = Tensor(np.ones((5000, 2), np.float16), dtype=np.float16)
    assert h.sum(dim=0).data.tolist() == [5000.0, 5000.0] and h.sum(dim=0).dtype == np.float16
    assert Tensor(np.ones((3, 2), np.int32)).sum(dim=0, keepdim=True).shape == (1, 2)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint32, np.int32, np.bool_])
def test_prod_and_sum_of_integers_are_int64(dtype):
    """prod and sum of an integer or bool tensor are int64, as torch.prod and torch.sum (numpy gives uint64 for
    unsigned integers)."""
    a = np.array([[1, 2, 3], [3, 1, 1]], dtype=dtype)
    for name in ("prod", "sum"):
        for axis in (None, 0):
            ours = getattr(Tensor(a), name)(dim=axis)
            assert ours.dtype == np.int64
            np.testing.assert_array_equal(ours.data, getattr(a.astype(np.int64), name)(axis=axis))


def test_prod_overflows_quietly_and_its_gradient_with_zeros():
    """A float32 product that overflows is inf without a numpy warning (torch); the gradient is the product of the
    other entries: with one zero only that entry gets one, with two none do."""
    with quietly():
        big = Tensor(np.full(3, 1e30, dtype=np.float32)).prod()
    assert big.item() == np.inf and big.dtype == np.float32
    x = Tensor(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.5, 2.0, -4.0]]), requires_grad=True, dtype=np.float64)
    g = np.array([0.5, -2.0, 1.25])
    with quietly():
        x.prod(dim=1).backward(g)
    np.testing.assert_allclose(x.grad, [[0.0, 0.5 * 6.0, 0.0], [0.0, 0.0, 0.0], [1.25 * -8.0, 1.25 * -6.0, 1.25 * 3.0]])
    check_grads(lambda a: a.prod(axis=0), RNG.uniform(0.5, 2.0, (3, 2)))


# ------------------------------------------------------------------------------------------- op names

def test_op_names_of_reductions_movement_and_softmax():
    """Each op records the name pictures and the player show."""
    a = Tensor(RNG.uniform(0.5, 2.0, (2, 3)), requires_grad=True)
    names = {
        "sum": a.sum(), "mean": a.mean(), "var": a.var(), "std": a.std(), "prod": a.prod(),
        "softmax": a.softmax(), "log_softmax": a.log_softmax(), "logsumexp": a.logsumexp(),
        "reshape": a.reshape(3, 2), "transpose": a.transpose(0, 1), "permute": a.permute(1, 0), "flip": a.flip(0),
        "neg": -a, "@": a @ a.T, "**2": a ** 2, "**0.5": a ** 0.5, "**-1": a ** -1,
    }
    assert {name: out._op for name, out in names.items()} == {name: name for name in names}
    assert a.view(6)._op == a.unsqueeze(0)._op == a.flatten()._op == a.squeeze()._op == "reshape"


# ------------------------------------------------------------------------------------------- movement.py

def test_view_errors_name_view():
    """view(2, size=3) mixes both argument forms: the error names view and its keyword."""
    with pytest.raises(TypeError, match=r"^view: takes its values as arguments or as size=\.\.\., got \(2,\) and "
                                        r"\['size'\]$"):
        Tensor(np.zeros(6)).view(2, size=3)
    assert Tensor(np.zeros(6)).view(size=(2, 3)).shape == (2, 3)


MOVEMENT_ERRORS = [  # (call on a (2, 3) tensor, exception, the message's start)
    (lambda t: t.permute(0, dims=(1, 0)), TypeError, r"permute: takes its values as arguments or as dims=\.\.\., "
                                                     r"got \(0,\) and \['dims'\]"),
    (lambda t: t.flip(0, dims=(1,)), TypeError, r"flip: takes its values as arguments or as dims=\.\.\., got \(0,\)"),
    (lambda t: t.reshape(2, shape=3), TypeError, r"reshape: takes its values as arguments or as shape=\.\.\."),
    (lambda t: t.permute(0, 5), IndexError, r"permute: dim 5 is out of range for a tensor of shape \(2, 3\) "
                                            r"\(valid: -2 to 1\)"),
    (lambda t: t.flip(5), IndexError, r"flip: dim 5 is out of range for a tensor of shape \(2, 3\) \(valid: -2 to 1\)"),
    (lambda t: t.flip("a"), TypeError, r"flip: a dim must be an int, got 'a' \(tensor of shape \(2, 3\)\)"),
    (lambda t: t.flip(0, 0), ValueError, r"flip: dims \(0, 0\) name a dim twice \(tensor of shape \(2, 3\)\)"),
    (lambda t: t.squeeze(-3), IndexError, r"squeeze: dim -3 is out of range for a tensor of shape \(2, 3\)"),
    (lambda t: t.unsqueeze(3), IndexError, r"unsqueeze: dim 3 is out of range for a tensor of shape \(2, 3\) "
                                           r"\(valid: -3 to 2\)"),
    (lambda t: t.transpose(0, 2), IndexError, r"transpose: dim 2 is out of range for a tensor of shape \(2, 3\)"),
    (lambda t: t.transpose(-3, 0), IndexError, r"transpose: dim -3 is out of range for a tensor of shape \(2, 3\)"),
    (lambda t: t.flatten(2), IndexError, r"flatten: dim 2 is out of range for a tensor of shape \(2, 3\)"),
    (lambda t: t.flatten(0, -3), IndexError, r"flatten: dim -3 is out of range for a tensor of shape \(2, 3\)"),
    (lambda t: t.flatten(1, 0), ValueError, r"flatten: start_dim 1 comes after end_dim 0 for a tensor of shape "
                                            r"\(2, 3\)"),
    (lambda t: t.permute(0, 0), ValueError, r"permute: dims \(0, 0\) are not a permutation of the 2 dims of shape "
                                            r"\(2, 3\) \(name each dim once, e\.g\. \(1, 0\)\)"),
]


@pytest.mark.parametrize("case", range(len(MOVEMENT_ERRORS)))
def test_movement_errors_name_the_op_and_the_shape(case):
    """A bad dim or a mixed argument form raises torch's exception type, with the op's name and the shape first."""
    call, exception, message = MOVEMENT_ERRORS[case]
    with pytest.raises(exception, match=f"^{message}"):
        call(Tensor(np.zeros((2, 3))))


def test_movement_of_a_zero_dim_tensor():
    """A 0-d tensor takes dim 0 or -1 as torch: flip, transpose and squeeze leave it as it is, flatten and
    unsqueeze make it (1,); the gradient comes back to the scalar."""
    s = Tensor(np.float64(1.5), requires_grad=True, dtype=np.float64)
    outs = [s.flip(0), s.flip(-1), s.flip(), s.transpose(0, -1), s.permute(), s.squeeze(0), s.squeeze()]
    assert [o.shape for o in outs] == [()] * 7 and [o.item() for o in outs] == [1.5] * 7
    assert s.flatten().shape == s.unsqueeze(0).shape == s.unsqueeze(-1).shape == (1,)
    total = sum((o * (i + 1.0) for i, o in enumerate(outs)), s.flatten().sum() * 10.0)
    total.backward()
    assert s.grad.shape == () and s.grad.item() == 1 + 2 + 3 + 4 + 5 + 6 + 7 + 10


def test_flatten_merges_every_dim_by_default():
    """flatten() merges all dims (start_dim=0, end_dim=-1, as torch); flatten(1) keeps the batch dim."""
    t = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert t.flatten().shape == (24,) and t.flatten(1).shape == (2, 12) and t.flatten(0, 1).shape == (6, 4)
    assert t.flatten(end_dim=-2).shape == (6, 4) and t.flatten().data.tolist() == list(range(24))


# ------------------------------------------------------------------------------------------- core.py plumbing

def test_data_conversion_errors_and_quiet_overflow():
    """Bad data raises a TypeError that says what was wrong; a float64 too big for the dtype becomes inf quietly
    (as torch.tensor(1e300, dtype=torch.float32))."""
    with pytest.raises(TypeError, match=r"^Tensor needs numbers in a rectangular array; could not convert list: "):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"^Tensor needs numeric data \(bool, int or float\); got an array of dtype "
                                        r"<U1 \(first element: np.str_\('a'\)\)$"):
        Tensor(["a"])
    with pytest.raises(TypeError, match=r"^Tensor needs numeric data; got dtype <U1$"):
        Tensor(np.array([], dtype="U1"))
    with pytest.raises(TypeError, match=r"^only floating-point tensors can require gradients; this one has dtype "
                                        r"int64$"):
        Tensor([1, 2], requires_grad=True)
    with quietly():
        for t in (Tensor(np.array([1e300, -1e300])), Tensor(np.array([1e300, -1e300]), dtype=np.float32),
                  Tensor([1e300, -1e300], dtype=np.float16)):
            assert t.data.tolist() == [np.inf, -np.inf]


def test_a_tensor_from_a_tensor_copies_its_numbers_not_its_history():
    """Tensor(t) takes t's numbers (float32 by default, as any float data) and none of its graph."""
    t = Tensor(np.array([1.5, 2.5]), requires_grad=True, dtype=np.float64) * 2
    u = Tensor(t)
    assert u.dtype == np.float32 and u.data.tolist() == [3.0, 5.0] and not u.requires_grad and u.is_leaf
    assert Tensor(t, dtype=np.float64).dtype == np.float64 and Tensor(Tensor([1, 2])).dtype == np.int64


def test_labels_default_to_empty_and_ops_start_unlabelled():
    """A tensor's label (shown in graph pictures) is what the user gave, else empty; an op's result has none, and
    no grad until a backward reaches it (torch: None). A leaf, and a result made without a graph, have no op and no
    parents (the pictures draw none); a result in a graph has its op and its inputs."""
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    assert w.label == "w" and Tensor([1.0]).label == "" and (w * 2).label == "" and w.sum().label == ""
    assert w.grad is None and (w * 2).grad is None and w.exp().grad is None and Tensor([1.0]).sum().grad is None
    c = Tensor([1.0]) * 2
    assert w._op == "" and w._parents == () and c._parents == () and c._op == "*"
    y = w * c
    assert y._op == "*" and y._parents == (w, c)


def test_anomaly_mode_names_the_op_that_made_an_inf():
    """Under detect_anomaly(), the op whose result is inf from finite inputs raises, naming itself, the result and
    its inputs; a finite op records where it was made."""
    from tinygrad_edu.autograd import AnomalyError, detect_anomaly
    x = Tensor([0.0, 2.0])
    with detect_anomaly():
        fine = x * 2
        with pytest.raises(AnomalyError, match=r"^forward: op 'log' produced an array of shape \(2,\) with 0 NaN and "
                                               r"1 inf from finite inputs \(Tensor\(shape=\(2,\), dtype=float32\)\)"):
            x.log()
    assert fine._trace.startswith('  File "')


def test_backward_seed_keeps_the_output_dtype_and_names_the_fix():
    """backward(grad) casts the incoming gradient to the output's dtype (the output's own .grad has it too); a
    non-scalar output without grad= says how to fix it."""
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = x * 3.0
    y.backward(np.array([0.5, 0.25], dtype=np.float64))
    assert y.grad.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [1.5, 0.75])
    with pytest.raises(RuntimeError, match=r"^backward\(\) needs a gradient argument for a non-scalar output "
                                           r"\(shape \(2,\)\); reduce it first \(e\.g\. \.sum\(\) or \.mean\(\)\) or "
                                           r"pass grad= of the same shape$"):
        y.backward()
    with pytest.raises(ValueError, match=r"^backward\(\): grad has shape \(3,\) but the output has shape \(2,\)$"):
        y.backward([1.0, 2.0, 3.0])
    x.zero_grad()
    assert x.grad is None
    loss = (x.relu() * 3.0).sum()
    loss.backward()  # a scalar output: the seed is 1 in the output's dtype
    assert loss.grad.dtype == np.float32 and loss.grad.shape == () and loss.grad == 1.0
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_each_gradient_has_its_own_tensors_dtype():
    """A float16 leaf used in a float32 op gets a float16 gradient, a float64 leaf a float64 one, as torch."""
    h = Tensor(np.array([1.0, 2.0], dtype=np.float16), requires_grad=True, dtype=np.float16)
    d = Tensor(np.array([3.0, 4.0]), requires_grad=True, dtype=np.float64)
    f = Tensor(np.array([0.5, 0.25], dtype=np.float32), requires_grad=True)
    out = h * f + d * f
    assert out.dtype == np.float64
    out.backward(np.array([1.0, 2.0]))
    assert (h.grad.dtype, d.grad.dtype, f.grad.dtype) == (np.float16, np.float64, np.float32)
    np.testing.assert_array_equal(h.grad, [0.5, 0.5])
    np.testing.assert_array_equal(f.grad, [1.0 + 3.0, 2 * (2.0 + 4.0)])


def test_gradients_never_share_memory_with_the_seed_or_each_other():
    """Two leaves that get the same gradient array own separate copies, and the caller's seed array is never
    changed: a second backward adds up exactly, as PyTorch."""
    a, b = Tensor(np.zeros(3), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    seed = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    for _ in range(2):
        (a + b).backward(seed)
    np.testing.assert_array_equal(a.grad, 2 * np.array([0.5, -1.0, 2.0]))
    np.testing.assert_array_equal(b.grad, 2 * np.array([0.5, -1.0, 2.0]))
    assert not np.shares_memory(a.grad, b.grad) and seed.tolist() == [0.5, -1.0, 2.0]
    x = Tensor(np.ones(3), requires_grad=True)
    for _ in range(2):
        x.backward(seed)  # a leaf as the root
    np.testing.assert_array_equal(x.grad, [1.0, -2.0, 4.0])
    assert seed.tolist() == [0.5, -1.0, 2.0] and not np.shares_memory(x.grad, seed)
    y = x * 2.0
    z = y + y  # an intermediate that gets two gradients
    z.backward(seed)
    assert seed.tolist() == [0.5, -1.0, 2.0] and z.grad.tolist() == [0.5, -1.0, 2.0]
    np.testing.assert_array_equal(y.grad, [1.0, -2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [1.0 + 2.0, -2.0 - 4.0, 4.0 + 8.0])
    r = x.reshape(3)  # the reshape's backward hands the leaf a view of the incoming gradient
    r.backward(seed)
    assert not np.shares_memory(x.grad, seed) and seed.tolist() == [0.5, -1.0, 2.0]


def test_a_graph_is_recorded_when_any_of_many_inputs_requires_grad():
    """cat of four tensors records a graph when any one of them requires grad (first, middle or last), and only
    that one gets a gradient."""
    from tinygrad_edu import cat
    for k in range(4):
        ts = [Tensor(np.full(2, float(i)), requires_grad=(i == k)) for i in range(4)]
        out = cat(ts)
        assert out.requires_grad and out._op == "cat"
        g = RNG.uniform(-2, 2, 8).astype(np.float32)
        out.backward(g)
        for i, t in enumerate(ts):
            assert (t.grad is not None) == (i == k)
        np.testing.assert_array_equal(ts[k].grad, g[2 * k:2 * k + 2])
    assert cat([Tensor([1.0]), Tensor([2.0]), Tensor([3.0])]).requires_grad is False


def test_chain_rules_are_quiet_at_their_singular_points():
    """Backward through log, sqrt or division at 0 gives inf or nan, as PyTorch, without a numpy warning."""
    x = Tensor([0.0, 4.0], requires_grad=True)
    with quietly():
        (x.log() + x.sqrt() + 1.0 / x).backward(np.array([0.5, 1.0], dtype=np.float32))
    assert np.isinf(x.grad[0]) or np.isnan(x.grad[0])
    assert x.grad[1] == pytest.approx(1 / 4 + 1 / 4 - 1 / 16)


def test_operands_that_are_not_tensors():
    """A Python number takes the tensor's category rules (int tensor * 2.5 is float32, as torch); a list or an
    array becomes a tensor first (floats as float32); integer tensors add as int64."""
    i = Tensor([1, 2])
    assert (i * 2.5).dtype == np.float32 and (i * 2.5).data.tolist() == [2.5, 5.0]
    assert (i + i).dtype == np.int64 and (i + 1).dtype == np.int64 and (2 * i).data.tolist() == [2, 4]
    f = Tensor([1.0, 2.0])
    for out in (f + [1.0, 1.0], f * np.array([2.0, 2.0]), [3.0, 3.0] - f):
        assert out.dtype == np.float32
    assert (f + [1.0, 1.0]).data.tolist() == [2.0, 3.0] and ([3.0, 3.0] - f).data.tolist() == [2.0, 1.0]


def test_numbers_in_float64_ops_keep_their_full_precision():
    """`float64 tensor op 0.1` uses 0.1 itself, not its float32 rounding (torch: the number takes the tensor's
    dtype)."""
    x = np.array([1.0, 3.0, -7.0])
    t = Tensor(x, dtype=np.float64)
    for ours, exact in ((t * 0.1, x * 0.1), (0.1 * t, 0.1 * x), (t + 0.1, x + 0.1), (0.1 - t, 0.1 - x),
                        (t / 0.1, x / 0.1), (0.1 / t, 0.1 / x), (t - np.float64(0.1), x - 0.1)):
        assert ours.dtype == np.float64
        np.testing.assert_array_equal(ours.data, exact)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "logsumexp", "softmax", "log_softmax"])
def test_a_zero_dim_tensor_reduces_over_dim_0_or_minus_1(name):
    """A 0-d tensor accepts dim 0 and -1 (as torch); the result is 0-d and the gradient flows back."""
    for dim in (0, -1):
        s = Tensor(np.float64(0.75), requires_grad=True, dtype=np.float64)
        out = getattr(s, name)(dim=dim)
        assert out.shape == ()
        out.backward(np.float64(2.0))
        assert s.grad.shape == ()


def test_max_and_argmax_take_one_dim():
    """max(dim) gives values and indices, argmax(axis) the indices, along that one dim (checked as every axis)."""
    x = Tensor(np.array([[0.0, 5.0, 1.0], [4.0, 2.0, 3.0]]))
    values, indices = x.max(dim=1)
    assert values.data.tolist() == [5.0, 4.0] and indices.data.tolist() == [1, 0]
    assert x.argmax(axis=1).data.tolist() == [1, 0] and x.argmax(dim=-2).data.tolist() == [1, 0, 1]
    assert x.min(dim=0)[0].data.tolist() == [0.0, 2.0, 1.0]


def test_means_of_empty_tensors():
    """The mean over an empty axis is nan, quietly (torch: nan); an empty result stays empty."""
    e = Tensor(np.zeros((0, 3)))
    with quietly():
        assert np.isnan(e.mean(dim=0).data).all() and e.mean(dim=0).shape == (3,)
        assert e.mean(dim=1).shape == (0,) and e.mean(dim=1).dtype == np.float32


def test_axis_checks_are_exact():
    """-ndim..ndim-1 are the valid axes: -ndim works, ndim is an error (not wrapped around); a 1-D tensor has no
    axis 1; bools are not axes; an axis named twice after wrapping is an error."""
    t = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(t.sum(dim=-2).data, [3.0, 5.0, 7.0])
    with pytest.raises(ValueError, match=r"^sum: axis 2 is out of range for a tensor of shape \(2, 3\) \(valid: -2 "
                                         r"to 1\)$"):
        t.sum(dim=2)
    with pytest.raises(ValueError, match=r"^mean: axis 1 is out of range for a tensor of shape \(2,\) \(valid: -1 "
                                         r"to 0\)$"):
        Tensor([1.0, 2.0]).mean(dim=1)
    with pytest.raises(TypeError, match=r"^sum: axis must be an int or a tuple of ints, got True \(tensor of shape "
                                        r"\(2, 3\)\)$"):
        t.sum(dim=True)
    with pytest.raises(ValueError, match=r"^sum: axis \(0, -2\) repeats an axis of the tensor of shape \(2, 3\)$"):
        t.sum(dim=(0, -2))
    assert t.sum(dim=np.int64(1)).shape == (2,) and t.sum(dim=(np.int32(1),)).shape == (2,)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_corrections(name):
    """unbiased=False is correction=0 (the population formula), unbiased=True and the default are correction=1,
    any correction divides by N - correction; giving both spellings is an error naming the op."""
    x = np.array([[1.0, 2.0, 4.0, 8.0], [0.5, -1.0, 3.0, 2.0]])
    t = Tensor(x, dtype=np.float64)
    op = getattr(t, name)
    root = np.sqrt if name == "std" else (lambda v: v)
    d2 = ((x - x.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    for kwargs, n in (({"unbiased": False}, 4), ({"correction": 0}, 4), ({"unbiased": True}, 3), ({}, 3),
                      ({"correction": 2}, 2), ({"correction": 1.5}, 2.5)):
        np.testing.assert_allclose(op(dim=1, **kwargs).data, root(d2 / n), rtol=1e-12, err_msg=str(kwargs))
    with pytest.raises(TypeError, match=rf"^{name}: give unbiased= or correction=, not both$"):
        op(unbiased=False, correction=0)
    with quietly():  # a correction past the count (its value: see the test below) makes no numpy warning
        op(dim=1, correction=5)


def test_var_and_std_of_a_long_float16_tensor_do_not_overflow():
    """float16 holds at most 65504, but the sums inside var and std are not rounded to it: 70,000 entries of +-1
    have variance and std 1 (torch: 1 and 1), 70,000 ones variance 0."""
    x = Tensor(np.tile([-1.0, 1.0], 35000).astype(np.float16), dtype=np.float16)
    with quietly():
        assert x.var().item() == 1.0 and x.std().item() == 1.0 and x.var(correction=0).item() == 1.0
        assert Tensor(np.ones(70000, np.float16), dtype=np.float16).var().item() == 0.0


def test_std_gradient_where_the_spread_is_zero_or_one():
    """std's gradient is (x - mean) / ((N - 1) std) * g, and 0 on a row whose entries are all equal (std 0), as
    torch: torch gives [[0, 0, 0], [-1, 0, 1]] here. A row with std exactly 1 is an ordinary row."""
    x = Tensor([[3.0, 3.0, 3.0], [0.0, 1.0, 2.0]], requires_grad=True)
    out = x.std(dim=1)
    np.testing.assert_array_equal(out.data, [0.0, 1.0])
    with quietly():
        out.backward(np.array([0.5, 2.0], dtype=np.float32))
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0, 0.0], [-1.0, 0.0, 1.0]])
    check_grads(lambda a: a.std(dim=0, keepdim=True), RNG.normal(size=(4, 3)))


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_with_a_correction_past_the_count_are_inf(name):
    """var and std divide by max(0, N - correction), as torch.var: a correction of N or more gives inf, quietly
    (it gave a negative variance, and std a nan, for correction > N)."""
    t = Tensor([1.0, 2.0], requires_grad=True)
    for c in (2, 3, 5.5):
        with quietly():
            out = getattr(t, name)(correction=c)
        assert out.item() == np.inf, c


# ------------------------------------------------------------------------------------------- chain rules

def _pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def _sym(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


CHAIN_RULES = {  # the ops of these files that tests/test_mutation_kills.py does not check with a random gradient
    "sin": (lambda a: a.sin(), [_sym(3, 4)]),
    "cos": (lambda a: a.cos(), [_sym(3, 4)]),
    "log2": (lambda a: a.log2(), [_pos(3, 4)]),
    "log10": (lambda a: a.log10(), [_pos(3, 4)]),
    "sign": (lambda a: a.sign() * a, [_sym(3, 4)]),
    "var": (lambda a: a.var(dim=1), [_sym(3, 4)]),
    "var keepdim correction 0": (lambda a: a.var(dim=(0, 2), keepdim=True, correction=0), [_sym(2, 3, 4)]),
    "std all": (lambda a: a.std(), [_sym(3, 4)]),
    "prod axis": (lambda a: a.prod(dim=1), [_sym(3, 4)]),
    "prod keepdim": (lambda a: a.prod(dim=0, keepdim=True), [_sym(3, 4)]),
    "prod all": (lambda a: a.prod(), [_pos(2, 3)]),
    "logsumexp keepdim": (lambda a: a.logsumexp(dim=-1, keepdim=True), [_sym(2, 3, 4)]),
    "softmax 3d": (lambda a: a.softmax(dim=1), [_sym(2, 3, 4)]),
    "log_softmax axis 0": (lambda a: a.log_softmax(0), [_sym(3, 4)]),
    "permute": (lambda a: a.permute(2, 0, 1), [_sym(2, 3, 4)]),
    "flip": (lambda a: a.flip(0, 2), [_sym(2, 3, 4)]),
    "squeeze unsqueeze": (lambda a: a.squeeze(1).unsqueeze(0), [_sym(3, 1, 4)]),
    "flatten": (lambda a: a.flatten(1), [_sym(2, 3, 4)]),
    "mT": (lambda a: a.mT, [_sym(2, 3, 4)]),
    "pow 0.5": (lambda a: a ** 0.5, [_pos(3, 4)]),
    "pow int tensor exponent": (lambda a: a ** Tensor(np.array([2, 3, 1, 0])), [_sym(3, 4)]),
    "rpow tensor": (lambda a, b: a.abs() ** b, [_sym(3, 4), _sym(3, 1)]),
    "div both": (lambda a, b: a / b, [_sym(1, 4), _pos(3, 1)]),
    "sub both": (lambda a, b: a - b, [_sym(3, 1), _sym(1, 4)]),
    "mul both": (lambda a, b: a * b, [_sym(2, 1, 4), _sym(3, 1)]),
    "add over a size-2 axis": (lambda a, b: a + b, [_sym(2, 3), _sym(1, 3)]),
    "mul a (1, 1) by a 3-d": (lambda a, b: a * b, [_sym(1, 1), _sym(2, 4, 1)]),
    "matmul batched both": (lambda a, b: a @ b, [_sym(2, 1, 3, 4), _sym(5, 4, 2)]),
    "matmul batched @ 2d": (lambda a, b: a @ b, [_sym(2, 3, 4), _sym(4, 5)]),
    "matmul 2d @ batched": (lambda a, b: a @ b, [_sym(3, 4), _sym(2, 4, 5)]),
    "matmul 2d": (lambda a, b: a @ b, [_sym(3, 4), _sym(4, 2)]),
    "matmul vector @ batched": (lambda a, b: a @ b, [_sym(4), _sym(2, 4, 3)]),
    "matmul batched @ vector": (lambda a, b: a @ b, [_sym(2, 3, 4), _sym(4)]),
}


@pytest.mark.parametrize("name", CHAIN_RULES)
def test_chain_rules_with_random_incoming_gradients(name):
    """Each op's backward, with a random incoming gradient and every input used twice, against float64 central
    differences."""
    f, arrays = CHAIN_RULES[name]
    with quietly():
        check_grads(f, *arrays)


# ------------------------------------------------------------------------------------------- arithmetic.py

def test_powers_of_integer_tensors_and_the_edges_of_the_number_power():
    """An integer tensor to a negative integer power is an error (torch), numpy's integer scalars included; to the
    power 0 it is ones of its dtype; x ** 1 passes the gradient through, also at 0; an overflow is inf, quietly."""
    for p in (-2, np.int64(-2), np.int32(-1)):
        with pytest.raises(ValueError, match=r"^'\*\*': integer tensors \(dtype int64, shape \(2,\)\) cannot be raised "
                                             r"to the negative power -[12], an integer \(as in PyTorch\)"):
            Tensor([2, 3]) ** p
    assert (Tensor([3, -3]) ** 35).data.tolist() == [3 ** 35, -(3 ** 35)]  # exact integers, past float64's 2^53
    tiny = Tensor([0.0, 1.0, 2.0]) ** 1e-50  # 1e-50 itself, not its float32 rounding 0
    assert tiny.dtype == np.float32 and tiny.data.tolist() == [0.0, 1.0, 1.0]
    zero = Tensor([2, 3]) ** 0
    assert zero.dtype == np.int64 and zero.data.tolist() == [1, 1]
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x ** 1).backward(np.array([0.5, 0.25], dtype=np.float32))
    np.testing.assert_array_equal(x.grad, [0.5, 0.25])
    with quietly():
        big = Tensor(np.array([1e30, -1e30], dtype=np.float32)) ** 2
        inv = Tensor(np.array([0.0], dtype=np.float32)) ** -1
    assert big.data.tolist() == [np.inf, np.inf] and inv.data.tolist() == [np.inf]


@pytest.mark.parametrize("op, name", [(lambda a, b: a + b, "+"), (lambda a, b: a - b, "-"), (lambda a, b: a * b, "*"),
                                      (lambda a, b: a / b, "/"), (lambda a, b: a ** b, "**")])
def test_binary_shape_errors_name_the_op_and_both_shapes(op, name):
    """Shapes that do not broadcast raise a ValueError naming the op and both shapes (not numpy's message)."""
    with pytest.raises(ValueError, match=rf"^'{re.escape(name)}': shapes \(2, 3\) and \(4,\) cannot be broadcast "
                                         r"together$"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))


def test_results_without_a_graph_are_leaves_and_in_place_changes_are_caught():
    """An op on constants (or under no_grad) gives a leaf with no grad_fn, as torch; an input changed in place after
    an op used it makes backward raise instead of using the new value."""
    from tinygrad_edu.autograd import no_grad
    c = Tensor([1.0]) * 2
    assert c.is_leaf and repr(c) == "Tensor([2.], dtype=float32)"
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        d = x * 2
    assert d.is_leaf and "grad_fn" not in repr(d) and "grad_fn=<mul>" in repr(x * 2)
    h = x * 2
    y = h * h
    h += 1
    with pytest.raises(RuntimeError, match=r"^backward: an input of op '\*' \(a tensor of shape \(2,\)\) was changed "
                                           r"by an in-place op after this op used it"):
        y.sum().backward()


def test_division_of_integers_is_float32():
    """Division is a float op: int / int, uint8 pixels / 255 and int / 2 are float32, as torch (numpy: float64)."""
    pixels = Tensor(np.array([0, 51, 255], dtype=np.uint8)) / 255
    assert pixels.dtype == np.float32 and pixels.data.tolist() == pytest.approx([0.0, 0.2, 1.0])
    for out in (Tensor([1, 2]) / Tensor([2, 4]), Tensor([1, 2]) / 2, 3 / Tensor([1, 2]), Tensor([True]) / 2):
        assert out.dtype == np.float32


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_integer_logits_is_float32(name):
    """Integer logits compute in float32, the default float dtype, as logsumexp and every float function (softmax
    gave float64: it shifted by the integer max, and float32 - int64 is float64 in numpy)."""
    x = np.array([[1, 2, 3], [0, 0, 5]])
    out = getattr(Tensor(x), name)(dim=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, getattr(Tensor(x, dtype=np.float64), name)(dim=1).data, rtol=1e-6)


# ------------------------------------------------------------------------------------------- matmul.py

def test_matmul_dtypes_and_errors():
    """@ promotes as every other op (int @ float32 is float32, float32 @ float64 is float64 either way round); shapes
    that do not fit raise a ValueError naming both shapes."""
    f32, f64 = Tensor(np.ones((1, 2), np.float32)), Tensor(np.ones((2, 1)), dtype=np.float64)
    assert (Tensor([[1, 2]]) @ Tensor(np.ones((2, 1), np.float32))).dtype == np.float32
    assert (f32 @ f64).dtype == np.float64 and (f64 @ f32).dtype == np.float64 and (f32 @ f32.T).dtype == np.float32
    cases = [((), (3,), r"matmul: both operands need at least 1 dimension, got shapes \(\) and \(3,\)"),
             ((3,), (), r"matmul: both operands need at least 1 dimension, got shapes \(3,\) and \(\)"),
             ((2, 3), (4, 2), r"matmul: shapes \(2, 3\) and \(4, 2\) do not line up \(3 != 4\)"),
             ((2, 2, 3), (3, 3, 2), r"matmul: batch shapes of \(2, 2, 3\) and \(3, 3, 2\) cannot be broadcast "
                                    r"together")]
    for a, b, message in cases:
        with pytest.raises(ValueError, match=f"^{message}$"):
            Tensor(np.ones(a)) @ Tensor(np.ones(b))


# ------------------------------------------------------------------------------------------- dtypes.py

def test_mixed_integer_tensors_stay_integers():
    """Two integer tensors give an integer tensor, never a float one: int64 with uint64 (or uint64 with int8) is
    int64 where numpy says float64 (torch refuses uint64 promotion; uint8 with int8 is int16 as torch)."""
    def added(a, b):
        return (Tensor(np.array([1], dtype=a)) + Tensor(np.array([2], dtype=b))).dtype
    assert added(np.int64, np.uint64) == added(np.uint64, np.int8) == added(np.int32, np.uint32) == np.int64
    assert added(np.uint64, np.uint8) == np.uint64 and added(np.uint8, np.int8) == np.int16


def test_every_number_operand_counts_in_the_result_dtype():
    """With two number operands (clamp's bounds), a float bound in either place makes an integer tensor float32,
    as torch.clamp: [1, 5, 9].clamp(0.5, 6) is [1., 5., 6.]."""
    for low, high, expected in ((0.5, 6, [1.0, 5.0, 6.0]), (2, 6.5, [2.0, 5.0, 6.5])):
        out = Tensor([1, 5, 9]).clamp(low, high)
        assert out.dtype == np.float32 and out.data.tolist() == expected
    assert Tensor([1, 5, 9]).clamp(2, 6).dtype == np.int64
