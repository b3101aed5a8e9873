"""Specifications that kill the mutants of the Tensor core (`tinygrad_edu/tensor/`: core, arithmetic, broadcast,
unary, reduce, matmul, movement, softmax, dtypes) that survived the fast suite (docs/mutation-tensorcore.md lists
them). As tests/test_mutation_kills.py: random incoming gradients (not 1), every input used twice, float64 central
differences; then what a gradient check does not see: dtypes, shapes, both argument spellings, op names that
pictures show, which inputs record a graph, errors that name the op.
"""

import contextlib
import math
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor

RNG = np.random.default_rng(2026)
K = -0.4111  # the weight of the second use of each input


def numeric(f, x, h=1e-6):
    """d f / d x by central differences for an ndarray of float64 (changed in place, then restored)."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        out[i] = (up - down) / (2 * h)
    return out


def check_grads(f, *arrays, rtol=1e-5, atol=1e-8):
    """Backward of sum(f(*inputs) * gout) + K * sum(inputs), gout random, against central differences."""
    inputs = [Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    out = f(*inputs)
    gout = RNG.uniform(-2, 2, out.shape)
    total = (out * Tensor(gout, dtype=np.float64)).sum()
    for t in inputs:
        total = total + (t * K).sum()
    total.backward()
    for i, t in enumerate(inputs):
        def scalar(x, i=i):
            args = [Tensor(x if j == i else a, dtype=np.float64) for j, a in enumerate(arrays)]
            return float((f(*args).data * gout).sum()) + K * float(x.sum())
        expected = numeric(scalar, np.array(arrays[i], dtype=np.float64))
        assert t.grad is not None and t.grad.dtype == np.float64 and t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, expected, rtol=rtol, atol=atol * max(1.0, np.abs(expected).max()))


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
    expected = [-1000.0 + math.log1p(math.exp(-0.5)), 1.0 + math.log1p(math.exp(-1.0)), 800.0 + math.log1p(math.exp(-1.0))]
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    np.testing.assert_allclose(Tensor(x.T, dtype=np.float64).logsumexp(dim=0).data, expected, rtol=1e-14)


def test_logsumexp_keeps_float32_and_is_quiet_on_infinite_rows(torch):
    """float32 in, float32 out; a row of -inf gives -inf and a row with +inf gives +inf, with no numpy warning
    (as torch.logsumexp)."""
    x = np.array([[-np.inf, -np.inf], [1.0, 2.0], [np.inf, 0.0], [np.inf, -np.inf]], dtype=np.float32)
    with quietly():
        out = Tensor(x).logsumexp(dim=1)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, torch.from_numpy(x).logsumexp(dim=1).numpy())
    with quietly():
        assert Tensor(x[:1]).logsumexp().item() == -np.inf


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
