"""nn.to_torch and load_state_dict(torch_state_dict): the same outputs (to 1e-6), the same state_dict keys and
shapes, train/eval modes carried over, training continued on either side, clear errors. Skipped without torch
(except the error for a missing torch)."""

import sys

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn

X = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)


def _zoo():
    """One model per supported layer kind (each inside a Sequential or an MLP)."""
    return {
        "linear": nn.Linear(4, 3, seed=0),
        "mlp-relu": nn.MLP([4, 8, 3], seed=1),
        "mlp-tanh": nn.MLP([4, 8, 8, 3], activation="tanh", seed=2),
        "mlp-gelu": nn.MLP([4, 8, 3], activation="gelu", seed=3),
        "activations": nn.Sequential(nn.Linear(4, 6, seed=4), nn.LeakyReLU(0.2), nn.Linear(6, 6, seed=5), nn.ELU(0.7),
                                     nn.Linear(6, 6, seed=6), nn.SiLU(), nn.Softplus(2.0, 5.0), nn.GELU("tanh"),
                                     nn.Sigmoid(), nn.LogSigmoid(), nn.Tanh(), nn.Linear(6, 3, seed=7),
                                     nn.LogSoftmax(dim=1)),
        "norms": nn.Sequential(nn.Linear(4, 5, seed=8), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(0.3, seed=0),
                               nn.LayerNorm(5), nn.Linear(5, 3, seed=9), nn.Softmax(dim=-1)),
        "flatten": nn.Sequential(nn.Flatten(), nn.Linear(4, 2, seed=10)),
    }


@pytest.mark.parametrize("name", sorted(_zoo()))
def test_to_torch_gives_the_same_module(torch, name):
    model = _zoo()[name]
    if name == "norms":  # non-trivial running statistics and affine parameters first
        model(X * 3 + 1)
        model(X)
        model[1].weight.data[...] = np.linspace(0.5, 1.5, 5)
    model.eval()
    converted = nn.to_torch(model)
    assert isinstance(converted, torch.nn.Module) and not converted.training
    ours, theirs = model.state_dict(), converted.state_dict()
    assert list(ours) == list(theirs)
    for key in ours:
        assert tuple(theirs[key].shape) == ours[key].shape
        np.testing.assert_array_equal(theirs[key].numpy(), ours[key])
    expected = converted(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(model(X).data, expected, rtol=1e-6, atol=1e-6)


def test_modes_and_dtypes_carry_over(torch):
    model = nn.Sequential(nn.Linear(4, 3, seed=0), nn.Dropout(0.5))
    assert nn.to_torch(model).training and nn.to_torch(model)[1].training
    model.eval()
    assert not nn.to_torch(model)[1].training
    wide = nn.Linear(4, 2, seed=0)
    wide.weight = Tensor(wide.weight.data.astype(np.float64), requires_grad=True, dtype=np.float64)
    wide.bias = Tensor(wide.bias.data.astype(np.float64), requires_grad=True, dtype=np.float64)
    assert nn.to_torch(wide).weight.dtype == torch.float64


def test_training_continues_in_torch_and_comes_back(torch):
    """Train there, load the torch state_dict back here: the same outputs and the same buffers."""
    model = nn.Sequential(nn.Linear(4, 8, seed=0), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 2, seed=1))
    converted = nn.to_torch(model)
    opt = torch.optim.SGD(converted.parameters(), lr=0.1)
    y = torch.tensor([0, 1, 1, 0, 1, 0])
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(converted(torch.tensor(X)), y).backward()
        opt.step()
    result = model.load_state_dict(converted.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert int(model[1].num_batches_tracked.data) == 5
    model.eval()
    converted.eval()
    np.testing.assert_allclose(model(X).data, converted(torch.tensor(X)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_load_state_dict_accepts_torch_parameters_that_require_grad(torch):
    theirs = torch.nn.Linear(4, 3)
    ours = nn.Linear(4, 3, seed=0)
    ours.load_state_dict({"weight": theirs.weight, "bias": theirs.bias})  # Parameters, not detached
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: the state dict has shape \(3, 5\)"):
        ours.load_state_dict(torch.nn.Linear(5, 3).state_dict())


def test_unknown_modules_are_explained(torch):
    class Net(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2, seed=0)

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(TypeError, match="to_torch does not know how to convert Net: it converts"):
        nn.to_torch(Net())
    with pytest.raises(TypeError, match="to_torch takes a Module"):
        nn.to_torch([nn.Linear(2, 2)])


def test_a_missing_torch_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match="to_torch needs PyTorch: pip install torch"):
        nn.to_torch(nn.Linear(2, 2))
