"""nn.init: PyTorch's gains, fans and ranges (checked against torch.nn.init's draws), in-place filling, seeding,
and Linear's default initialisation."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import init

NONLINEARITIES = [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                  ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None), ("conv2d", None)]


@pytest.mark.parametrize("name,param", NONLINEARITIES)
def test_gains_match_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (2, 3, 4, 5)])
def test_fans_match_torch(torch, shape):
    ours = init._calculate_fan_in_and_fan_out(Tensor(np.zeros(shape)))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


SHAPE = (400, 250)
UNIFORM = [
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 5 / 3}),
    ("uniform_", {"a": -0.3, "b": 0.7}),
]
NORMAL = [
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("xavier_normal_", {"gain": 2.0}),
    ("normal_", {"mean": 0.5, "std": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", UNIFORM, ids=[f"{n}{k}" for n, k in UNIFORM])
def test_uniform_ranges_match_torch(torch, name, kwargs):
    """Same interval as torch's draw (each end within 0.5% of torch's extreme over 100,000 draws)."""
    ours = getattr(init, name)(Tensor(np.zeros(SHAPE, np.float32)), generator=0, **kwargs).data
    theirs = getattr(torch.nn.init, name)(torch.zeros(SHAPE), **kwargs).numpy()
    assert ours.dtype == np.float32
    scale = theirs.max() - theirs.min()
    assert abs(ours.min() - theirs.min()) < 0.005 * scale and abs(ours.max() - theirs.max()) < 0.005 * scale


@pytest.mark.parametrize("name,kwargs", NORMAL, ids=[f"{n}{k}" for n, k in NORMAL])
def test_normal_spreads_match_torch(torch, name, kwargs):
    ours = getattr(init, name)(Tensor(np.zeros(SHAPE, np.float32)), generator=1, **kwargs).data
    theirs = getattr(torch.nn.init, name)(torch.zeros(SHAPE), **kwargs).numpy()
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.02 * float(theirs.std()))


def test_kaiming_and_xavier_by_hand():
    w = init.kaiming_uniform_(Tensor(np.zeros((300, 100))), nonlinearity="relu", generator=0).data
    bound = math.sqrt(2) * math.sqrt(3 / 100)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    w = init.xavier_uniform_(Tensor(np.zeros((300, 100))), generator=0).data
    assert np.abs(w).max() <= math.sqrt(6 / 400)
    assert init.kaiming_normal_(Tensor(np.zeros((500, 400))), generator=0).data.std() == \
        pytest.approx(math.sqrt(2 / (1 + 0)) / math.sqrt(400), rel=0.01)


def test_fill_in_place_and_constants():
    t = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    data = t.data
    assert init.zeros_(t) is t and t.data is data and (t.data == 0).all()
    init.ones_(t)
    assert (t.data == 1).all()
    init.constant_(t, 0.25)
    assert (t.data == 0.25).all() and t.data.dtype == np.float32


def test_seeding_is_reproducible():
    a = init.normal_(Tensor(np.zeros((3, 4))), generator=5).data
    b = init.normal_(Tensor(np.zeros((3, 4))), generator=np.random.default_rng(5)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, init.normal_(Tensor(np.zeros((3, 4))), generator=6).data)


def test_linear_default_is_torchs_uniform_and_seeded():
    layer = nn.Linear(64, 300, seed=0)
    bound = 1 / math.sqrt(64)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.97 * bound
    np.testing.assert_array_equal(layer.weight.data, nn.Linear(64, 300, seed=0).weight.data)
    rng = np.random.default_rng(0)  # the draw order: weight first, then bias, from one generator
    np.testing.assert_array_equal(layer.weight.data, rng.uniform(-bound, bound, (300, 64)).astype(np.float32))
    np.testing.assert_array_equal(layer.bias.data, rng.uniform(-bound, bound, 300).astype(np.float32))


def test_linear_default_matches_torch_spread(torch):
    ours = nn.Linear(200, 500, seed=0).weight.data
    theirs = torch.nn.Linear(200, 500).weight.detach().numpy()
    assert ours.std() == pytest.approx(theirs.std(), rel=0.01)
    assert abs(np.abs(ours).max() - np.abs(theirs).max()) < 1e-3


def test_init_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_normal_(Tensor(np.zeros((2, 2))), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(TypeError, match="fills a Tensor in place"):
        init.zeros_(np.zeros(3))
