"""The player's recorder: its steps, their order and every number on them come from the engine.

Browser tests of the saved pages are in test_player_browser.py.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, nn, optim
from tinygrad_edu.__main__ import readme_expression
from tinygrad_edu.autograd import toposort
from tinygrad_edu.data import make_lesson_classification, make_moons
from tinygrad_edu.viz import backprop_trace, play, play_training, record_training
from tinygrad_edu.viz.graph import _array_text
from tinygrad_edu.viz.player.page import script_json

pytest.importorskip("graphviz")


def _position(order, node) -> int:
    """Where `node` stands in `order`, by identity (`list.index` would compare values: `==` is elementwise)."""
    return next(i for i, n in enumerate(order) if n is node)


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2, b = Value(-0.5, label="w1"), Value(1.5, label="w2"), Value(1.0, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    out.backward()
    return out, [w1, w2, b]


def grad_events(player, key):
    """The texts a box's grad shows, frame by frame, as recorded."""
    for prefix, _, events in player.data["texts"][key]:
        if prefix == "grad ":
            return events
    raise KeyError(key)


def text_at(events, frame):
    return [lines for f, lines in events if f <= frame][-1]


def test_backward_steps_follow_backward_order():
    d = readme_expression()
    p = play(d)
    trace = backprop_trace(d)
    steps = [f for f in p.frames if f["p"] == "backward"][1:]  # the first is the seed
    order = toposort(d)
    assert len(steps) == len(trace)
    for frame, step in zip(steps, trace):
        assert frame["f"][0] == f"v{_position(order, step.node)}_op"
        assert frame["t"].split(": ")[1].startswith(step.node._op)
    phases = [f["p"] for f in p.frames]
    assert phases == sorted(phases, key=["start", "forward", "backward", "update"].index)
    assert phases.count("forward") == sum(1 for n in order if n._parents)


def test_every_value_ends_on_the_engines_gradient_and_reused_values_add_up():
    d = readme_expression()
    p = play(d)
    order = toposort(d)
    last = len(p.frames) - 1
    for i, node in enumerate(order):
        assert text_at(grad_events(p, f"v{i}"), last) == [f"grad {node.grad:.4f}"], node
    a = next(n for n in order if n.label == "a")
    steps = [lines[0] for _, lines in grad_events(p, f"v{_position(order, a)}")]
    assert steps == ["grad 0.0000", "grad -1.0000", "grad 2.0000", "grad 3.0000"]  # three uses, three arrivals
    assert a.grad == 3.0
    arrival = [f for f in p.frames if "a.grad: -1.0000 + 3.0000 = 2.0000" in "\n".join(f["x"])]
    assert len(arrival) == 1


def test_tanh_step_names_its_formula_with_the_numbers():
    out, _ = neuron()
    p = play(out)
    step = next(f for f in p.frames if f["p"] == "backward" and ": tanh" in f["t"])
    text = "\n".join(step["x"])
    t = out.data
    assert f"1 - out² = 1 - ({t:.4f})² = {1 - t * t:.4f}" in text  # t < 0 here
    assert f"{1 - t * t:.4f} × 1.0000 = {1 - t * t:.4f} → (x1*w1 + x2*w2 + b).grad" in text


def test_update_phase_is_data_minus_lr_grad_and_leaves_the_model_alone():
    out, params = neuron()
    before = [w.data for w in params]
    p = play(out, lr=0.1, params=params)
    updates = [f for f in p.frames if f["p"] == "update"]
    assert len(updates) == 3
    for w, frame in zip(params, updates):
        assert f"= {w.data:.4f} - 0.1 × " in frame["x"][0]
        assert frame["x"][0].endswith(f"= {w.data - 0.1 * w.grad:.4f}")
    assert [w.data for w in params] == before


def test_update_with_an_optimizer_runs_its_step_on_a_copy():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 1, seed=1))
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss = (model(Tensor(np.ones((4, 2), dtype=np.float32))) ** 2).mean()
    loss.backward()
    twin = copy.deepcopy(opt)
    twin.step()
    before = [p.data.copy() for p in model.parameters()]
    player = play(loss, model=model, optimizer=opt)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    updates = [f for f in player.frames if f["p"] == "update"]
    assert len(updates) == 4
    assert updates[0]["x"][-1] == "after: " + _array_text(twin.params[0].data).replace("\n", "  ")


def test_tensor_steps_show_shapes_statistics_and_the_broadcast_sum():
    rng = np.random.default_rng(0)
    X = Tensor(rng.uniform(-1, 1, (4, 2)), label="X")
    W = Tensor(rng.uniform(-1, 1, (2, 3)), requires_grad=True, label="W")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    loss = (X @ W + b).tanh().mean()
    loss.backward()
    p = play(loss)
    text = "\n".join(line for f in p.frames for line in f["x"])
    assert "b (3,) was broadcast to (4, 3): its gradient is summed over axis 0 back to (3,)" in text
    assert f"→ b.grad (3,): {_array_text(b.grad)}" in text
    order = toposort(loss)
    last = len(p.frames) - 1
    for i, node in enumerate(order):
        if node.grad is not None:
            assert text_at(grad_events(p, f"v{i}"), last)[0] == ("grad " + _array_text(node.grad)).split("\n")[0]


def test_big_scalar_graph_collapses_and_steps_per_box():
    rng = np.random.default_rng(0)
    model = nn.scalar.MLP(2, [8, 8, 1], activation="tanh", seed=0, fused=False)
    pts = rng.uniform(-1, 1, (32, 2))
    loss = sum(((model(list(map(float, x))) - 1.0) ** 2 for x in pts), Value(0.0)) / 32
    loss.backward()
    p = play(loss, model=model, lr=0.1)
    assert p.data["mode"] == "collapsed" and p.data["nodes"] > 4000
    boxes = re.findall(r"<title>([gL]\d+)</title>", p.html)  # groups of ops, and one box per layer
    backward = [f for f in p.frames if f["p"] == "backward"][1:]
    assert len(backward) <= len(boxes) and {f["f"][0] for f in backward} <= set(boxes)
    layers = [int(t.split("layers.")[1][0]) for t in (f["t"] for f in backward) if "layers." in t]
    assert layers == [2, 1, 0]  # the gradient goes back layer by layer, one step per layer's box
    assert len(p.html) < 2_000_000


def test_page_is_self_contained_and_safe():
    d = readme_expression()
    d.label = "d </script><b>"
    page = play(d).html
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert page.count("</script>") == 2  # the data and the code; a label cannot close the element
    assert "<b>" not in page.split('id="player-data">')[1].split("</script>")[0]
    assert script_json({"x": float("nan"), "s": "</script>"}) == '{"x":null,"s":"\\u003c/script>"}'


def test_save_is_atomic_and_jupyter_gets_an_iframe(tmp_path: Path):
    out, _ = neuron()
    p = play(out)
    path = p.save(tmp_path / "sub" / "neuron")
    assert path.name == "neuron.html" and path.read_text(encoding="utf-8") == p.html
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    shown = p._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and html.unescape(shown.split('srcdoc="')[1].split('"')[0]) == p.html


def test_clear_errors():
    with pytest.raises(TypeError, match="Value or Tensor"):
        play(3.0)
    fresh = Value(1.0) * Value(2.0)
    with pytest.raises(RuntimeError, match="backward"):
        play(fresh)
    out, _ = neuron()
    with pytest.raises(ValueError, match="not both"):
        play(out, lr=0.1, optimizer=optim.SGD([Value(1.0)], lr=0.1))
    with pytest.raises(ValueError, match="lr"):
        play(out, lr=-1)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        record_training(nn.scalar.MLP(3, [1], seed=0), np.ones((4, 3)), np.ones(4))


def test_training_record_is_the_engines_own_run():
    X, y = make_moons(20, noise=0.1, seed=0)
    data = record_training(nn.scalar.MLP(2, [4, 1], seed=0), X, y, lr=0.3, steps=5, snapshots=3, grid=8)
    model = nn.scalar.MLP(2, [4, 1], seed=0)  # the same run, written out
    opt = optim.SGD(model.parameters(), lr=0.3)
    labels = np.where(y > 0, 1, -1)
    losses = []
    for k in range(6):
        outs = [model([float(a), float(b)]) for a, b in X]
        loss = nn.functional.hinge_loss(outs, labels)
        losses.append(loss.data)
        opt.zero_grad()
        loss.backward()
        if k == 5:
            assert data["snapshots"][-1]["grad"][0][0] == pytest.approx(model.layers[0].neurons[0].w[0].grad, rel=1e-4)
        if k < 5:
            opt.step()
    assert data["loss"] == losses
    assert [s["step"] for s in data["snapshots"]] == [0, 2, 5]  # evenly spaced, first and last included
    assert data["snapshots"][0]["boundary"] != data["snapshots"][-1]["boundary"]
    # the boundary grid (Tensor ops on the same weights) agrees with the Value model at a grid corner
    corner = model([data["grid"]["x0"], data["grid"]["y0"]]).data
    first = np.frombuffer(__import__("base64").b64decode(data["snapshots"][-1]["boundary"]), dtype=np.uint8)[0]
    assert abs(first / 255 - (np.tanh(corner) + 1) / 2) <= 1 / 255


def test_training_player_for_a_tensor_mlp_on_the_lesson_data():
    X, y = make_lesson_classification(100, seed=0)
    model = nn.Sequential(nn.Linear(2, 10, seed=0), nn.Tanh(), nn.Linear(10, 2, seed=1))
    p = play_training(model, X[:80], y[:80], lr=0.1, steps=30, snapshots=4, samples=2)
    d = p.data
    assert len(d["loss"]) == 31 and d["loss"][-1] < d["loss"][0]
    assert [name for name, _ in d["params"]] == ["0.weight (10, 2)", "0.bias (10,)", "2.weight (2, 10)", "2.bias (2,)"]
    sample = d["snapshots"][-1]["samples"][0]
    i = d["picks"][0]
    logits = model(Tensor(X[i:i + 1].astype(np.float32)))
    loss = nn.functional.cross_entropy(logits, np.array([y[i]]))
    loss.backward()
    assert sample["loss"] == pytest.approx(loss.item(), rel=1e-6)
    assert sample["grad"][-1] == pytest.approx(logits.grad.ravel().tolist(), rel=1e-4, abs=1e-7)
    assert sample["layers"] == ["0: Linear", "1: Tanh", "2: Linear (logits)"]


def test_play_command_writes_the_examples(tmp_path: Path, capsys):
    from tinygrad_edu.__main__ import PLAYERS, main

    assert main(["play", "--out", str(tmp_path), "--fast"]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.html")) == sorted(PLAYERS)
    printed = capsys.readouterr().out
    assert str(tmp_path / "neuron.html") in printed and "training_moons" in printed
    assert (tmp_path / "neuron.html").stat().st_size < 200_000


def test_a_tensor_graph_ending_in_a_negated_scalar_plays():
    """`-loss` of a 0-d Tensor: numpy hands the chain rule a numpy scalar, which the recorder must treat as an array."""
    w = Tensor(np.array([[0.5, -1.0]]), requires_grad=True)
    loss = -(w.sum())
    loss.backward()
    p = play(loss, lr=0.1)
    assert [f for f in p.frames if f["p"] == "backward"]


def test_a_fused_neuron_step_names_its_chain_rule():
    """`nn.scalar` fuses act(w·x + b) into one node: its step says d/dw = x·act', d/db = act', with the numbers."""
    model = nn.scalar.MLP(2, [1], activation="tanh", seed=0)
    model.layers[0].neurons[0].nonlin = True  # a single tanh neuron (an MLP's last layer is linear)
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    out.backward()
    texts = "\n".join(line for f in play(out, model=model).frames if f["p"] == "backward" for line in f["x"])
    t = f"{out.data:.4f}".lstrip("-")
    assert "/dlayers.0.neurons.0.b = (1 - " in texts and t in texts
    assert "/dlayers.0.neurons.0.w.0 = " in texts and "× act' = " in texts


OTHER_SCALAR_OPS = {  # op: (how to apply it, the formula's start, expected in the step's text for x = 0.7)
    "sin": (lambda v: v.sin(), "cos(x) = cos(0.7000) = 0.7648"),
    "cos": (lambda v: v.cos(), "-sin(x) = -sin(0.7000) = -0.6442"),
    "log2": (lambda v: v.log2(), "1/(x·ln 2) = 1/(0.7000·0.6931) = 2.0610"),
    "log10": (lambda v: v.log10(), "1/(x·ln 10) = 1/(0.7000·2.3026) = 0.6204"),
    "sign": (lambda v: v.sign(), "0, as sign is flat on each side of 0 = 0.0000"),
    "clamp outside": (lambda v: v.clamp(0, 0.5), "0, as x was clamped to a bound = 0.0000"),
    "clamp inside": (lambda v: v.clamp(0, 2), "1, as x is inside the bounds = 1.0000"),
    "maximum": (lambda v: v.maximum(0.2), "1, as this input is the larger = 1.0000"),
    "minimum tie": (lambda v: v.minimum(v), "½, a tie: each input gets half = 0.5000"),
    "leaky_relu": (lambda v: v.leaky_relu(), "1, as x > 0 = 1.0000"),
    "leaky_relu negative": (lambda v: (v - 1.4).leaky_relu(), "the negative slope, as x-1.4 ≤ 0 = 0.0100"),
    "elu negative": (lambda v: (v - 1.4).elu(), "alpha·e^(x-1.4), as x-1.4 ≤ 0 = 0.4966"),
    "gelu": (lambda v: v.gelu(), "Φ(x) + x·φ(x) = 0.7580 + 0.7000·0.3123 = 0.9766"),
    "gelu tanh": (lambda v: v.gelu("tanh"), "the derivative of gelu's tanh approximation = 0.9764"),
    "silu": (lambda v: v.silu(), "sigmoid(x)·(1 + x·(1 - sigmoid(x))) = 0.6682·(1 + 0.7000·(1 - 0.6682)) = 0.8234"),
    "softplus": (lambda v: v.softplus(), "sigmoid(x) = sigmoid(0.7000) = 0.6682"),
    "softplus beta": (lambda v: v.softplus(beta=2.0), "sigmoid(beta·x) = 0.8022"),
    "logsigmoid": (lambda v: v.logsigmoid(), "sigmoid(-x) = 1 - sigmoid(0.7000) = 1 - 0.6682 = 0.3318"),
}


@pytest.mark.parametrize("name", sorted(OTHER_SCALAR_OPS))
def test_other_scalar_ops_show_their_local_derivative_as_a_formula(name):
    """Every scalar op's backward step says where its local derivative comes from, with the engine's numbers."""
    apply, formula = OTHER_SCALAR_OPS[name]
    x = Value(0.7)
    x.label = "x"
    y = apply(x)
    y.label = "y"
    y.backward()
    text = "\n".join("\n".join(f["x"]) for f in play(y).frames if f["p"] == "backward")
    assert formula in text
