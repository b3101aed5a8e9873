"""Dropout, BatchNorm1d and LayerNorm: chain rules against central differences (random incoming gradients),
values, gradients and running statistics against PyTorch, train/eval behaviour, seeding and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F

from .nn_parity import check_torch, check_vjp
from .strategies import uses_torch


@st.composite
def norm_problems(draw, kind):
    """x, weight, bias, g for batch_norm ((N, C) or (N, C, L)) or layer_norm (normalising the last 1 or 2 axes)."""
    if kind == "batch":
        shape = draw(st.sampled_from([(3, 2), (4, 3), (2, 2, 3), (3, 1, 2)]))
        pshape = (shape[1],)
    else:
        shape = draw(st.sampled_from([(2, 3), (3, 4), (2, 2, 3), (1, 3, 2)]))
        pshape = shape[-draw(st.integers(1, 2)):]
    x = draw(arrays(np.float64, shape, elements=st.floats(-3, 3)))
    x = x + np.random.default_rng(0).uniform(-1, 1, shape)  # no constant slice: its variance would be 0
    w = draw(arrays(np.float64, pshape, elements=st.floats(-2, 2)))
    b = draw(arrays(np.float64, pshape, elements=st.floats(-2, 2)))
    g = draw(arrays(np.float64, shape, elements=st.floats(-2, 2)))
    return x, w, b, g


@given(norm_problems("batch"))
def test_batch_norm_chain_rule(problem):
    x, w, b, g = problem
    check_vjp(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b], g, rtol=1e-4, atol=1e-5)


@given(norm_problems("layer"))
def test_layer_norm_chain_rule(problem):
    x, w, b, g = problem
    check_vjp(lambda x, w, b: F.layer_norm(x, w.shape, w, b), [x, w, b], g, rtol=1e-4, atol=1e-5)


@uses_torch
@given(norm_problems("batch"))
def test_batch_norm_matches_torch(torch, problem):
    x, w, b, g = problem
    check_torch(torch, lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                lambda x, w, b: torch.nn.functional.batch_norm(x, None, None, w, b, training=True), [x, w, b], g,
                rtol=1e-9, atol=1e-10)


@uses_torch
@given(norm_problems("batch"))
def test_batch_norm_eval_matches_torch(torch, problem):
    x, w, b, g = problem
    c = w.shape[0]
    mean, var = np.linspace(-1, 1, c), np.linspace(0.5, 2, c)
    check_torch(torch, lambda x, w, b: F.batch_norm(x, Tensor(mean, dtype=np.float64), Tensor(var, dtype=np.float64),
                                                   w, b),
                lambda x, w, b: torch.nn.functional.batch_norm(x, torch.tensor(mean), torch.tensor(var), w, b),
                [x, w, b], g, rtol=1e-9, atol=1e-10)
    check_vjp(lambda x, w, b: F.batch_norm(x, Tensor(mean, dtype=np.float64), Tensor(var, dtype=np.float64), w, b),
              [x, w, b], g)


@uses_torch
@given(norm_problems("layer"))
def test_layer_norm_matches_torch(torch, problem):
    x, w, b, g = problem
    check_torch(torch, lambda x, w, b: F.layer_norm(x, w.shape, w, b),
                lambda x, w, b: torch.nn.functional.layer_norm(x, w.shape, w, b), [x, w, b], g, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm1d_module_tracks_running_stats_as_torch(torch, shape, momentum):
    rng = np.random.default_rng(1)
    ours = nn.BatchNorm1d(3, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(3, momentum=momentum)
    ours.weight.data[...] = rng.uniform(0.5, 2, 3)
    ours.bias.data[...] = rng.uniform(-1, 1, 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    for _ in range(3):
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert int(ours.num_batches_tracked.data) == 3  # eval batches do not count


def test_batchnorm1d_state_dict_and_parameters():
    bn = nn.BatchNorm1d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    bn(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    other = nn.BatchNorm1d(4)
    other.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(other.running_mean.data, bn.running_mean.data)
    assert int(other.num_batches_tracked.data) == 1
    bare = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert bare.parameters() == [] and bare.state_dict() == {}
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    out = bare.eval()(x).data  # no running stats: always the batch's
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-6)


def test_batchnorm1d_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3\) or \(N, 3, L\), got \(2, 4\)"):
        nn.BatchNorm1d(3)(np.ones((2, 4), np.float32))
    nn.BatchNorm1d(3).eval()(np.ones((1, 3), np.float32))  # fine in eval mode


def test_layernorm_module_matches_torch(torch):
    rng = np.random.default_rng(2)
    ours, theirs = nn.LayerNorm((3, 4), eps=1e-3), torch.nn.LayerNorm((3, 4), eps=1e-3)
    ours.weight.data[...] = rng.uniform(0.5, 2, (3, 4))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    out = ours(x)
    np.testing.assert_allclose(out.data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
    assert nn.LayerNorm(4, elementwise_affine=False).parameters() == []
    with pytest.raises(ValueError, match=r"normalized_shape \(5,\) must be the last axes"):
        ours2 = nn.LayerNorm(5)
        ours2(x)


# ----------------------------------------------------------------------------------------------- dropout


def test_dropout_scales_the_kept_entries_and_routes_the_gradient():
    x = Tensor(np.full((200, 50), 2.0), requires_grad=True, dtype=np.float64)
    layer = nn.Dropout(0.3, seed=0)
    out = layer(x)
    kept = out.data != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out.data[kept], 2.0 / 0.7)
    g = np.random.default_rng(0).uniform(-1, 1, x.shape)
    out.backward(g)
    np.testing.assert_allclose(x.grad, np.where(kept, g / 0.7, 0.0))


def test_dropout_is_off_in_eval_mode_and_seedable():
    x = Tensor(np.ones((4, 5)))
    model = nn.Sequential(nn.Linear(5, 5, seed=0), nn.Dropout(0.5, seed=3))
    model.eval()
    a, b = model(x).data, model(x).data
    np.testing.assert_array_equal(a, b)
    model.train()
    assert not np.array_equal(model(x).data, model(x).data)  # fresh masks each call
    first = nn.Dropout(0.5, seed=7)(x).data
    np.testing.assert_array_equal(first, nn.Dropout(0.5, seed=7)(x).data)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)


def test_dropout_errors():
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(Tensor([1.0]), -0.1)
