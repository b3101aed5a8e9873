"""Big graphs drawn small: which layer or neuron each node belongs to (from the model's parameter names), and the
collapsed view that draws one box per group. `graph.draw_graph(collapse=...)` calls into this file."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import graphviz
import numpy as np

from ..autograd import Node
from .style import PARAM_FILL, _Flows, _GradScale, _legend, _plain, _record_escape

OP_GROUPS = 40  # collapse="op" aims for at most this many groups
LOSS_OPS = ("log_softmax", "softmax", "nll_loss", "clamped_log", "softplus")  # drawn with the loss, not a layer
REST_GROUPS = 12  # with a model: nodes outside every neuron/layer (inputs, loss) share at most this many groups


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
    loss such as `getitem`, `neg`, `mean`) stay out as well, as does a loss's first op (`log_softmax` in
    cross_entropy) unless it feeds another layer.
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
            loss_op = (node._op or "").startswith(LOSS_OPS)  # log_softmax after the last Linear: the loss's
            if i in feeds_direct or (not loss_op and any(id(p) in direct for p in node._parents)):
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
                    titles: Callable[[str], str], mode: str, max_nodes: Optional[int], flows: Optional[_Flows],
                    auto_note: str) -> None:
    """One box per group; one edge per pair of groups that share links, carrying the norm of their gradients."""
    graph.attr(ranksep="0.6")
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
    if mode != "op":
        _fold_constants(order, group, names, set(model_groups))
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

    # A scalar model's layer is one box with a row per neuron, in the model's order (neuron 0 on top); the many
    # links between two layers' neurons are drawn as one edge, so the picture stays readable.
    group_ids = {g: f"g{k}" for k, g in enumerate(members)}
    layer_rows: Dict[str, List[Any]] = defaultdict(list)
    for g in sorted((g for g in members if isinstance(g, str)), key=_natural):
        if mode == "neuron" and layer_key(g) != g:
            layer_rows[layer_key(g)].append(g)
    box_of = dict(group_ids)  # group -> node id (a layer row: `L0:n3`, the port of neuron 3's row)
    layer_of: Dict[Any, str] = {}
    for k, (layer, gs) in enumerate(layer_rows.items()):
        rows = [titles(layer) + f" ({len(gs)} neuron{'s' if len(gs) > 1 else ''})"]
        for j, g in enumerate(gs):
            rows.append(f"<n{j}> " + "\\n".join(_record_escape(line) for line in _group_lines(
                g, "neuron", g, members[g], outputs[g], names)))
            box_of[g], layer_of[g] = f"L{k}:n{j}", f"L{k}"
        rows[0] = _record_escape(rows[0])
        body = " | ".join(rows)
        attrs = {"shape": "record", "style": "rounded,filled", "fillcolor": PARAM_FILL,
                 "label": body if graph.graph_attr["rankdir"] in ("LR", "RL") else "{ " + body + " }"}
        if group[id(root)] in gs:
            attrs["penwidth"] = "2"
        graph.node(f"L{k}", **attrs)
    for g, nodes in members.items():
        if g not in layer_of:
            kind = "layer" if g in titles_of and isinstance(g, str) else "ops"
            lines = _group_lines(g, kind, titles_of[g], nodes, outputs[g], names)
            attrs = {"shape": "box", "style": "rounded", "label": _plain(*lines)}
            if any(id(n) in names for n in nodes):
                attrs.update(style="rounded,filled", fillcolor=PARAM_FILL)
            if g == group[id(root)]:
                attrs["penwidth"] = "2"
            graph.node(group_ids[g], **attrs)

    # Read by viz.player: the drawn box of every node (a neuron's row belongs to its layer's box) and box titles.
    box = {g: layer_of.get(g, group_ids[g]) for g in members}
    graph._player_groups = ({id(n): box[group[id(n)]] for n in order},
                            {box[g]: titles(layer_key(g)) if g in layer_of else titles_of[g] for g in members})

    drawn: Dict[Tuple[str, str], List[float]] = defaultdict(lambda: [0, 0.0])  # merged links between layer boxes
    pairs: Dict[Tuple[str, str], int] = defaultdict(int)  # how many neuron-to-neuron connections each one stands for
    for (g_src, g_dst), (count, sumsq) in links.items():
        both_layers = g_src in layer_of and g_dst in layer_of
        ends = (layer_of[g_src], layer_of[g_dst]) if both_layers else (box_of[g_src], box_of[g_dst])
        drawn[ends][0] += count
        drawn[ends][1] += sumsq
        pairs[ends] += 1
    scale = None
    if flows is not None:
        scale = _GradScale(math.sqrt(s) for _, s in drawn.values())
    for (src, dst), (count, sumsq) in drawn.items():
        attrs = {"tooltip": f"{count} links"}
        if scale is not None:
            attrs = scale.edge(math.sqrt(sumsq))
            attrs["tooltip"] = f"{count} links, gradient norm {math.sqrt(sumsq):.3g}"
        if pairs[(src, dst)] > 1:
            attrs["label"] = f"{pairs[(src, dst)]} connections"
            attrs["fontsize"] = "9"
        graph.edge(src, dst, **attrs)

    graph.node("note", label=_plain(*notes), shape="note", style="filled", fillcolor="#fff8dc", fontsize="10")
    if scale is not None:
        _legend(graph, scale)


def _fold_constants(order: List[Node], group: Dict[int, Any], names: Dict[int, str], model_groups: set) -> None:
    """A leaf that is no parameter and is read by one group outside the model only (a constant of the loss, such as
    the 0 a running sum starts from) joins that group: no edge from the inputs across the picture to the loss."""
    readers: Dict[int, set] = defaultdict(set)
    for node in order:
        for parent in node._parents:
            readers[id(parent)].add(group[id(node)])
    for node in order:
        i = id(node)
        if node._parents or i in names or len(readers[i]) != 1:
            continue
        (reader,) = readers[i]
        if reader not in model_groups:
            group[i] = reader


def _natural(name: str) -> List[Any]:
    """Sort key that puts `neurons.10` after `neurons.9`."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in name.split(".")]


ACTIVATIONS = ("tanh", "relu", "sigmoid")


def _group_lines(g: Any, kind: str, title: str, nodes: List[Node], outputs: List[Node],
                 names: Dict[int, str]) -> List[str]:
    """A collapsed group in words a learner reads: what it computes, its outputs and their gradients."""
    params = [names[id(n)] for n in nodes if id(n) in names]
    ops = Counter(n._op or "leaf" for n in nodes)
    if kind == "neuron":
        # micrograd's neuron has a `tanh` node; a fused one (Value.weighted_sum) one node named `tanh(w·x+b)`
        act = next((a for a in ACTIVATIONS if a in ops or any(op.startswith(a + "(") for op in ops)), "")
        weights = sum(1 for name in params if ".w." in f".{name}.")
        formula = f"{act}(w·x + b)" if act else "w·x + b"
        lines = [f"neuron {g.rsplit('.', 1)[-1]}: {formula}, {weights} weights + 1 bias"]
    elif kind == "layer":
        lines = [title, f"{sum(np.size(n.data) for n in nodes if id(n) in names):,} parameters"]
    elif set(ops) == {"leaf"}:
        lines = [f"inputs ({len(nodes)} values)"]
    else:
        shown = [(op, k) for op, k in ops.most_common() if op != "leaf"]
        depth = title.split("  depth ")[1] if "  depth " in title else ""
        text = ", ".join(op + (f" x{k}" if k > 1 else "") for op, k in shown[:3]) + (", ..." if len(shown) > 3 else "")
        lines = [text + (f" at depth {depth}" if depth else "")]
    if outputs:
        many = len(outputs) > 1 or np.size(outputs[0].data) > 1
        lines.append(("outputs " if many else "output ") + _summary([o.data for o in outputs]))
        lines.append(("gradients " if many else "gradient ") + _summary([o.grad for o in outputs]))
    return lines


def _summary(items: List[Any]) -> str:
    """A few numbers shown as they are; more as a min..max range."""
    if any(x is None for x in items):
        return "None"
    flat = np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x in items])
    if flat.size <= 3:
        return ", ".join(f"{x:.3g}" for x in flat)
    if flat.min() == flat.max():
        return f"all {flat.min():.3g}"
    return f"{flat.min():.3g} .. {flat.max():.3g}"
