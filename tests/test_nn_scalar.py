"""micrograd-style networks on Value: structure, names, seeding, gradients, and the moons demo."""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.autograd import toposort
from tinygrad_edu.data import make_moons
from tinygrad_edu.nn.functional import accuracy, hinge_loss
from tinygrad_edu.nn.scalar import MLP, Layer, Neuron
from tinygrad_edu.optim import SGD


def test_neuron_init_is_seeded_and_micrograd_like():
    a, b, c = Neuron(5, seed=1), Neuron(5, seed=1), Neuron(5, seed=2)
    assert [w.data for w in a.w] == [w.data for w in b.w]
    assert [w.data for w in a.w] != [w.data for w in c.w]
    assert all(-1 <= w.data <= 1 for w in a.w) and a.b.data == 0.0


def test_neuron_computes_activation_of_weighted_sum():
    n = Neuron(3, seed=0)
    n.b.data = 0.25
    x = [1.0, -2.0, 0.5]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25
    assert n(x).data == pytest.approx(max(z, 0.0))
    assert Neuron(3, seed=0, nonlin=False)(x).data == pytest.approx(z - 0.25)
    tanh_neuron = Neuron(3, seed=0, activation="tanh")
    assert tanh_neuron(x).data == pytest.approx(math.tanh(z - 0.25))


def test_layer_returns_a_value_for_one_neuron_and_a_list_otherwise():
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    out = Layer(2, 4, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4


def test_mlp_names_and_counts_parameters():
    model = MLP(2, [16, 16, 1], seed=0)
    named = model.named_parameters()
    assert len(named) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1) == 337
    names = [name for name, _ in named]
    assert names[0] == "layers.0.neurons.0.w.0" and "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert [p for _, p in named] == model.parameters()
    assert len(set(names)) == len(names)


def test_mlp_hidden_layers_use_activation_and_last_layer_is_linear():
    model = MLP(2, [3, 2], seed=0)
    assert all(n.nonlin for n in model.layers[0].neurons)
    assert not any(n.nonlin for n in model.layers[-1].neurons)
    assert all(n.activation == "tanh" for layer in MLP(2, [3, 1], activation="tanh").layers for n in layer.neurons)


@pytest.mark.parametrize("fused, ops, weighted_sum", [(True, {"relu(w·x+b)", "w·x+b"}, "w·x+b"),
                                                      (False, {"sum", "*", "relu"}, "sum")])
def test_mlp_graph_has_only_normal_ops_and_no_needless_constants(fused, ops, weighted_sum):
    model = MLP(2, [4, 4, 1], seed=0, fused=fused)
    out = model([0.5, -1.5])
    nodes = toposort(out)
    assert {n._op for n in nodes if n._parents} == ops
    assert sum(weighted_sum in n._op for n in nodes) == 4 + 4 + 1  # one weighted sum per neuron
    leaves = [n for n in nodes if not n._parents]
    params = set(model.parameters())
    constants = [n for n in leaves if n not in params]
    assert len(constants) == 2  # the two inputs, made into Values once, shared by every first-layer neuron
    assert all(not c.requires_grad for c in constants)


def test_mlp_gradients_match_finite_differences():
    model = MLP(3, [4, 2], activation="tanh", seed=3)
    x = [0.3, -0.7, 1.1]

    def loss_value():
        a, b = model(x)
        return (a * a + b * 3.0).data

    a, b = model(x)
    (a * a + b * 3.0).backward()
    for _, p in model.named_parameters()[::5]:
        original, eps = p.data, 1e-6
        p.data = original + eps
        plus = loss_value()
        p.data = original - eps
        minus = loss_value()
        p.data = original
        assert p.grad == pytest.approx((plus - minus) / (2 * eps), rel=1e-5, abs=1e-8)


def test_fused_and_unfused_neurons_compute_the_same_numbers_and_gradients():
    """`fused=False` (one `*` node per weight, for pictures) is the same network as the default one-node neurons."""
    fused, unfused = MLP(3, [5, 4, 1], seed=7), MLP(3, [5, 4, 1], seed=7, fused=False)
    fused_tanh, unfused_tanh = (MLP(3, [5, 1], seed=8, activation="tanh", fused=f) for f in (True, False))
    x3 = [Value(0.3), Value(-0.7), Value(1.1)]
    x4 = [Value(v.data) for v in x3]
    out3, out4 = fused_tanh(x3), unfused_tanh(x4)
    out3.backward()
    out4.backward()
    assert out3.data == out4.data
    for p, q in zip(fused_tanh.parameters() + x3, unfused_tanh.parameters() + x4):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)
    x = [Value(0.3), Value(-0.7), Value(1.1)]
    x2 = [Value(v.data) for v in x]
    out, out2 = fused(x) * 1.7, unfused(x2) * 1.7
    out.backward()
    out2.backward()
    assert out.data == out2.data  # the same additions in the same order
    assert len(toposort(out)) < len(toposort(out2))
    for p, q in zip(fused.parameters() + x, unfused.parameters() + x2):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="3 weights but got 2 inputs"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        MLP(2, [2, 1], activation="gelu")
    with pytest.raises(ValueError, match="nouts is empty"):
        MLP(2, [])


def test_moons_demo_reaches_full_training_accuracy():
    """micrograd's demo, smaller: 50 moons, MLP(2, [16, 16, 1]), hinge loss + L2, SGD with a decaying rate."""
    X, y = make_moons(50, noise=0.1, seed=0)
    inputs, labels = X.astype(float).tolist(), (y * 2 - 1).tolist()
    model = MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    opt = SGD(params, lr=1.0)
    accuracies = []
    for step in range(60):
        scores = [model(x) for x in inputs]
        accuracies.append(accuracy(scores, labels))
        if accuracies[-1] == 1.0:
            break
        loss = hinge_loss(scores, labels) + 1e-4 * sum(p * p for p in params)
        opt.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * step / 60
        opt.step()
    assert accuracies[0] < 0.9
    assert accuracies[-1] == 1.0
