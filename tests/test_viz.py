"""tinygrad_edu.viz: graph pictures (checked on the DOT source), gradient flow, collapsing, the backward trace,
rendering (with and without Graphviz's `dot`) and the gradient-norm plot."""

import math
import re
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, Value, nn
from tinygrad_edu.autograd import toposort
from tinygrad_edu.viz import (GraphvizNotFoundError, backprop_trace, draw_graph, format_trace, plot_grad_norms,
                              render, replay_backward)
from tinygrad_edu.viz.graph import EXPLODING, MIDDLE, VANISHING, layer_key, neuron_key

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")

# ------------------------------------------------------------------------------------------------ DOT parsing

NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def nodes(graph):
    """node id -> its attribute text, from the DOT source."""
    return {m.group(1): m.group(2) for line in graph.source.splitlines()
            if (m := NODE.match(line)) and m.group(1) not in ("graph", "node", "edge")}


def edges(graph):
    """(tail, head, attribute text) for every edge in the DOT source."""
    return [(m.group(1), m.group(2), m.group(3) or "") for line in graph.source.splitlines() if (m := EDGE.match(line))]


def attr(text, name):
    m = re.search(rf'\b{name}="([^"]*)"', text) or re.search(rf"\b{name}=(\S+)", text)
    return m.group(1) if m else None


def value_nodes(graph):
    return {k: v for k, v in nodes(graph).items() if re.fullmatch(r"v\d+", k)}


def parent_links(root):
    return sum(len(n._parents) for n in toposort(root))


# ------------------------------------------------------------------------------------------------ graphs


def expression():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    d = e + c
    out = d.tanh()
    out.label = "out"
    return out, (a, b, c, e, d)


def tiny_scalar_model():
    model = nn.scalar.MLP(2, [3, 2, 1], activation="tanh", seed=1)
    points = [[0.5, -1.0], [1.0, 0.25], [-0.3, 0.8]]
    loss = sum(((model(p) - t) ** 2 for p, t in zip(points, [1.0, -1.0, 1.0])), Value(0.0))
    return loss, model


def tensor_model():
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.Tanh(), nn.Linear(4, 1, seed=1))
    x = Tensor(np.random.default_rng(0).normal(size=(5, 2)))
    y = Tensor(np.ones((5, 1)))
    loss = nn.functional.mse_loss(model(x), y)
    return loss, model


# ------------------------------------------------------------------------------------------------ the full view


def test_every_value_node_shows_data_and_grad_and_each_op_has_a_node():
    out, _ = expression()
    out.backward()
    g = draw_graph(out)
    values = value_nodes(g)
    order = toposort(out)
    assert len(values) == len(order)
    for text in values.values():
        assert "data " in text and "grad " in text
    ops = {k: v for k, v in nodes(g).items() if k.endswith("_op")}
    assert len(ops) == sum(1 for n in order if n._parents)
    assert sorted(attr(v, "label") for v in ops.values()) == sorted(["*", "+", "tanh"])
    assert "grad 1.0000" in values[f"v{len(order) - 1}"] and "out" in values[f"v{len(order) - 1}"]


@pytest.mark.parametrize("make", [
    lambda: (lambda a: a + a)(Value(3.0)),
    lambda: (lambda a: a * a + a)(Value(3.0)),
    lambda: (lambda x: (x + x).sum())(Tensor([1.0, 2.0], requires_grad=True)),
    lambda: expression()[0],
])
def test_edges_into_op_nodes_equal_the_parent_links_duplicates_included(make):
    root = make()
    g = draw_graph(root)
    es = edges(g)
    into_ops = [e for e in es if e[1].endswith("_op")]
    assert len(into_ops) == parent_links(root)
    op_to_result = [e for e in es if e[0].endswith("_op")]
    assert all(head == tail[: -len("_op")] for tail, head, _ in op_to_result)
    assert len(es) == parent_links(root) + sum(1 for n in toposort(root) if n._parents)


def test_a_plus_a_draws_two_edges_from_a():
    a = Value(3.0, label="a")
    g = draw_graph(a + a)
    assert toposort(a + a)[0] is a
    assert [(t, h) for t, h, _ in edges(g) if h.endswith("_op")] == [("v0", "v1_op"), ("v0", "v1_op")]


def test_tensor_nodes_show_shape_dtype_and_small_values_or_statistics():
    small = Tensor([1.0, -2.0, 3.0], requires_grad=True, label="small")
    big = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, label="big")
    out = (small.sum() + big.mean())
    out.backward()
    texts = [attr(v, "label") for v in value_nodes(draw_graph(out)).values()]
    labels = {text.split("|")[0].strip(" {"): text for text in texts}
    assert "(3,) float32" in labels["small"] and "data [1, -2, 3]" in labels["small"]
    assert "grad [1, 1, 1]" in labels["small"]
    assert "(3, 4) float32" in labels["big"]
    assert all(f in labels["big"] for f in ("min 0", "max 11", "mean 5.5", "norm"))


def test_record_labels_escape_special_characters():
    v = Value(1.0, label="a|b {c} <d>")
    out = v * 2
    text = nodes(draw_graph(out))[f"v{toposort(out).index(v)}"]
    assert r"a\|b \{c\} \<d\>" in text


def test_bad_arguments_raise_clear_errors():
    out, _ = expression()
    with pytest.raises(TypeError, match="Value or Tensor"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="collapse"):
        draw_graph(out, collapse="neurons")
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(out, rankdir="up")
    with pytest.raises(RuntimeError, match="backward"):
        draw_graph(out, grad_flow=True)
    with pytest.raises(TypeError, match="named_parameters"):
        draw_graph(out, model=object())


# ------------------------------------------------------------------------------------------------ models


def test_scalar_model_parameters_carry_their_names_and_layers_become_clusters():
    loss, model = tiny_scalar_model()
    g = draw_graph(loss, model=model, max_nodes=None)
    text = g.source
    for name, _ in model.named_parameters():
        assert f"{{ {name} |" in text
    for k in range(3):
        assert f"subgraph cluster_layers_{k} {{" in text
        assert f"label=\"layers.{k}: Layer\"" in text


def test_tensor_model_clusters_hold_the_parameters_and_the_ops_that_use_them():
    loss, model = tensor_model()
    g = draw_graph(loss, model=model)
    blocks = re.findall(r"subgraph (cluster_\w+) \{(.*?)\n\t\}", g.source, flags=re.S)
    clusters = dict(blocks)
    assert set(clusters) == {"cluster_0", "cluster_2"}
    assert "0: Linear" in clusters["cluster_0"] and "0.weight" in clusters["cluster_0"]
    assert "0.bias" in clusters["cluster_0"] and 'label=linear' in clusters["cluster_0"]
    assert "label=tanh" in clusters["cluster_0"]  # the activation joins the layer it follows
    assert "2.weight" in clusters["cluster_2"]
    assert "label=mean" not in "".join(clusters.values())  # the loss reads the targets: it stays outside


def test_the_tail_of_a_cross_entropy_loss_stays_outside_the_last_layer():
    model = nn.MLP([2, 4, 3])
    loss = nn.functional.cross_entropy(model(Tensor(np.ones((5, 2)))), Tensor(np.array([0, 1, 2, 0, 1])))
    g = draw_graph(loss, model=model)
    clusters = dict(re.findall(r"subgraph (cluster_\w+) \{(.*?)\n\t\}", g.source, flags=re.S))
    assert set(clusters) == {"cluster_layers_0", "cluster_layers_2"}
    inside = "".join(clusters.values())
    assert "relu" in clusters["cluster_layers_0"]  # `relu`, or `linear+relu` (Sequential's fused Linear, ReLU)
    assert not any(f"label={op}" in inside
                   for op in ("getitem", "neg", "mean", "\"nll_loss(mean)\"", "\"cross_entropy(mean)\""))


def test_layer_and_neuron_keys():
    assert layer_key("layers.0.weight") == "layers.0"
    assert layer_key("layers.0.neurons.3.w.1") == "layers.0"
    assert layer_key("fc1.weight") == "fc1"
    assert neuron_key("layers.0.neurons.3.w.1") == "layers.0.neurons.3"
    assert neuron_key("layers.0.neurons.3.b") == "layers.0.neurons.3"
    assert neuron_key("layers.2.weight") == "layers.2"


# ------------------------------------------------------------------------------------------------ gradient flow


def edge_colour(g, tail, head):
    (text,) = [a for t, h, a in edges(g) if (t, h) == (tail, head)]
    return attr(text, "color"), float(attr(text, "penwidth"))


def hex_of(rgb):
    return "#" + "".join(f"{c:02x}" for c in rgb)


def test_grad_flow_colours_a_vanishing_and_an_exploding_gradient_differently():
    a = Value(1.0, label="a")
    tiny = a * 1e-6
    big = a * 1e3
    out = tiny + big
    out.backward()
    g = draw_graph(out, grad_flow=True)
    # a's link into `a * 1e-6` carries 1e-6, its link into `a * 1e3` carries 1e3
    index = {id(n): i for i, n in enumerate(toposort(out))}
    small_colour, small_width = edge_colour(g, f"v{index[id(a)]}", f"v{index[id(tiny)]}_op")
    big_colour, big_width = edge_colour(g, f"v{index[id(a)]}", f"v{index[id(big)]}_op")
    assert small_colour == hex_of(VANISHING) and big_colour == hex_of(EXPLODING)
    assert big_width > small_width
    legend = nodes(g)["legend"]
    assert "vanishing" in legend and "largest" in legend and "1e-06" in legend and "1e+03" in legend
    assert "exploding" not in legend  # a large gradient is not "exploding"; only NaN and inf are called exploded
    assert "subgraph cluster_legend" in g.source


def test_grad_flow_on_tensors_uses_norms_and_draws_dashed_edges_where_nothing_flows():
    x = Tensor([[1.0, 2.0]])  # data: no gradient flows into it
    w = Tensor([[1e-4], [1e-4]], requires_grad=True, label="w")
    out = (x @ w * 1e4).sum()
    out.backward()
    g = draw_graph(out, grad_flow=True)
    dashed = [e for e in edges(g) if "dashed" in e[2]]
    order = toposort(out)
    constants = [n for n in order if not n._parents and not n.requires_grad]  # x and the 1e4
    assert len(constants) == 2
    assert sorted(id(order[int(t[1:])]) for t, _, _ in dashed) == sorted(map(id, constants))
    assert len({attr(a, "color") for _, _, a in edges(g) if "dashed" not in a}) > 1


def test_gradients_of_similar_size_get_similar_colours_and_none_is_called_vanishing():
    a = Value(1.0)
    out = a * 1.5 + a * 2.0
    out.backward()
    colours = {attr(t, "color") for _, _, t in edges(draw_graph(out, grad_flow=True)) if "dashed" not in t}
    assert hex_of(VANISHING) not in colours and hex_of(MIDDLE) not in colours  # all within 2x of the largest


def test_colour_is_the_size_relative_to_the_largest_gradient():
    from tinygrad_edu.viz.graph import DECADES, _GradScale

    scale = _GradScale([1e-9, 1.0, 100.0])
    assert scale.position(100.0) == 1.0 and scale.position(100.0 / 10**DECADES) == 0.0
    assert scale.position(1e-9) == 0.0 and abs(scale.position(100.0 / 10 ** (DECADES / 2)) - 0.5) < 1e-12


# ------------------------------------------------------------------------------------------------ collapsing


def test_collapse_per_neuron_gives_one_row_per_neuron_in_order_and_says_so():
    loss, model = tiny_scalar_model()
    total = len(toposort(loss))
    g = draw_graph(loss, model=model, collapse="neuron")
    ns = nodes(g)
    layers = [attr(ns[f"L{k}"], "label") for k in range(3)]
    rows = [re.findall(r"neuron (\d+): tanh\(w·x \+ b\)", text) for text in layers[:2]]
    assert rows == [["0", "1", "2"], ["0", "1"]]
    assert "neuron 0: w·x + b, 2 weights + 1 bias" in layers[2]  # the output neuron is linear
    assert layers[0].startswith("layers.0: Layer (3 neurons)")
    assert len(ns) < total / 5
    note = attr(ns["note"], "label")
    m = re.search(r"collapsed ([\d,]+) nodes into 6 neuron nodes; the other ([\d,]+)", note)
    assert m and int(m.group(1).replace(",", "")) + int(m.group(2).replace(",", "")) == total
    between = [a for t, h, a in edges(g) if (t, h) == ("L0", "L1")]
    assert len(between) == 1 and "6 connections" in between[0]  # 3 x 2 neurons: one edge, not a tangle
    assert "subgraph cluster" not in g.source  # no layer title for an edge to cross


def test_collapse_per_layer_and_grad_flow_on_collapsed_edges():
    loss, model = tiny_scalar_model()
    loss.backward()
    g = draw_graph(loss, model=model, collapse="layer", grad_flow=True)
    ns = nodes(g)
    assert len([v for v in ns.values() if re.search(r'label="layers\.\d', v)]) == 3
    assert "into 3 layer nodes" in attr(ns["note"], "label")
    assert "legend" in ns and all(attr(a, "color") for _, _, a in edges(g))


def test_collapse_by_op_works_without_a_model_and_merges_running_sums():
    loss, _ = tiny_scalar_model()
    total = len(toposort(loss))
    g = draw_graph(loss, collapse="op")
    ns = nodes(g)
    boxes = [k for k in ns if k.startswith("g")]
    assert len(boxes) <= 40
    assert f"collapsed {total:,} nodes into {len(boxes)} op nodes" in attr(ns["note"], "label")
    chain = Value(0.0)
    for k in range(200):
        chain = chain + Value(float(k))
    ns = nodes(draw_graph(chain, collapse="op"))
    assert sorted(attr(v, "label").split("\\n")[0] for k, v in ns.items() if k.startswith("g")) == [
        "+ x200 at depth 1-200", "inputs (201 values)"]


def test_collapse_by_neuron_without_a_model_falls_back_to_ops_and_says_so():
    loss, _ = tiny_scalar_model()
    note = attr(nodes(draw_graph(loss, collapse="neuron"))["note"], "label")
    assert "no model given" in note and "op nodes" in note


def test_max_nodes_collapses_big_graphs_automatically_and_explains():
    loss, model = tiny_scalar_model()
    total = len(toposort(loss))
    assert total > 50
    g = draw_graph(loss, model=model, max_nodes=50)
    note = attr(nodes(g)["note"], "label")
    assert f"{total:,} nodes, more than max_nodes=50" in note and "neuron nodes" in note
    assert len(value_nodes(draw_graph(loss, max_nodes=None))) == total
    assert "note" in nodes(draw_graph(loss, max_nodes=50))  # no model: by op
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(loss, model=model, collapse="neuron", max_nodes=3)
    with pytest.raises(ValueError, match="show_trace"):
        draw_graph(loss, max_nodes=50, show_trace=True)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(loss, max_nodes=0)


def test_big_scalar_mlp_collapses_quickly_to_a_small_picture():
    model = nn.scalar.MLP(2, [16, 16, 1], seed=0, fused=False)  # every product a node: a graph of 10^4 nodes
    loss = sum(((model([0.1 * k, -0.2 * k]) - 1.0) ** 2 for k in range(30)), Value(0.0))
    loss.backward()
    total = len(toposort(loss))
    assert total > 10_000
    g = draw_graph(loss, model=model, grad_flow=True)
    assert len(nodes(g)) < 60
    assert "collapsed" in attr(nodes(g)["note"], "label") and "33 neuron nodes" in attr(nodes(g)["note"], "label")


# ------------------------------------------------------------------------------------------------ backward trace


def test_trace_visits_nodes_in_reverse_topological_order():
    out, _ = expression()
    out.backward()
    steps = backprop_trace(out)
    assert [s.node for s in steps] == [n for n in reversed(toposort(out)) if n._parents]
    assert [s.step for s in steps] == list(range(1, len(steps) + 1))


def test_trace_local_derivatives_for_add_mul_tanh_match_hand_values():
    out, (a, b, c, e, d) = expression()
    out.backward()
    tanh_step, add_step, mul_step = backprop_trace(out)
    t = math.tanh(4.0)
    assert tanh_step.incoming == 1.0
    assert tanh_step.parents[0].local == pytest.approx(1 - t * t)
    assert [f.local for f in add_step.parents] == [1.0, 1.0]
    assert add_step.incoming == pytest.approx(1 - t * t)
    assert [f.parent for f in mul_step.parents] == [a, b]
    assert [f.local for f in mul_step.parents] == [-3.0, 2.0]  # d(ab)/da = b, d(ab)/db = a
    assert mul_step.parents[0].contribution == pytest.approx(-3.0 * (1 - t * t))


def test_trace_separates_duplicate_parents_and_does_not_touch_real_grads():
    a = Value(3.0, label="a")
    out = a * a + a
    out.backward()
    before = [(n, n.grad) for n in toposort(out)]
    steps = backprop_trace(out)
    assert [(n, n.grad) for n in toposort(out)] == before
    add_step, mul_step = steps
    assert [f.local for f in mul_step.parents] == [3.0, 3.0]  # each slot of a * a: d/d(slot) = the other a
    assert [f.slot for f in mul_step.parents] == [0, 1]
    total = sum(f.contribution for s in steps for f in s.parents if f.parent is a)
    assert total == pytest.approx(a.grad) == pytest.approx(7.0)


OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "**2": lambda a, b: a ** 2,
}


@given(
    xs=st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3),
    program=st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 50), st.integers(0, 50)),
                     min_size=1, max_size=8),
)
def test_random_expressions_trace_adds_up_to_every_grad_and_edges_match_links(xs, program):
    pool = [Value(x) for x in xs]
    for op, i, j in program:
        pool.append(OPS[op](pool[i % len(pool)], pool[j % len(pool)]))
    root = pool[-1]
    root.backward()
    received = {}
    for step in backprop_trace(root):
        for flow in step.parents:
            received[id(flow.parent)] = received.get(id(flow.parent), 0.0) + flow.contribution
    for node in toposort(root)[:-1]:
        assert received[id(node)] == pytest.approx(node.grad, rel=1e-9, abs=1e-12)
    g = draw_graph(root, grad_flow=True, max_nodes=None)
    assert sum(1 for _, head, _ in edges(g) if head.endswith("_op")) == parent_links(root)


def test_trace_of_tensors_sends_each_leaf_its_whole_grad():
    x = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    w = Tensor([[0.3], [-0.7]], requires_grad=True)
    out = (x @ w).tanh().sum()
    out.backward()
    grads = np.array(x.grad), np.array(w.grad)
    steps = backprop_trace(out)
    for leaf, grad in zip((x, w), grads):
        total = sum(f.contribution for s in steps for f in s.parents if f.parent is leaf)
        np.testing.assert_allclose(total, grad, rtol=1e-6)
        np.testing.assert_array_equal(leaf.grad, grad)
    assert all(f.local is None for s in steps for f in s.parents)


def test_trace_needs_a_backward_pass_and_replay_of_a_leaf_is_empty():
    out, (a, *_rest) = expression()
    with pytest.raises(RuntimeError, match="backward"):
        backprop_trace(out)
    assert replay_backward(a, 1.0) == []


def test_format_trace_writes_one_row_per_parent_link():
    out, _ = expression()
    out.backward()
    steps = backprop_trace(out)
    table = format_trace(steps)
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["step", "node", "op", "incoming"]
    assert len(lines) == 2 + sum(len(s.parents) for s in steps)
    assert re.search(r"^3\s+\*#\d+\s+\*\s+\S+\s+a\s+-3\s", table, flags=re.M)


def test_show_trace_numbers_each_op_node_with_its_backward_step():
    out, _ = expression()
    out.backward()
    g = draw_graph(out, show_trace=True)
    steps = backprop_trace(out)
    order = toposort(out)
    for s in steps:
        label = nodes(g)[f"v{order.index(s.node)}_op"]
        assert f"step {s.step}<" in label


# ------------------------------------------------------------------------------------------------ rendering


@needs_dot
def test_render_svg_and_png_and_the_inline_jupyter_view(tmp_path):
    out, _ = expression()
    out.backward()
    g = draw_graph(out, grad_flow=True, show_trace=True)
    svg = render(g, tmp_path / "graph.svg")
    assert svg == tmp_path / "graph.svg" and "<svg" in svg.read_text()
    png = render(g, tmp_path / "pic", format="png", dpi=50)
    assert png == tmp_path / "pic.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "image/svg+xml" in g._repr_mimebundle_()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left behind
    with pytest.raises(ValueError, match="suffix"):
        render(g, tmp_path / "graph.png", format="svg")


def test_without_dot_the_dot_source_is_written_and_the_error_says_how_to_install(tmp_path, monkeypatch):
    out, _ = expression()
    g = draw_graph(out)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizNotFoundError) as info:
        render(g, tmp_path / "graph.svg")
    message = str(info.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert info.value.dot_path == tmp_path / "graph.dot"
    assert (tmp_path / "graph.dot").read_text() == g.source
    assert not (tmp_path / "graph.svg").exists()


# ------------------------------------------------------------------------------------------------ plots


def test_plot_grad_norms_writes_a_png_from_a_dict_or_a_history(tmp_path):
    norms = {"layers.0.weight": [1e-6, 2e-6, 0.0, 3e-6], "layers.1.weight": [0.5, 0.4, 0.3, 0.2]}
    path = plot_grad_norms(norms, tmp_path / "norms.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    class History:
        grad_norms = norms

    assert plot_grad_norms(History(), tmp_path / "h.svg").read_text().count("<svg") == 1
    with pytest.raises(ValueError, match="no gradient norms"):
        plot_grad_norms({}, tmp_path / "x.png")
    with pytest.raises(TypeError, match="dict"):
        plot_grad_norms([1.0, 2.0], tmp_path / "x.png")
    with pytest.raises(ValueError, match=".png"):
        plot_grad_norms(norms, tmp_path / "x.jpg")


# ------------------------------------------------------------------------------------------------ command line


@needs_dot
def test_command_line_renders_every_example(tmp_path, capsys):
    from tinygrad_edu.__main__ import main

    assert main(["graph", "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"expression.svg", "neuron.svg", "scalar_mlp_forward.svg", "scalar_mlp_backward.svg", "tensor_mlp.svg",
            "grad_norms.png", "expression_trace.txt"} <= names
    printed = capsys.readouterr().out
    assert "step" in printed and str(tmp_path / "tensor_mlp.svg") in printed


def test_command_line_without_dot_writes_dot_files_and_says_how_to_install(tmp_path, monkeypatch, capsys):
    from tinygrad_edu.__main__ import main

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["graph", "--out", str(tmp_path / "out")]) == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"expression.dot", "tensor_mlp.dot", "grad_norms.png"} <= names and "expression.svg" not in names
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_the_loss_is_drawn_outside_the_last_layer():
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.Tanh(), nn.Linear(4, 3, seed=1))
    x = Tensor(np.random.default_rng(0).normal(size=(5, 2)))
    loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0, 1]))
    loss.backward()
    source = draw_graph(loss, model=model).source
    last_layer = source.split("subgraph cluster_2", 1)[1].split("}", 1)[0]
    assert "linear" in last_layer and "cross_entropy" not in last_layer  # the loss (one fused op) is outside
    assert "cross_entropy" in source
