"""Module discovery and modes, Linear, Sequential, activations, the MLP builder, state dicts."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck, nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 3, seed=0)
        self.blocks = [nn.Linear(3, 3, seed=1), (nn.Tanh(), nn.Linear(3, 3, seed=2))]
        self.scale = Tensor([2.0], requires_grad=True)
        self.constant = Tensor([1.0, 2.0])  # no requires_grad: not a parameter
        self.sizes = [2, 3]  # plain numbers are ignored

    def forward(self, x):
        x = self.blocks[0](self.hidden(x))
        act, lin = self.blocks[1]
        return lin(act(x)) * self.scale


def test_parameters_are_found_in_attributes_modules_lists_and_tuples():
    names = [name for name, _ in Net().named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.1.weight", "blocks.1.1.bias", "scale"]
    net = Net()
    assert net.parameters() == [p for _, p in net.named_parameters()]


def test_shared_parameter_is_listed_once():
    class Tied(nn.Module):
        def __init__(self):
            self.a = nn.Linear(2, 2)
            self.b = self.a

    assert len(Tied().parameters()) == 2


def test_module_works_without_calling_super_init():
    class Plain(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 1)

        def forward(self, x):
            return self.lin(x)

    m = Plain()
    assert m.training and m(Tensor(np.ones((4, 2)))).shape == (4, 1)
    assert not m.eval().training and not m.lin.training


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(Tensor([1.0]))


def test_train_and_eval_switch_every_submodule():
    net = Net().eval()
    assert all(not m.training for _, m in net.named_modules())
    net.train()
    assert all(m.training for _, m in net.named_modules())
    assert [name for name, _ in net.named_modules()] == ["", "hidden", "blocks.0", "blocks.1.0", "blocks.1.1"]


def test_zero_grad_clears_all_grads():
    net = Net()
    net(Tensor(np.ones((2, 2)))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


# --------------------------------------------------------------------------------------------------- Linear


def test_linear_shapes_init_and_forward():
    lin = nn.Linear(4, 3, seed=0)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float32 and lin.weight.requires_grad
    assert np.abs(lin.weight.data).max() <= 0.5 and np.abs(lin.bias.data).max() <= 0.5  # 1/sqrt(4)
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(lin(Tensor(x)).data, x @ lin.weight.data.T + lin.bias.data, rtol=1e-6)
    np.testing.assert_allclose(lin(x).data, lin(Tensor(x)).data)  # arrays are accepted too


def test_linear_seed_and_default_init_spread():
    assert np.array_equal(nn.Linear(10, 5, seed=3).weight.data, nn.Linear(10, 5, seed=3).weight.data)
    assert not np.array_equal(nn.Linear(10, 5).weight.data, nn.Linear(10, 5).weight.data)
    w = nn.Linear(100, 400, seed=0).weight.data
    assert abs(w.std() - 0.1 / np.sqrt(3)) < 0.002  # U(-0.1, 0.1) has std 0.1/sqrt(3)


def test_linear_without_bias():
    lin = nn.Linear(3, 2, bias=False, seed=0)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(lin(x).data, x @ lin.weight.data.T)
    assert repr(lin) == "Linear(in_features=3, out_features=2, bias=False)"


def test_linear_rejects_wrong_input_width_naming_shapes():
    with pytest.raises(ValueError, match=r"Linear\(4, 3\) expects .* 4 features, got shape \(2, 5\)"):
        nn.Linear(4, 3)(Tensor(np.zeros((2, 5))))
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(0, 3)


def test_linear_gradients_pass_gradcheck():
    lin = nn.Linear(3, 2, seed=0)
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    w, b = lin.weight, lin.bias
    assert gradcheck(lambda x, w, b: (x @ w.T + b).tanh(), x, w, b)


def test_linear_matches_torch(torch):
    lin = nn.Linear(5, 3, seed=0)
    ref = torch.nn.Linear(5, 3)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(lin.weight.data))
        ref.bias.copy_(torch.from_numpy(lin.bias.data))
    x = np.random.default_rng(2).standard_normal((6, 5)).astype(np.float32)
    out = lin(Tensor(x))
    (out * out).sum().backward()
    ref_out = ref(torch.from_numpy(x))
    (ref_out * ref_out).sum().backward()
    np.testing.assert_allclose(out.data, ref_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lin.weight.grad, ref.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(lin.bias.grad, ref.bias.grad.numpy(), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------------------- activations


def test_activation_modules_match_numpy():
    x = np.array([[-2.0, 0.0, 3.0], [1.0, -1.0, 0.5]], np.float32)
    np.testing.assert_allclose(nn.ReLU()(Tensor(x)).data, np.maximum(x, 0))
    np.testing.assert_allclose(nn.Tanh()(Tensor(x)).data, np.tanh(x), rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(Tensor(x)).data, 1 / (1 + np.exp(-x)), rtol=1e-6)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(nn.Softmax(dim=1)(Tensor(x)).data, e / e.sum(axis=1, keepdims=True), rtol=1e-6)
    e0 = np.exp(x - x.max(axis=0, keepdims=True))
    np.testing.assert_allclose(nn.Softmax(dim=0)(Tensor(x)).data, e0 / e0.sum(axis=0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(Tensor(x)).data, np.log(e / e.sum(axis=1, keepdims=True)),
                               rtol=1e-5, atol=1e-6)
    assert repr(nn.Softmax(dim=0)) == "Softmax(dim=0)"


def test_flatten_merges_trailing_axes_and_keeps_gradient_shape():
    x = Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4), requires_grad=True)
    out = nn.Flatten()(x)
    assert out.shape == (2, 12)
    out.sum().backward()
    assert x.grad.shape == (2, 3, 4)
    assert nn.Flatten(start_dim=0)(x).shape == (24,)


# --------------------------------------------------------------------------------------------------- Sequential, MLP


def test_sequential_indexing_naming_and_forward():
    seq = nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = Tensor(np.ones((3, 2), np.float32))
    np.testing.assert_allclose(seq(x).data, seq[2](seq[1](seq[0](x))).data)
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    assert [type(m) for m in seq] == [nn.Linear, nn.ReLU, nn.Linear]
    with pytest.raises(TypeError, match="argument 1 is a int"):
        nn.Sequential(nn.ReLU(), 3)


def test_mlp_builder_structure_and_names():
    model = nn.MLP([784, 128, 64, 10], seed=0)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias"]
    assert model(Tensor(np.zeros((5, 784), np.float32))).shape == (5, 10)
    assert repr(model).splitlines()[:3] == ["MLP(", "  (layers): Sequential(",
                                             "    (0): Linear(in_features=784, out_features=128, bias=True)"]


def test_mlp_activation_choices_and_seeding():
    assert isinstance(nn.MLP([2, 3, 1], activation="tanh").layers[1], nn.Tanh)
    assert isinstance(nn.MLP([2, 3, 1], activation="sigmoid").layers[1], nn.Sigmoid)
    assert isinstance(nn.MLP([2, 3, 1], activation=nn.Tanh).layers[1], nn.Tanh)
    a, b = nn.MLP([2, 3, 1], seed=5), nn.MLP([2, 3, 1], seed=5)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 1], activation="swish")
    with pytest.raises(TypeError, match="Module class"):
        nn.MLP([2, 3, 1], activation=np.tanh)
    with pytest.raises(ValueError, match="at least an input and an output size"):
        nn.MLP([5])


# --------------------------------------------------------------------------------------------------- state dicts


def test_state_dict_is_a_copy_and_round_trips():
    a, b = nn.MLP([3, 4, 2], seed=0), nn.MLP([3, 4, 2], seed=1)
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    state["layers.0.weight"][:] = 7.0
    assert not (a.layers[0].weight.data == 7.0).any()
    weight_object = b.layers[0].weight
    b.load_state_dict(a.state_dict())
    assert b.layers[0].weight is weight_object  # loaded in place: an optimizer keeps working
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_load_state_dict_names_missing_and_unexpected_keys():
    model = nn.MLP([3, 4, 2], seed=0)
    state = model.state_dict()
    del state["layers.2.bias"]
    state["layers.9.weight"] = np.zeros(3)
    with pytest.raises(RuntimeError, match=r"missing keys .*\['layers.2.bias'\].*unexpected keys .*\['layers.9.weight'\]"):
        model.load_state_dict(state)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["layers.2.bias"] and result.unexpected_keys == ["layers.9.weight"]


def test_load_state_dict_shape_mismatch_names_parameter_and_both_shapes_and_changes_nothing():
    model = nn.MLP([3, 4, 2], seed=0)
    before = model.state_dict()
    state = nn.MLP([3, 4, 2], seed=1).state_dict()
    state["layers.2.weight"] = np.zeros((2, 5), np.float32)
    with pytest.raises(RuntimeError, match=r"layers\.2\.weight.*\(2, 5\).*\(2, 4\)"):
        model.load_state_dict(state)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])


def test_load_state_dict_accepts_tensors_and_casts_float64():
    model = nn.Linear(2, 2, seed=0)
    model.load_state_dict({"weight": Tensor(np.eye(2)), "bias": np.array([1.0, 2.0])})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.weight.data, np.eye(2))
    np.testing.assert_array_equal(model.bias.data, [1.0, 2.0])
