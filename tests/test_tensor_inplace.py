"""In-place operators as in PyTorch: the hand-written update trains, a leaf that requires grad refuses while
recording, a non-leaf records the op, and backward refuses an op whose input was overwritten afterwards."""

import numpy as np
import pytest
from hypothesis import given

from tinygrad_edu import Tensor, gradcheck, no_grad
from tests.strategies import assert_close, float64_arrays, floats, shapes

INPLACE = {"+=": lambda a, b: a.__iadd__(b), "-=": lambda a, b: a.__isub__(b), "*=": lambda a, b: a.__imul__(b),
           "/=": lambda a, b: a.__itruediv__(b), "add_": lambda a, b: a.add_(b), "sub_": lambda a, b: a.sub_(b),
           "mul_": lambda a, b: a.mul_(b), "div_": lambda a, b: a.div_(b)}
OUT_OF_PLACE = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}
SAME = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "add_": "+", "sub_": "-", "mul_": "*", "div_": "/"}


def test_hand_written_update_under_no_grad_trains_the_same_parameter():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((32, 3)))
    y = x @ Tensor([1.5, -2.0, 0.5])
    w = Tensor(np.zeros(3), requires_grad=True)
    original = w
    losses = []
    for _ in range(50):
        loss = ((x @ w - y) ** 2).mean()
        w.zero_grad()
        loss.backward()
        with no_grad():
            w -= 0.1 * w.grad
        losses.append(loss.item())
    assert w is original and w.requires_grad and w.is_leaf
    assert losses[-1] < 1e-3 * losses[0]
    assert_close(w.data, [1.5, -2.0, 0.5], rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_leaf_that_requires_grad_refuses_while_recording_naming_the_fix(name):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"no_grad\(\).*\.data"):
        INPLACE[name](w, 2.0)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_changes_the_same_array_and_matches_the_out_of_place_op(name):
    a = Tensor([[1.0, 2.0], [3.0, 4.0]])
    array = a.data
    expected = OUT_OF_PLACE[SAME[name]](a, Tensor([2.0, 4.0])).data.copy()
    assert INPLACE[name](a, Tensor([2.0, 4.0])) is a
    assert a.data is array and a.dtype == np.float32
    np.testing.assert_array_equal(a.data, expected)


def test_zero_and_fill_change_the_same_array():
    a = Tensor([1.0, 2.0])
    array = a.data
    assert a.fill_(3.5) is a and a.data is array
    np.testing.assert_array_equal(a.data, [3.5, 3.5])
    a.zero_()
    np.testing.assert_array_equal(a.data, [0.0, 0.0])
    with no_grad():
        w = Tensor([1.0, 2.0], requires_grad=True)
        w.zero_()
    assert w.requires_grad and not w.data.any()


def test_inplace_dtype_and_shape_rules_follow_torch():
    ints = Tensor([1, 2])
    ints += 3
    assert ints.dtype == np.int64 and ints.data.tolist() == [4, 5]
    with pytest.raises(TypeError, match="int64"):
        ints /= 2
    with pytest.raises(TypeError, match="int64"):
        ints += 0.5
    f = Tensor([1.0, 2.0])
    f += Tensor([0.5, 0.5], dtype=np.float64)
    assert f.dtype == np.float32
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(2,\)"):
        f += Tensor(np.ones((2, 2)))


@pytest.mark.parametrize("name", sorted(OUT_OF_PLACE))
@given(a=shapes.flatmap(lambda s: float64_arrays(s, floats(0.5, 2.0))))
def test_nonleaf_inplace_records_the_op_gradcheck(name, a):
    """y = x * 1.5; y OP= x; y is the op's output: its gradient equals the out-of-place op's."""
    symbol = {"+": "+=", "-": "-=", "*": "*=", "/": "/="}[name]

    def fn(x):
        y = x * 1.5
        INPLACE[symbol](y, x)
        return y

    assert gradcheck(fn, Tensor(a, requires_grad=True, dtype=np.float64))


def test_nonleaf_inplace_with_itself_and_a_constant():
    x = Tensor([1.0, 3.0], requires_grad=True, dtype=np.float64)
    y = x * 2
    y *= y  # 4 x^2
    y += 1
    y.backward(np.array([1.0, -2.0]))
    assert_close(x.grad, [8.0, -48.0])
    c = Tensor([1.0, 1.0])  # a constant that becomes part of the graph, as in torch
    c += x
    assert c.requires_grad and not c.is_leaf


def test_nonleaf_inplace_matches_torch(torch):
    xs = np.array([0.5, -1.0, 2.0])
    seed = np.array([1.0, -0.5, 2.0])
    x = Tensor(xs, requires_grad=True, dtype=np.float64)
    y = x * 3
    y += x * x
    y *= 2.0
    y -= x.exp()
    y /= 4.0
    y.backward(seed)
    tx = torch.tensor(xs, requires_grad=True)
    ty = tx * 3
    ty += tx * tx
    ty *= 2.0
    ty -= tx.exp()
    ty /= 4.0
    ty.backward(torch.from_numpy(seed))
    assert_close(y.data, ty.detach().numpy())
    assert_close(x.grad, tx.grad.numpy())


def test_backward_refuses_an_input_overwritten_after_use(torch):
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    z = x * 2
    out = z * w  # needs z's value for w's gradient
    z += 1
    with pytest.raises(RuntimeError, match="in-place"):
        out.sum().backward()
    tx, tw = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0], requires_grad=True)
    tz = tx * 2
    tout = tz * tw
    tz += 1
    with pytest.raises(RuntimeError, match="inplace"):
        tout.sum().backward()


def test_backward_refuses_a_parameter_updated_before_backward():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with no_grad():
        w -= 0.5
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()
    (w * w).sum().backward()  # a graph built after the update is fine
    assert_close(w.grad, [1.0, 3.0])


def test_a_graph_built_after_updates_is_not_refused():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        loss = (w * 3).sum()
        w.zero_grad()
        loss.backward()
        with no_grad():
            w -= 0.1 * w.grad
    assert_close(w.data, [0.1, 1.1], rtol=1e-6)


def test_fill_stores_the_number_in_the_tensors_dtype_as_torch():
    """fill_ converts the number to the tensor's dtype, as torch: 2.7 in an int tensor is 2, -2.7 is -2."""
    a = Tensor(np.array([1, 2, 3]))
    assert a.fill_(2.7).data.tolist() == [2, 2, 2] and a.dtype == np.int64
    assert a.fill_(-2.7).data.tolist() == [-2, -2, -2]
    b = Tensor(np.array([True, False]))
    assert b.fill_(2.7).data.tolist() == [True, True]
