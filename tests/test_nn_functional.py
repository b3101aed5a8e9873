"""Losses and accuracy: hand-computed values, gradients (gradcheck and PyTorch), stability, and error messages."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import Tensor, Value, gradcheck, nn
from tinygrad_edu.nn import functional as F

RNG = np.random.default_rng(0)
PRED = RNG.standard_normal((6, 3)).astype(np.float32)
TARGET = RNG.standard_normal((6, 3)).astype(np.float32)
PROBS = RNG.uniform(0.05, 0.95, (6, 3)).astype(np.float32)
BITS = RNG.integers(0, 2, (6, 3)).astype(np.float32)
LOGITS = (3 * RNG.standard_normal((6, 4))).astype(np.float32)
LABELS = np.array([0, 3, 1, 2, 3, 0])


def _ours(fn, x, y, reduction):
    t = Tensor(x, requires_grad=True)
    out = fn(t, y, reduction=reduction)
    out.backward(np.ones(out.shape, np.float32) if out.ndim else None)
    return out.data, t.grad


def _theirs(torch, fn, x, y, reduction):
    t = torch.tensor(x, requires_grad=True)
    y_t = torch.tensor(y)
    out = fn(t, y_t, reduction=reduction)
    out.backward(torch.ones_like(out))
    return out.detach().numpy(), t.grad.numpy()


CASES = [
    ("mse_loss", PRED, TARGET),
    ("l1_loss", PRED, TARGET),
    ("binary_cross_entropy", PROBS, BITS),
    ("binary_cross_entropy_with_logits", PRED, BITS),
    ("cross_entropy", LOGITS, LABELS),
    ("nll_loss", np.log(np.full((6, 4), 0.25, np.float32)) + LOGITS / 10, LABELS),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,x,y", CASES, ids=[c[0] for c in CASES])
def test_losses_match_torch(torch, name, x, y, reduction):
    value, grad = _ours(getattr(F, name), x, y, reduction)
    ref_value, ref_grad = _theirs(torch, getattr(torch.nn.functional, name), x, y, reduction)
    np.testing.assert_allclose(value, ref_value, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name,x,y", CASES, ids=[c[0] for c in CASES])
def test_loss_gradients_pass_gradcheck(name, x, y):
    fn = getattr(F, name)
    assert gradcheck(lambda t: fn(t, y), Tensor(x, requires_grad=True))


def test_hand_computed_values():
    p, t = Tensor([1.0, 2.0, 4.0]), [0.0, 2.0, 1.0]
    assert F.mse_loss(p, t).item() == pytest.approx((1 + 0 + 9) / 3)
    assert F.mse_loss(p, t, reduction="sum").item() == pytest.approx(10)
    assert F.l1_loss(p, t).item() == pytest.approx((1 + 0 + 3) / 3)
    np.testing.assert_allclose(F.l1_loss(p, t, reduction="none").data, [1, 0, 3])
    assert F.binary_cross_entropy(Tensor([0.8, 0.4]), [1, 0]).item() == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2, rel=1e-6)
    assert F.binary_cross_entropy_with_logits(Tensor([0.0]), [1]).item() == pytest.approx(math.log(2))
    assert F.cross_entropy(Tensor([[0.0, 0.0]]), [1]).item() == pytest.approx(math.log(2))
    assert F.cross_entropy(Tensor([[2.0, 0.0, 0.0]]), [0]).item() == pytest.approx(
        -math.log(math.e**2 / (math.e**2 + 2)), rel=1e-6)
    assert F.nll_loss(Tensor([[-1.0, -2.0], [-3.0, -4.0]]), [1, 0]).item() == pytest.approx(2.5)


def test_bce_clamps_log_at_minus_100_with_finite_gradient():
    p = Tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(p, [1, 0, 0, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0])
    loss.sum().backward()
    assert np.isfinite(p.grad).all()


def test_bce_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\], got values from -0.5 to 2"):
        F.binary_cross_entropy(Tensor([-0.5, 2.0]), [0, 1])


def test_bce_with_logits_is_stable_and_has_the_right_gradient_at_zero():
    x = Tensor([1e4, -1e4, 1e4, -1e4, 0.0, 0.0], requires_grad=True)
    y = [1, 0, 0, 1, 1, 0]
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0, 0, 1e4, 1e4, math.log(2), math.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad, [0, 0, 1, -1, -0.5, 0.5])  # sigmoid(x) - y


def test_cross_entropy_is_stable_for_huge_logits(torch):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], np.float32)
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, [1, 2])
    loss.backward()
    ref = torch.tensor(logits, requires_grad=True)
    ref_loss = torch.nn.functional.cross_entropy(ref, torch.tensor([1, 2]))
    ref_loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad).all()
    assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-6)
    np.testing.assert_allclose(x.grad, ref.grad.numpy(), atol=1e-6)


def test_cross_entropy_huge_logits_without_torch():
    loss = F.cross_entropy(Tensor([[1e4, -1e4], [0.0, 1e4]]), [1, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, 0.0])


def test_hinge_loss_on_tensors_and_on_values_agree():
    scores, y = [2.0, 0.5, -0.3, -3.0], [1, 1, 1, -1]
    expected = [0.0, 0.5, 1.3, 0.0]
    np.testing.assert_allclose(F.hinge_loss(Tensor(scores), y, reduction="none").data, expected, rtol=1e-6)
    assert F.hinge_loss(Tensor(scores).reshape(4, 1), y).item() == pytest.approx(np.mean(expected))
    values = [Value(s) for s in scores]
    loss = F.hinge_loss(values, y)
    assert isinstance(loss, Value) and loss.data == pytest.approx(np.mean(expected))
    assert F.hinge_loss(values, y, reduction="sum").data == pytest.approx(sum(expected))
    assert [v.data for v in F.hinge_loss(values, y, reduction="none")] == pytest.approx(expected)
    loss.backward()
    t = Tensor(scores, requires_grad=True)
    F.hinge_loss(t, y).backward()
    np.testing.assert_allclose([v.grad for v in values], t.grad, rtol=1e-6)
    np.testing.assert_allclose(t.grad, [0, -0.25, -0.25, 0])


def test_hinge_loss_explains_label_and_shape_errors():
    with pytest.raises(ValueError, match="labels -1 or \\+1, got 0; convert 0/1 labels with y \\* 2 - 1"):
        F.hinge_loss(Tensor([1.0, 2.0]), [0, 1])
    with pytest.raises(ValueError, match="3 scores but 2 labels"):
        F.hinge_loss(Tensor([1.0, 2.0, 3.0]), [1, -1])
    with pytest.raises(ValueError, match="3 scores but 2 labels"):
        F.hinge_loss([Value(1.0)] * 3, [1, -1])
    with pytest.raises(ValueError, match="one score per sample"):
        F.hinge_loss(Tensor(np.zeros((2, 2))), [1, -1])


def test_accuracy_rules():
    logits = Tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 5.0], [1.0, 3.0, 0.0], [0.0, 1.0, 0.0]])
    assert F.accuracy(logits, [0, 2, 0, 1]) == 0.75
    assert F.accuracy(Tensor([0.5, -2.0, 0.1]), [1, -1, -1]) == pytest.approx(2 / 3)  # sign vs -1/+1
    assert F.accuracy(Tensor([[0.5], [-2.0], [0.1]]), np.array([1, 0, 0])) == pytest.approx(2 / 3)  # > 0 vs 0/1
    assert F.accuracy(np.array([0.9, 0.4, 0.6]), [1, 0, 0], threshold=0.5) == pytest.approx(2 / 3)
    assert F.accuracy([Value(1.0), Value(-1.0)], [1, 1]) == 0.5
    with pytest.raises(ValueError, match="3 predictions but 2 labels"):
        F.accuracy(Tensor([1.0, 2.0, 3.0]), [1, 0])
    with pytest.raises(TypeError, match="float32"):
        F.accuracy(logits, np.array([0, 2, 0, 1], np.float32))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_label_errors(name):
    fn = getattr(F, name)
    x = Tensor(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="label 4 is out of range for 4 classes"):
        fn(x, [0, 4, 1])
    with pytest.raises(ValueError, match="label -1 is out of range for 4 classes"):
        fn(x, [0, -1, 1])
    with pytest.raises(TypeError, match="integer class labels .* dtype float64"):
        fn(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="batch sizes differ: input has 3 samples, target has 2 labels"):
        fn(x, [0, 1])
    with pytest.raises(ValueError, match="shape \\(batch, classes\\), got shape \\(4,\\)"):
        fn(Tensor(np.zeros(4)), [1])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_shape_errors_name_both_shapes(name):
    fn = getattr(F, name)
    with pytest.raises(ValueError, match=r"batch sizes differ: input has 4 samples \(shape \(4, 1\)\), target has 3"):
        fn(Tensor(np.full((4, 1), 0.5)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"input has shape \(4, 1\) but target has shape \(4,\)"):
        fn(Tensor(np.full((4, 1), 0.5)), np.zeros(4))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "cross_entropy", "nll_loss", "hinge_loss"])
def test_unknown_reduction(name):
    with pytest.raises(ValueError, match="unknown reduction 'avg'; choose one of"):
        getattr(F, name)(Tensor([[0.5, 0.5]]), [1], reduction="avg")


def test_loss_classes_call_the_functions():
    x, y = Tensor(LOGITS), LABELS
    assert nn.CrossEntropyLoss()(x, y).item() == F.cross_entropy(x, y).item()
    assert nn.NLLLoss(reduction="sum")(x.log_softmax(), y).item() == F.nll_loss(x.log_softmax(), y, "sum").item()
    assert nn.MSELoss()(Tensor(PRED), TARGET).item() == F.mse_loss(Tensor(PRED), TARGET).item()
    assert nn.L1Loss(reduction="sum")(Tensor(PRED), TARGET).item() == F.l1_loss(Tensor(PRED), TARGET, "sum").item()
    assert nn.BCELoss()(Tensor(PROBS), BITS).item() == F.binary_cross_entropy(Tensor(PROBS), BITS).item()
    assert nn.BCEWithLogitsLoss()(Tensor(PRED), BITS).item() == F.binary_cross_entropy_with_logits(Tensor(PRED), BITS).item()
    assert nn.HingeLoss()(Tensor([0.5]), [1]).item() == 0.5
    assert nn.HingeLoss(reduction="none")(Tensor([0.5, 2.0]), [1, 1]).shape == (2,)
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError, match="unknown reduction"):
        nn.MSELoss(reduction="avg")


def test_functional_activations():
    x = Tensor([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(F.relu(x).data, [[0, 0, 2]])
    np.testing.assert_allclose(F.tanh(x).data, np.tanh(x.data))
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-x.data)), rtol=1e-6)
    np.testing.assert_allclose(F.softmax(x, dim=1).data.sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.exp(F.log_softmax(x, dim=1).data), F.softmax(x, dim=1).data, rtol=1e-6)
    np.testing.assert_allclose(F.softplus(Tensor([-1e4, 0.0, 1e4])).data, [0.0, math.log(2), 1e4], rtol=1e-6)


@given(
    arrays(np.float32, st.tuples(st.integers(1, 5), st.integers(2, 5)),
           elements=st.floats(-1e4, 1e4, width=32, allow_nan=False)),
    st.data(),
)
def test_cross_entropy_gradient_is_softmax_minus_one_hot(logits, data):
    n, c = logits.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, labels)
    loss.backward()
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    assert np.isfinite(loss.item())
    assert loss.item() == pytest.approx(-log_probs[np.arange(n), labels].mean(), rel=1e-5, abs=1e-5)
    np.testing.assert_allclose(x.grad, (probs - np.eye(c)[labels]) / n, atol=1e-5)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_op_gradients(x_shape, with_bias):
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True) if with_bias else None
    if with_bias:
        assert gradcheck(lambda x, w, b: F.linear(x, w, b), x, w, b)
    else:
        assert gradcheck(lambda x, w: F.linear(x, w), x, w)
    expected = x.data @ w.data.T + (b.data if with_bias else 0)
    assert np.allclose(F.linear(x, w, b).data, expected, atol=1e-6)


def test_linear_op_matches_torch(torch):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    ours = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    (F.linear(*ours) ** 2).sum().backward()
    (torch.nn.functional.linear(*theirs) ** 2).sum().backward()
    for o, t in zip(ours, theirs):
        assert np.allclose(o.grad, t.grad.numpy(), atol=1e-12)


def test_linear_op_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(2, 3\)"):
        F.linear(Tensor(np.ones((4, 5))), Tensor(np.ones((2, 3))))


def test_linear_refuses_integer_input_with_advice():
    with pytest.raises(TypeError, match="int64.*float32"):
        nn.Linear(2, 3)(Tensor([[1, 2]]))
