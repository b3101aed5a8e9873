"""Graphviz pictures of the compute graph, of the gradient flowing back through it, and of backward's steps.

`draw_graph(root)` draws what `toposort(root)` finds, reading only the fields every node has (`data`, `grad`,
`_parents`, `_op`, `label`), so scalar `Value` graphs and `Tensor` graphs are drawn the same way:

    value node (a box)  label | data | grad            Tensor: label | shape dtype | data | grad
    op node (an oval)   the op that made the value     one small oval in front of every non-leaf value
    edges               parent -> op -> result, in the direction the data flows: one edge into the op per parent
                        link (`a + a` draws two), and one from the op to its result

Large graphs: a scalar MLP makes tens of thousands of nodes. Beyond `max_nodes` value nodes the graph is
collapsed automatically (per neuron for a scalar model, per layer for a Tensor model, by op and depth without a
model) and a note in the picture says so; choose yourself with `collapse=` or set `max_nodes=None` to draw all.
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import graphviz
import numpy as np

from .._files import atomic_write
from ..autograd import Node, _nonfinite, toposort
from .trace import backprop_trace, magnitude, replay_backward

DEFAULT_MAX_NODES = 500
COLLAPSE_MODES = (None, "neuron", "layer", "op")
OP_GROUPS = 40  # collapse="op" aims for at most this many groups
REST_GROUPS = 12  # with a model: nodes outside every neuron/layer (inputs, loss) share at most this many groups

# Gradient-flow colours, along a log scale from the graph's smallest to its largest gradient (at least MIN_DECADES
# powers of ten wide).
MIN_DECADES = 2.0
VANISHING = (43, 95, 217)  # blue
MIDDLE = (136, 136, 136)  # grey
EXPLODING = (214, 39, 40)  # red
ZERO_COLOR = "#bbbbbb"
NONFINITE_COLOR = "#9400d3"  # purple: NaN or inf

LINE_BREAK = "\\n"  # Graphviz's escape for a centred line break inside a label
PARAM_FILL = "#d6e9f8"
OP_FILL = "#f2f2f2"


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is not installed; the DOT source was written instead (see `.dot_path`)."""

    def __init__(self, message: str, dot_path: Path) -> None:
        super().__init__(message)
        self.dot_path = dot_path


# ------------------------------------------------------------------------------------------------- public API


def draw_graph(
    root: Node,
    model: Any = None,
    grad_flow: bool = False,
    max_nodes: Optional[int] = DEFAULT_MAX_NODES,
    collapse: Optional[str] = None,
    rankdir: str = "LR",
    show_trace: bool = False,
) -> graphviz.Digraph:
    """The compute graph behind `root` (a Value or Tensor) as a `graphviz.Digraph` (shows inline in Jupyter).

    model       anything with `named_parameters()` (`nn.Module`, `nn.scalar.MLP`): parameters are drawn with their
                names, and each layer (name prefix up to the first index, e.g. `layers.0`) as a dashed cluster.
    grad_flow   colour and thicken each edge by the size of the gradient flowing back along it (|grad|, or the
                norm for Tensors), on a log scale from the graph's smallest gradient (blue: vanishing) to its
                largest (red: exploding), at least two powers of ten wide; dashed: no gradient. Needs backward().
    max_nodes   graphs with more value nodes are collapsed automatically (None: never).
    collapse    "neuron" (one node per neuron of a scalar model), "layer", or "op" (same op at similar depth:
                works without a model). "neuron"/"layer" without a model fall back to "op".
    show_trace  number each op node with its step in `backward()` (see `backprop_trace`).
    """
    if not isinstance(root, Node):
        raise TypeError(f"draw_graph needs a Value or Tensor, got {type(root).__name__}")
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"collapse must be one of {COLLAPSE_MODES}, got {collapse!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if grad_flow and magnitude(root.grad) == 0.0:
        raise RuntimeError("grad_flow=True colours edges by their gradients, but the root has none: "
                           "call root.backward() first")

    order = toposort(root)
    names = parameter_names(model) if model is not None else {}
    titles = _LayerTitles(model)
    auto_note = ""
    if collapse is None and max_nodes is not None and len(order) > max_nodes:
        collapse = _auto_mode(order, names)
        auto_note = (f"the graph has {len(order):,} nodes, more than max_nodes={max_nodes}, so it was collapsed "
                     f"automatically (choose with collapse=, or raise max_nodes)")
    if show_trace and collapse is not None:
        raise ValueError(
            f"show_trace numbers every op node, but this graph is drawn collapsed ({len(order):,} nodes, "
            f"collapse={collapse!r}); trace a smaller graph, or pass max_nodes=None to draw all of it"
        )

    graph = graphviz.Digraph(
        name="compute_graph",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.2", "ranksep": "0.35"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"arrowsize": "0.6"},
    )
    flows = _edge_magnitudes(order) if grad_flow else None
    if collapse is None:
        _draw_full(graph, root, order, names, titles, flows, show_trace)
    else:
        _draw_collapsed(graph, root, order, names, titles, collapse, max_nodes, flows, auto_note)
    return graph


def parameter_names(model: Any) -> Dict[int, str]:
    """id(parameter) -> dotted name, from `model.named_parameters()` (nn.Module or the scalar nn.scalar.MLP)."""
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        raise TypeError(f"model must have named_parameters() (an nn.Module or nn.scalar.MLP), "
                        f"got {type(model).__name__}")
    return {id(p): name for name, p in named()}


def render(graph: graphviz.Digraph, path: Union[str, Path], format: Optional[str] = None,
           dpi: Optional[int] = None) -> Path:
    """Write the picture to `path` (svg or png; from the suffix unless `format` is given); return the path.

    `dpi` sets the resolution of a png (Graphviz's default is 96; 72 makes smaller files).
    The file is written atomically (temp file, then os.replace). Without Graphviz's `dot` program the DOT source
    is written next to it (`graph.dot`) and `GraphvizNotFoundError` says how to install Graphviz.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: format must be 'svg', 'png' or 'pdf', got {fmt!r}")
    if not path.suffix:
        path = path.with_suffix(f".{fmt}")
    elif path.suffix.lower() != f".{fmt}":
        raise ValueError(f"render: path {str(path)!r} has suffix {path.suffix!r} but format is {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if dpi is not None and fmt == "png":
        graph = graph.copy()
        graph.attr(dpi=str(dpi))
    try:
        data = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        dot_path = path.with_suffix(".dot")
        atomic_write(dot_path, graph.source.encode("utf-8"))
        raise GraphvizNotFoundError(
            f"Graphviz's 'dot' program was not found, so {path.name} could not be drawn; the graph's DOT source is in "
            f"{dot_path}. Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; "
            f"macOS: brew install graphviz; conda: conda install graphviz), or paste the DOT source into a Graphviz "
            f"viewer.",
            dot_path,
        ) from None
    atomic_write(path, data)
    return path


# ------------------------------------------------------------------------------------------------- full view


def _draw_full(graph: graphviz.Digraph, root: Node, order: List[Node], names: Dict[int, str],
               titles: "_LayerTitles", flows: Optional["_Flows"], show_trace: bool) -> None:
    """One box per value, one oval per op, one edge per parent link (plus op -> result)."""
    index = {id(n): i for i, n in enumerate(order)}
    layer_of = _assign_groups(order, {pid: layer_key(name) for pid, name in names.items()})
    step_of = {id(s.node): s.step for s in backprop_trace(root)} if show_trace else {}
    scale = _GradScale(flows.all()) if flows is not None else None

    clusters: Dict[str, graphviz.Digraph] = {}

    def home(node: Node) -> graphviz.Digraph:
        key = layer_of.get(id(node))
        if key is None:
            return graph
        if key not in clusters:
            clusters[key] = _cluster(key, titles)
        return clusters[key]

    for node in order:
        i = index[id(node)]
        sub = home(node)
        name = names.get(id(node), "")
        attrs = {"shape": "record", "label": _value_label(node, name, graph.graph_attr["rankdir"])}
        if name:
            attrs.update(style="filled", fillcolor=PARAM_FILL)
        if node is root:
            attrs["penwidth"] = "2"
        if _nonfinite(node.data) or _nonfinite(node.grad):
            attrs["color"] = "red"
        sub.node(f"v{i}", **attrs)
        if not node._parents:
            continue
        op_label = html.escape(node._op or "?")
        if id(node) in step_of:
            op_label = f'<{op_label}<BR/><FONT POINT-SIZE="8" COLOR="#1b7837">step {step_of[id(node)]}</FONT>>'
        sub.node(f"v{i}_op", label=op_label, shape="ellipse", style="filled", fillcolor=OP_FILL,
                 fontsize="11", margin="0.03,0.01", height="0.3")
        for slot, parent in enumerate(node._parents):
            style = scale.edge(flows.link[i][slot]) if scale is not None else {}
            graph.edge(f"v{index[id(parent)]}", f"v{i}_op", **style)
        graph.edge(f"v{i}_op", f"v{i}", **(scale.edge(flows.out[i]) if scale is not None else {}))

    for sub in clusters.values():
        graph.subgraph(sub)
    if scale is not None:
        _legend(graph, scale)


def _value_label(node: Node, name: str, rankdir: str) -> str:
    """A record label. Value: `title | data | grad` in a row, as micrograd draws it. Tensor: a column of
    title, `shape dtype`, data and grad (the values when there are at most 6, else summary statistics)."""
    title = [name or node.label] if (name or node.label) else []
    if isinstance(node.data, np.ndarray):
        fields = title + [f"{tuple(node.data.shape)} {node.data.dtype}", "data " + _array_text(node.data),
                          "grad " + _array_text(node.grad)]
        row = rankdir in ("TB", "BT")  # a record's top-level fields run across the rank direction; braces turn them
    else:
        fields = title + [f"data {node.data:.4f}", f"grad {node.grad:.4f}"]
        row = rankdir in ("LR", "RL")
    body = " | ".join(_record_escape(f) for f in fields)
    return "{ " + body + " }" if row else body


def _array_text(arr: Optional[np.ndarray]) -> str:
    """The values when there are at most 6, else min / mean / max and the L2 norm (on two lines)."""
    if arr is None:
        return "None"
    arr = np.asarray(arr)
    if arr.size <= 6:
        return _nested(arr)
    with np.errstate(all="ignore"):
        a = arr.astype(np.float64)
        return f"min {a.min():.3g}  max {a.max():.3g}\nmean {a.mean():.3g}  norm {magnitude(a):.3g}"


def _nested(arr: np.ndarray) -> str:
    """A small array as nested lists of short numbers: [[1, -2.5], [0.333, 4]]."""
    if arr.ndim == 0:
        return f"{arr.item():.4g}"
    return "[" + ", ".join(_nested(row) for row in arr) + "]"


def _record_escape(text: str) -> str:
    """Escape the characters that structure a record label; a newline becomes a centred line break."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


class _LayerTitles:
    """A cluster's title: the layer's name and, when the model has it at that path, its class (`0: Linear`)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, key: str) -> str:
        obj = self.model
        try:
            for part in key.split("."):
                obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
        except (LookupError, AttributeError, TypeError, ValueError):
            return key
        return f"{key}: {type(obj).__name__}"


def _cluster(key: str, titles: _LayerTitles) -> graphviz.Digraph:
    """A dashed box around one layer; Graphviz draws a subgraph as a box only when its name starts with cluster_."""
    name = "cluster_" + "".join(c if c.isalnum() else "_" for c in key)
    return graphviz.Digraph(name=name, graph_attr={"label": titles(key), "style": "rounded,dashed", "color": "#7f7f7f"})


# ------------------------------------------------------------------------------------------------- gradient flow


class _Flows:
    """The gradient magnitude on every edge: `link[i][slot]` into node i's op, `out[i]` from op i to value i."""

    def __init__(self) -> None:
        self.link: Dict[int, List[float]] = {}
        self.out: Dict[int, float] = {}

    def all(self) -> List[float]:
        return [m for ms in self.link.values() for m in ms] + list(self.out.values())


def _edge_magnitudes(order: List[Node]) -> _Flows:
    """Replay each op's backward to find what flows along each parent link (see `trace.replay_backward`)."""
    flows = _Flows()
    for i, node in enumerate(order):
        if not node._parents:
            continue
        if node._backward is None or node.grad is None:
            flows.link[i] = [0.0] * len(node._parents)
        else:
            flows.link[i] = [magnitude(g) for g in replay_backward(node, node.grad)]
        flows.out[i] = magnitude(node.grad)
    return flows


class _GradScale:
    """Maps a gradient magnitude to an edge colour and width, on a log scale over the graph's nonzero range.

    The scale spans at least MIN_DECADES powers of ten around the graph's range, so a graph whose gradients are
    all about the same size stays grey instead of calling its smallest gradient "vanishing".
    """

    def __init__(self, magnitudes: Iterable[float]) -> None:
        positive = [m for m in magnitudes if m > 0.0 and math.isfinite(m)]
        self.min = min(positive) if positive else 0.0
        self.max = max(positive) if positive else 0.0
        self.lo, self.hi = self.min, self.max
        if positive and math.log10(self.max / self.min) < MIN_DECADES:
            centre = math.sqrt(self.min * self.max)
            self.lo, self.hi = centre / 10 ** (MIN_DECADES / 2), centre * 10 ** (MIN_DECADES / 2)

    def position(self, m: float) -> float:
        """0 at the bottom of the scale, 1 at the top, linear in log10."""
        if self.hi <= self.lo:
            return 0.5
        return (math.log10(m) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))

    def colour(self, t: float) -> str:
        a, b, u = (VANISHING, MIDDLE, 2 * t) if t < 0.5 else (MIDDLE, EXPLODING, 2 * t - 1)
        return "#" + "".join(f"{round(x + (y - x) * u):02x}" for x, y in zip(a, b))

    def edge(self, m: float) -> Dict[str, str]:
        if not math.isfinite(m):
            return {"color": NONFINITE_COLOR, "penwidth": "5", "tooltip": f"gradient {m}"}
        if m == 0.0:
            return {"color": ZERO_COLOR, "style": "dashed", "penwidth": "0.8", "tooltip": "gradient 0"}
        t = self.position(m)
        return {"color": self.colour(t), "penwidth": f"{0.8 + 4.2 * t:.2f}", "tooltip": f"gradient {m:.3g}"}


def _legend(graph: graphviz.Digraph, scale: _GradScale) -> None:
    """A boxed table explaining the edge colours, with the graph's numeric range."""
    rows = [
        (scale.colour(0.0), f"{scale.lo:.2g} or less: vanishing"),
        (scale.colour(0.5), f"{math.sqrt(scale.lo * scale.hi):.2g}"),
        (scale.colour(1.0), f"{scale.hi:.2g} or more: exploding"),
        (ZERO_COLOR, "0 (dashed: no gradient)"),
        (NONFINITE_COLOR, "NaN or inf"),
    ]
    cells = "".join(f'<TR><TD BGCOLOR="{colour}" WIDTH="24"> </TD><TD ALIGN="LEFT">{html.escape(text)}</TD></TR>'
                    for colour, text in rows)
    label = (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">'
             f'<TR><TD COLSPAN="2"><B>gradient flow</B>: |grad| along each edge</TD></TR>'
             f'<TR><TD COLSPAN="2">(norm for tensors), colour and width on a log scale</TD></TR>{cells}'
             f'<TR><TD COLSPAN="2">this graph: {scale.min:.2g} to {scale.max:.2g}</TD></TR></TABLE>>')
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="", style="rounded", color="#7f7f7f")
        legend.node("legend", label=label, shape="plain", fontsize="9")


# ------------------------------------------------------------------------------------------------- grouping


def layer_key(name: str) -> str:
    """The layer a parameter belongs to: its name up to the first index (`layers.0.weight` -> `layers.0`),
    else without its last part (`fc1.weight` -> `fc1`)."""
    parts = name.split(".")
    for k, part in enumerate(parts):
        if part.isdigit():
            return ".".join(parts[: k + 1])
    return ".".join(parts[:-1]) or name


def neuron_key(name: str) -> str:
    """The neuron a scalar parameter belongs to: `layers.0.neurons.3.w.1` and `layers.0.neurons.3.b` ->
    `layers.0.neurons.3` (a Tensor layer is its own 'neuron': `layers.0.weight` -> `layers.0`)."""
    parts = name.split(".")
    if len(parts) > 1 and parts[-1].isdigit():
        parts = parts[:-1]
    return ".".join(parts[:-1]) or name


def _assign_groups(order: List[Node], param_group: Dict[int, str]) -> Dict[int, str]:
    """id(node) -> group (layer or neuron) for the parameters and the ops that belong with them.

    A node joins group G if
      1. it reads a parameter of G, or a value made only from G's parameters (like `W.T`): `x @ W.T`, `+ b`; or
      2. all its parents are in G, and it reads a node of rule 1 or feeds a later op of rule 1: a neuron's running
         sum, the activation between two layers.
    The loss reads targets too (so it stays out), and ops that come after the last layer's own ops (the tail of a
    loss such as `getitem`, `neg`, `mean`) stay out as well.
    """
    if not param_group:
        return {}
    own: Dict[int, str] = {}  # made only from one group's parameters
    direct: Dict[int, str] = {}  # rule 1
    for node in order:
        i = id(node)
        if i in param_group:
            own[i] = param_group[i]
        elif node._parents:
            keys = [own.get(id(p)) for p in node._parents]
            if keys[0] is not None and all(k == keys[0] for k in keys):
                own[i] = keys[0]
            elif any(k is not None for k in keys):
                direct[i] = next(k for k in keys if k is not None)
    feeds_direct = set()  # ancestors of rule-1 nodes: they lie before some layer's own ops
    for node in reversed(order):
        if id(node) in direct or id(node) in feeds_direct:
            feeds_direct.update(id(p) for p in node._parents)

    group: Dict[int, str] = {**own, **direct}
    for node in order:
        i = id(node)
        if i in group or not node._parents:
            continue
        parent_groups = {group.get(id(p)) for p in node._parents}
        if len(parent_groups) == 1 and None not in parent_groups:
            if i in feeds_direct or any(id(p) in direct for p in node._parents):
                group[i] = parent_groups.pop()
    return group


def _auto_mode(order: List[Node], names: Dict[int, str]) -> str:
    """neuron for a scalar (Value) model, layer for a Tensor model, op without a model."""
    if not names:
        return "op"
    scalar = any(id(n) in names and not isinstance(n.data, np.ndarray) for n in order)
    return "neuron" if scalar else "layer"


def _depths(order: List[Node]) -> List[int]:
    """Longest path from a leaf to each node (leaves 0), in topological order."""
    index = {id(n): i for i, n in enumerate(order)}
    depth = [0] * len(order)
    for i, node in enumerate(order):
        if node._parents:
            depth[i] = 1 + max(depth[index[id(p)]] for p in node._parents)
    return depth


def _group_by_op_depth(order: List[Node], nodes: Sequence[Tuple[int, Node]], depth: List[int],
                       target: int) -> Tuple[Dict[int, Tuple[str, int]], Dict[Tuple[str, int], str]]:
    """Merge `nodes` (index in `order`, node) that have the same op at similar depth, then merge chains.

    Depth windows double until at most `target` groups remain. Then a group whose values are all read by one
    other group of the same op joins it, so a running sum `((a + b) + c) + ...` becomes one box, not a row of them.
    Returns id(node) -> group key (op, window), and each group's title.
    """
    window = 1
    max_depth = max((depth[i] for i, _ in nodes), default=0)
    while True:
        keys = {id(n): (n._op or "leaf", depth[i] // window) for i, n in nodes}
        if len(set(keys.values())) <= target or window > max_depth:
            break
        window *= 2
    if len(set(keys.values())) > target:
        raise ValueError(f"collapsing by op still leaves {len(set(keys.values()))} groups (more than {target}); "
                         f"raise max_nodes")

    readers: Dict[Tuple[str, int], set] = defaultdict(set)
    for node in order:
        mine = keys.get(id(node))
        for parent in node._parents:
            theirs = keys.get(id(parent))
            if theirs is not None and theirs != mine:
                readers[theirs].add(mine)  # None: read by a group outside `nodes`
    merged_into = {k: k for k in set(keys.values())}

    def find(k: Tuple[str, int]) -> Tuple[str, int]:
        while merged_into[k] != k:
            k = merged_into[k]
        return k

    for key in sorted(merged_into, key=lambda k: k[1]):
        if len(readers[key]) == 1:
            (reader,) = readers[key]
            if reader is not None and reader[0] == key[0]:
                merged_into[find(key)] = find(reader)

    spans: Dict[Tuple[str, int], List[int]] = defaultdict(list)
    for i, n in nodes:
        spans[find(keys[id(n)])].append(depth[i])
    titles = {}
    for key, ds in spans.items():
        lo, hi = min(ds), max(ds)
        titles[key] = f"{key[0]}  depth {lo}" + (f"-{hi}" if hi > lo else "")
    return {node_id: find(key) for node_id, key in keys.items()}, titles


# ------------------------------------------------------------------------------------------------- collapsed view


def _draw_collapsed(graph: graphviz.Digraph, root: Node, order: List[Node], names: Dict[int, str],
                    titles: _LayerTitles, mode: str, max_nodes: Optional[int], flows: Optional[_Flows],
                    auto_note: str) -> None:
    """One box per group; one edge per pair of groups that share links, carrying the norm of their gradients."""
    graph.attr(ranksep="0.8")  # room for the many edges between neighbouring layers
    notes = [auto_note] if auto_note else []
    if mode in ("neuron", "layer") and not names:
        notes.append(f"collapse={mode!r} needs a model to find its {mode}s; no model given, so grouped by op and depth")
        mode = "op"
    keyfn = neuron_key if mode == "neuron" else layer_key
    group: Dict[int, Any] = {}  # id(node) -> its group: a name (neuron, layer) or an (op, depth window) key
    if mode != "op":
        group.update(_assign_groups(order, {pid: keyfn(name) for pid, name in names.items()}))
    model_groups = list(dict.fromkeys(group.values()))  # in order of appearance
    limit = max_nodes if max_nodes is not None else math.inf
    if len(model_groups) > limit:
        raise ValueError(f"collapse={mode!r} gives {len(model_groups)} groups, more than max_nodes={max_nodes}; "
                         f"use collapse='layer' or raise max_nodes")

    depth = _depths(order)
    rest = [(i, n) for i, n in enumerate(order) if id(n) not in group]
    target = int(min(limit - len(model_groups), OP_GROUPS if mode == "op" else REST_GROUPS))
    if rest and target < 1:
        raise ValueError(f"no room left under max_nodes={max_nodes} for the {len(rest)} nodes outside the model; "
                         f"raise max_nodes")
    op_groups, titles_of = _group_by_op_depth(order, rest, depth, target)
    group.update(op_groups)
    titles_of.update((g, g) for g in model_groups)
    rest_groups = len(set(op_groups.values()))

    if mode == "op":
        notes.append(f"collapsed {len(order):,} nodes into {rest_groups} op nodes (same op at similar depth)")
    else:
        covered = len(order) - len(rest)
        note = f"collapsed {covered:,} nodes into {len(model_groups)} {mode} nodes"
        if rest:
            note += f"; the other {len(rest):,} (inputs, loss) into {rest_groups} op nodes"
        notes.append(note)

    members: Dict[Any, List[Node]] = defaultdict(list)
    for node in order:
        members[group[id(node)]].append(node)
    links: Dict[Tuple[Any, Any], List[float]] = defaultdict(lambda: [0, 0.0])  # count, sum of squared gradients
    seen_outputs = set()  # (group, id(value)) for values read by another group: the group's outputs
    outputs: Dict[Any, List[Node]] = defaultdict(list)
    for i, node in enumerate(order):
        g_dst = group[id(node)]
        for slot, parent in enumerate(node._parents):
            g_src = group[id(parent)]
            if g_src == g_dst:
                continue
            link = links[(g_src, g_dst)]
            link[0] += 1
            if flows is not None:
                link[1] += flows.link[i][slot] ** 2
            if (g_src, id(parent)) not in seen_outputs:
                seen_outputs.add((g_src, id(parent)))
                outputs[g_src].append(parent)
    outputs[group[id(root)]].append(root)

    group_ids = {g: f"g{k}" for k, g in enumerate(members)}
    graph._player_groups = ({id(n): group_ids[group[id(n)]] for n in order},  # read by viz.player
                            {group_ids[g]: g if isinstance(g, str) else titles_of[g] for g in members})
    clusters: Dict[str, graphviz.Digraph] = {}
    for g, nodes in members.items():
        params = sum(1 for n in nodes if id(n) in names)
        cluster = layer_key(g) if mode == "neuron" and isinstance(g, str) and layer_key(g) != g else None
        title = g[len(cluster) + 1:] if cluster else titles_of[g]  # inside cluster `layers.0`, `neurons.3` suffices
        attrs = {"shape": "box", "style": "rounded", "label": _group_label(title, nodes, outputs[g], params)}
        if params:
            attrs.update(style="rounded,filled", fillcolor=PARAM_FILL)
        if g == group[id(root)]:
            attrs["penwidth"] = "2"
        sub = graph
        if cluster is not None:
            if cluster not in clusters:
                clusters[cluster] = _cluster(cluster, titles)
            sub = clusters[cluster]
        sub.node(group_ids[g], **attrs)
    for sub in clusters.values():
        graph.subgraph(sub)

    scale = None
    if flows is not None:
        scale = _GradScale(math.sqrt(s) for _, s in links.values())
    for (g_src, g_dst), (count, sumsq) in links.items():
        attrs = {"tooltip": f"{count} links"}
        if scale is not None:
            attrs = scale.edge(math.sqrt(sumsq))
            attrs["tooltip"] = f"{count} links, gradient norm {math.sqrt(sumsq):.3g}"
        graph.edge(group_ids[g_src], group_ids[g_dst], **attrs)

    graph.node("note", label=LINE_BREAK.join(notes), shape="note", style="filled", fillcolor="#fff8dc", fontsize="10")
    if scale is not None:
        _legend(graph, scale)


def _group_label(title: str, nodes: List[Node], outputs: List[Node], params: int) -> str:
    """Group name, how many nodes of which ops it holds, and its outputs' data and gradients."""
    ops = Counter(n._op or "leaf" for n in nodes)
    op_text = ", ".join(f"{op} x{k}" for op, k in ops.most_common(4)) + (", ..." if len(ops) > 4 else "")
    lines = [title, f"{len(nodes):,} nodes" + (f": {op_text}" if len(ops) > 1 else "")]
    if params:
        lines.append(f"{params} parameters")
    if outputs:
        plural = "s" if len(outputs) > 1 else ""
        lines.append(f"{len(outputs)} output{plural}: data {_summary([o.data for o in outputs])}")
        lines.append(f"grad {_summary([o.grad for o in outputs])}")
    return LINE_BREAK.join(lines)


def _summary(items: List[Any]) -> str:
    """A few numbers shown as they are; more as a min..max range."""
    if any(x is None for x in items):
        return "None"
    flat = np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x in items])
    if flat.size <= 3:
        return ", ".join(f"{x:.3g}" for x in flat)
    return f"{flat.min():.3g} .. {flat.max():.3g}"
