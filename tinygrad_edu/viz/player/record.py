"""Record the real graph, step by step, into plain data for the page: forward, backward, update.

The picture is `draw_graph(root, grad_flow=True)` laid out by Graphviz (so the page shows the same layout as the
still pictures). On top of it the recorder lists *frames*, one per step, and for each box of the picture the frame
at which it appears and the texts it shows from each frame on. Every number comes from the engine: the forward
values are the nodes' `data`; each backward step replays the op's own chain rule (`trace.replay_backward`) and
adds the shares to running gradients in the order `backward()` runs, so the page shows two contributions to a
reused value arriving on two steps and adding up, and ends on exactly the gradients `backward()` computed.
"""

from __future__ import annotations

import copy
import re
from collections import Counter, defaultdict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import graphviz
import numpy as np

from ...autograd import Node, toposort
from ..collapse import _summary
from ..graph import DEFAULT_MAX_NODES, _array_text, draw_graph, parameter_names
from ..trace import magnitude, node_name, replay_backward
from . import rules

PHASES = ("start", "forward", "backward", "update")


class _Recorder:
    """Frames plus, per SVG element (`v3`, `v3_op`, `g2`, edge `v0->v3_op#0`), when it appears and its texts."""

    def __init__(self) -> None:
        self.frames: List[Dict[str, Any]] = []
        self.phase_start: Dict[str, int] = {}
        self.appear: Dict[str, int] = {}
        self.edge_appear: Dict[str, int] = {}
        self.edge_lit: Dict[str, int] = {}
        self.texts: Dict[str, Dict[str, List[Any]]] = defaultdict(dict)  # key -> prefix -> [slots, events]
        self.info: Dict[str, List[str]] = {}

    def frame(self, phase: str, title: str, lines: List[str], focus: Sequence[str] = (),
              edges: Sequence[str] = ()) -> int:
        self.phase_start.setdefault(phase, len(self.frames))
        self.frames.append({"p": phase, "t": title, "x": lines, "f": list(focus), "e": list(edges)})
        return len(self.frames) - 1

    def text(self, key: str, prefix: str, slots: int, frame: int, lines: List[str]) -> None:
        """From `frame` on, the SVG texts of `key` that start (in the picture) with `prefix` read `lines`."""
        if len(lines) > slots:
            lines = lines[: slots - 1] + ["  ".join(lines[slots - 1:])]
        entry = self.texts[key].setdefault(prefix, [slots, []])
        entry[1].append([frame, lines + [""] * (slots - len(lines))])

    def data(self, **extra: Any) -> Dict[str, Any]:
        texts = {k: [[prefix, slots, events] for prefix, (slots, events) in v.items()] for k, v in self.texts.items()}
        return {"frames": self.frames, "phases": self.phase_start, "appear": self.appear,
                "edgeAppear": self.edge_appear, "edgeLit": self.edge_lit, "texts": texts, "info": self.info, **extra}


def _lines(prefix: str, text: str) -> List[str]:
    return (prefix + text).split("\n")


def _grad_text(x: Any) -> List[str]:
    return _lines("grad ", f"{x:.4f}" if isinstance(x, float) else _array_text(x))


def _data_text(x: Any) -> List[str]:
    return _lines("data ", f"{x:.4f}" if isinstance(x, float) else _array_text(x))


def _add(before: Any, share: Any, dtype: Any) -> Any:
    """What the engine's accumulation does: `grad += share` for a Value, `_accumulate` for a Tensor."""
    if dtype is None:  # a Value graph (a Tensor chain rule may hand over a numpy scalar: that is a float too)
        return before + share
    share = np.asarray(share, dtype=dtype)
    return np.array(share, copy=True) if before is None else before + share


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a == b or (a != a and b != b)
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def check_root(root: Any) -> None:
    if not isinstance(root, Node):
        raise TypeError(f"play needs a Value or Tensor (the result of a computation), got {type(root).__name__}")
    if magnitude(root.grad) == 0.0:
        raise RuntimeError(f"play shows the backward pass, but the root's grad is {root.grad!r}: "
                           "call root.backward() first")


def updates(order: List[Node], names: Dict[int, str], model: Any, lr: Optional[float],
            optimizer: Any, params: Optional[Sequence[Node]] = None) -> List[Tuple[Node, Any, str]]:
    """(parameter, new data, how) for each parameter in the graph; the model itself is not changed.

    The parameters: `params`, else the model's, else every leaf that requires grad. With `lr`: data - lr·grad.
    With an optimizer: its step on a deep copy of itself (and so of its parameters).
    """
    if lr is None and optimizer is None:
        return []
    in_graph = {id(n) for n in order}
    if optimizer is not None:
        memo: Dict[int, Any] = {}
        twin = copy.deepcopy(optimizer, memo)
        twin.step()
        out = []
        for p in optimizer.params:
            if id(p) in in_graph and p.grad is not None:
                out.append((p, memo[id(p)].data, f"{type(optimizer).__name__} step (lr {optimizer.lr:g})"))
        return out
    if params is None:
        params = model.parameters() if model is not None else [n for n in order if not n._parents and n.requires_grad]
    out = []
    for p in params:
        if id(p) not in in_graph or p.grad is None:
            continue
        new = p.data - lr * p.grad
        if isinstance(p.data, np.ndarray):
            new = new.astype(p.data.dtype)
        out.append((p, new, "data - lr·grad"))
    return out


MAX_NAME = 24


def expression_names(order: List[Node], names: Dict[int, str]) -> Dict[int, str]:
    """How the texts name each value: its parameter name or label, else the short expression that made it from
    named values (`x1*w1 + x2*w2`), else `op#i` as in `format_trace` (when the expression gets long)."""
    out: Dict[int, str] = {}
    for i, n in enumerate(order):
        own = names.get(id(n)) or n.label
        if own or not n._parents:
            out[id(n)] = own or node_name(n, i)
            continue
        args = [out[id(p)] for p in n._parents]
        op = n._op
        if op not in ("+", "sum") and (len(args) == 2 or op[:1] in "+-*/" or op[-1:] in "-/"):
            args = [f"({a})" if " " in a else a for a in args]  # operands of an infix op
        if op in ("+", "-") and len(args) == 2:
            text = f"{args[0]} {op} {args[1]}"
        elif op in ("*", "/", "**", "@") and len(args) == 2:
            text = f"{args[0]}{op}{args[1]}" if op != "@" else f"{args[0]} @ {args[1]}"
        elif op == "sum" and isinstance(n.data, float):
            text = " + ".join(args)
        elif op[:1] in "+-*/" and len(args) == 1:
            text = f"{args[0]}{op}" if op[:2] != "**" else f"{args[0]}{op}"
        elif op[-1:] in "-/" and len(args) == 1:
            text = f"{op}{args[0]}"
        else:
            text = f"{op}({', '.join(args)})"
        out[id(n)] = text if len(text) <= MAX_NAME and "#" not in text else node_name(n, i)
    return out


def _svg(graph: graphviz.Digraph) -> str:
    """Graphviz's SVG without the XML prologue, ready to inline in HTML."""
    svg = graph.pipe(format="svg").decode("utf-8")
    return _COMMENT.sub("", svg[svg.index("<svg"):])


_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)  # Graphviz names every node and edge in a comment too


_EDGE = re.compile(r"^(\w+)->(\w+)$")


def record(root: Node, model: Any = None, lr: Optional[float] = None, optimizer: Any = None,
           collapse: Optional[str] = None, max_nodes: Optional[int] = DEFAULT_MAX_NODES,
           rankdir: str = "LR", params: Optional[Sequence[Node]] = None) -> Tuple[str, Dict[str, Any]]:
    """(svg, data) of the player for `root`: the picture and the frames over it."""
    check_root(root)
    if lr is not None and optimizer is not None:
        raise ValueError("play: give lr= or optimizer=, not both")
    if lr is not None and not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"play: lr must be a positive number, got {lr!r}")
    graph = draw_graph(root, model=model, grad_flow=True, max_nodes=max_nodes, collapse=collapse, rankdir=rankdir)
    order = toposort(root)
    names = parameter_names(model) if model is not None else {}
    steps = updates(order, names, model, lr, optimizer, params)
    groups = getattr(graph, "_player_groups", None)
    if groups is None:
        data = _record_full(root, order, names, steps, lr)
    else:
        data = _record_collapsed(root, order, names, steps, *groups)
    data["kind"] = "Value" if isinstance(root.data, float) else "Tensor"
    data["nodes"] = len(order)
    return _svg(graph), data


# ------------------------------------------------------------------------------------------------- one box per value


def _record_full(root: Node, order: List[Node], names: Dict[int, str], steps: List[Tuple[Node, Any, str]],
                 lr: Optional[float]) -> Dict[str, Any]:
    rec = _Recorder()
    index = {id(n): i for i, n in enumerate(order)}
    scalar = isinstance(root.data, float)

    exprs = expression_names(order, names)

    def name(n: Node) -> str:
        return exprs[id(n)]

    def edge_keys(i: int, node: Node) -> List[str]:
        seen: Counter = Counter()
        keys = []
        for p in node._parents:
            base = f"v{index[id(p)]}->v{i}_op"
            keys.append(f"{base}#{seen[base]}")
            seen[base] += 1
        return keys

    leaves = [n for n in order if not n._parents]
    ops = [n for n in order if n._parents]
    rec.frame("start", "the graph before anything runs", [
        f"{len(order)} values: {len(leaves)} leaves (inputs and parameters, known from the start) and "
        f"{len(ops)} made by ops.",
        "→ (or the buttons) runs the forward pass one op at a time, then backward() one chain rule at a time"
        + (", then the update." if steps else "."),
    ], focus=[f"v{index[id(n)]}" for n in leaves])
    zero = root._zero_like_grad()
    for n in leaves:
        rec.appear[f"v{index[id(n)]}"] = 0
    for i, node in enumerate(order):
        slots = len(_grad_text(node.grad))
        rec.text(f"v{i}", "grad ", slots, 0, _grad_text(zero) if node.grad is not None else ["grad None"])

    # ---- forward: one op per step, in topological order
    for k, node in enumerate(ops, 1):
        i = index[id(node)]
        ins = [name(p) for p in node._parents]
        if scalar:
            lines = [f"{node._op}: " + rules.scalar_forward(node._op, name(node), ins, node.data,
                                                             [p.data for p in node._parents])]
        else:
            lines = [f"{node._op}: " + rules.tensor_forward(node._op, name(node), ins, tuple(node.data.shape),
                                                            [tuple(p.data.shape) for p in node._parents]),
                     f"data: {rules.stats(node.data)}"]
        f = rec.frame("forward", f"forward {k}/{len(ops)}: {node._op} → {name(node)}", lines,
                      focus=[f"v{i}_op", f"v{i}"])
        rec.appear[f"v{i}"] = rec.appear[f"v{i}_op"] = f
        for key in edge_keys(i, node):
            rec.edge_appear[key] = f
        rec.edge_appear[f"v{i}_op->v{i}#0"] = f

    # ---- backward: the seed, then one op per step in the order backward() runs them
    running: Dict[int, Any] = {id(n): zero for n in order}
    running[id(root)] = root.grad
    arrivals: Dict[int, List[str]] = defaultdict(list)
    f = rec.frame("backward", "backward() starts at the root", [
        f"d{rules.wrap(name(root))}/d{rules.wrap(name(root))} = 1: the root's gradient is the seed "
        f"({'1.0000' if scalar else 'ones of shape ' + str(tuple(root.data.shape))}).",
        "backward() now visits the ops in reverse topological order (every op after all the ops that use its "
        "result): each op's chain rule multiplies the gradient arriving at its result by its local derivative "
        "and adds the product to each input's grad.",
    ], focus=[f"v{index[id(root)]}"])
    rec.text(f"v{index[id(root)]}", "grad ", len(_grad_text(root.grad)), f, _grad_text(root.grad))
    visits = [n for n in reversed(order) if n._backward is not None and n.grad is not None]
    backward_frame: Dict[int, int] = {}
    for s, node in enumerate(visits, 1):
        i = index[id(node)]
        shares = replay_backward(node, node.grad)
        parents = node._parents
        shares = [sh if p.requires_grad else None for p, sh in zip(parents, shares)]
        ins = [name(p) for p in parents]
        before, after = [], []
        for p, sh in zip(parents, shares):
            before.append(running[id(p)])
            if sh is not None:
                running[id(p)] = _add(running[id(p)], sh, p.data.dtype if not scalar else None)
            after.append(running[id(p)])
        if scalar:
            locals_ = replay_backward(node, 1.0)
            lines = rules.scalar_step(node._op, name(node), ins, node.data, [p.data for p in parents], node.grad,
                                      [lc if sh is not None else None for lc, sh in zip(locals_, shares)],
                                      shares, before, after, root=name(root))
        else:
            lines = rules.tensor_step(node._op, name(node), ins, tuple(node.data.shape),
                                      [tuple(p.data.shape) for p in parents], node.grad, shares,
                                      node._op in ("+", "-", "*", "/", "**"))
        keys = edge_keys(i, node)
        f = rec.frame("backward", f"backward {s}/{len(visits)}: {node._op} → {', '.join(dict.fromkeys(ins))}",
                      lines, focus=[f"v{i}_op", f"v{i}"] + [f"v{index[id(p)]}" for p in parents],
                      edges=keys + [f"v{i}_op->v{i}#0"])
        backward_frame[i] = f
        for key in keys + [f"v{i}_op->v{i}#0"]:
            rec.edge_lit.setdefault(key, f)
        for p, sh in zip(parents, shares):
            if sh is not None:
                j = index[id(p)]
                rec.text(f"v{j}", "grad ", len(_grad_text(p.grad)), f, _grad_text(running[id(p)]))
                arrivals[id(p)].append(f"step {s} ({node._op} → {name(node)}): "
                                       + (rules.num(sh) if scalar else rules.stats(sh)))
    mismatched = [n for n in order if n.requires_grad and n is not root and not _same(running[id(n)], n.grad)]
    if mismatched:  # e.g. a leaf that kept gradient from an earlier backward() (grads accumulate until zeroed)
        f = rec.frame("backward", "gradients kept from earlier backward() calls", [
            f"{len(mismatched)} values hold more than this backward pass sent them: leaves keep adding up gradients "
            "over backward() calls until zero_grad(). Here they show the engine's grad: "
            + ", ".join(name(n) for n in mismatched[:8]) + (" ..." if len(mismatched) > 8 else "")],
            focus=[f"v{index[id(n)]}" for n in mismatched])
        for n in mismatched:
            rec.text(f"v{index[id(n)]}", "grad ", len(_grad_text(n.grad)), f, _grad_text(n.grad))

    # ---- update
    for k, (p, new, how) in enumerate(steps, 1):
        j = index[id(p)]
        if scalar and lr is not None:
            lines = [f"{name(p)}: data - lr·grad = {rules.num(p.data)} - {lr:g} × {rules._p(p.grad)} = "
                     f"{rules.num(new)}"]
        elif scalar:
            lines = [f"{name(p)}: {how}: {rules.num(p.data)} → {rules.num(new)} (grad {rules.num(p.grad)})"]
        else:
            rule = f"data - lr·grad with lr {lr:g}" if lr is not None else how
            lines = [f"{name(p)} {tuple(p.data.shape)}: {rule}",
                     f"before: {rules.stats(p.data)}", f"grad: {rules.stats(p.grad)}", f"after: {rules.stats(new)}"]
        f = rec.frame("update", f"update {k}/{len(steps)}: {name(p)}", lines, focus=[f"v{j}"])
        rec.text(f"v{j}", "data ", len(_data_text(p.data)), 0, _data_text(p.data))
        rec.text(f"v{j}", "data ", len(_data_text(p.data)), f, _data_text(new))

    for i, node in enumerate(order):
        lines = [f"{name(node)}: data {rules.num(node.data) if scalar else rules.stats(node.data)}",
                 f"grad {rules.num(node.grad) if scalar else rules.stats(node.grad)} (after backward)"]
        if arrivals[id(node)]:
            lines.append(f"its gradient arrived in {len(arrivals[id(node)])} contribution(s), which add up:")
            lines += ["  " + a for a in arrivals[id(node)]]
        elif node is root:
            lines.append("the root: its gradient is the seed, d root/d root = 1")
        rec.info[f"v{i}"] = lines
        if node._parents:  # the op's forward and backward steps, by frame number (the page copies their text)
            rec.info[f"v{i}_op"] = [["forward:", rec.appear[f"v{i}_op"]]] + (
                [["backward:", backward_frame[i]]] if i in backward_frame else ["backward: no gradient reaches it"])
    return rec.data(mode="full")


# ------------------------------------------------------------------------------------------------- one box per group


def _natural(title: str) -> List[Any]:
    """Sort key that puts `neurons.2` before `neurons.10`."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", title)]


def _levels(members: Dict[str, List[Node]], edges_into: Dict[str, List[str]], root_group: str) -> Dict[str, int]:
    """Each box's distance from the root's box along the longest chain of boxes (0 for the root's box)."""
    edges = [(key.split("->")[0], dst) for dst, keys in edges_into.items() for key in keys]
    level = {g: 0 for g in members}
    for _ in range(len(members)):  # longest paths by relaxation; stops early once nothing changes
        changed = False
        for src, dst in edges:
            if level[dst] + 1 > level[src]:
                level[src] = level[dst] + 1
                changed = True
        if not changed:
            break
    return level



def _record_collapsed(root: Node, order: List[Node], names: Dict[int, str], steps: List[Tuple[Node, Any, str]],
                      gid: Dict[int, str], titles: Dict[str, str]) -> Dict[str, Any]:
    rec = _Recorder()
    index = {id(n): i for i, n in enumerate(order)}
    members: Dict[str, List[Node]] = defaultdict(list)
    for n in order:
        members[gid[id(n)]].append(n)
    outputs: Dict[str, List[Node]] = defaultdict(list)
    seen = set()
    for n in order:
        for p in n._parents:
            if gid[id(p)] != gid[id(n)] and id(p) not in seen:
                seen.add(id(p))
                outputs[gid[id(p)]].append(p)
    if id(root) not in seen:
        outputs[gid[id(root)]].append(root)
    zero = root._zero_like_grad()
    scalar = isinstance(root.data, float)

    def ops_of(g: str) -> str:
        c = Counter(n._op or "leaf" for n in members[g])
        return ", ".join(f"{op} x{k}" for op, k in c.most_common(4)) + (", ..." if len(c) > 4 else "")

    def pname(p: Node) -> str:
        return names.get(id(p)) or node_name(p, index[id(p)])

    # forward: one step per box, farthest from the root first (each box after the boxes it reads)
    leaf_only = {g for g, ns in members.items() if all(not n._parents for n in ns)}
    rec.frame("start", "the graph before anything runs", [
        f"{len(order):,} values drawn as {len(members)} boxes "
        f"(one per {'neuron or layer' if names else 'op and depth'}).",
        "Each step below runs one box: all the ops inside it, forward, then backward.",
        "Boxes of inputs and parameters only (no ops) are there from the start.",
    ], focus=sorted(leaf_only))
    for g in members:
        if outputs[g]:
            rec.text(g, "grad ", 1, 0, ["grad " + _summary([zero] * len(outputs[g]))])
    for g in leaf_only:
        rec.appear[g] = 0
    edges_into: Dict[str, List[str]] = defaultdict(list)
    for n in order:
        for p in n._parents:
            a, b = gid[id(p)], gid[id(n)]
            if a != b and f"{a}->{b}#0" not in edges_into[b]:
                edges_into[b].append(f"{a}->{b}#0")
    level = _levels(members, edges_into, gid[id(root)])
    fwd = sorted((g for g in members if g not in leaf_only), key=lambda g: (-level[g], _natural(titles[g])))
    for k, g in enumerate(fwd, 1):
        outs = outputs[g]
        lines = [f"{titles[g]}: {len(members[g]):,} nodes ({ops_of(g)}) computed, in topological order",
                 f"{len(outs)} output(s): data {_summary([o.data for o in outs])}" if outs else "no outputs"]
        f = rec.frame("forward", f"forward {k}/{len(fwd)}: {titles[g]}", lines, focus=[g])
        rec.appear[g] = f
        for key in edges_into[g]:
            rec.edge_appear[key] = f
        rec.info[g] = ["forward: " + lines[0], lines[1]]

    # backward: one step per box, nearest the root first (each box after every box that reads its outputs); by then
    # backward() has run all the box's chain rules and its outputs hold their final gradients
    visits = [n for n in reversed(order) if n._backward is not None and n.grad is not None]
    done: Dict[str, int] = {}
    runs: Dict[str, int] = Counter()
    flow: Dict[Tuple[str, str], float] = defaultdict(float)
    for s, n in enumerate(visits):
        g = gid[id(n)]
        done[g] = s
        runs[g] += 1
        for p, sh in zip(n._parents, replay_backward(n, n.grad)):
            done[gid[id(p)]] = max(done.get(gid[id(p)], -1), s)
            if gid[id(p)] != g and p.requires_grad:
                flow[(gid[id(p)], g)] += magnitude(sh) ** 2
    rec.frame("backward", "backward() starts at the root", [
        "d root/d root = 1. backward() visits every op in reverse topological order, which goes through the boxes",
        "interleaved (sample by sample). Here each box gets one step, in the order the gradient reaches it: after",
        "every box that reads its outputs. Each step shows the box's outputs with their final gradients.",
    ], focus=[gid[id(root)]])
    bwd = sorted(done, key=lambda g: (level[g], _natural(titles[g])))
    frame_of: Dict[str, int] = {}
    for k, g in enumerate(bwd, 1):
        outs = outputs[g]
        sends = [(a, flow[(a, g)] ** 0.5) for a in dict.fromkeys(key.split("->")[0] for key in edges_into[g])]
        params = [n for n in members[g] if id(n) in names]
        lines = [f"{titles[g]}: {runs[g]:,} chain rules ran ({ops_of(g)})" if runs[g] else
                 f"{titles[g]}: no ops inside; gradient arrived from the boxes that read it"]
        if outs:
            lines.append(f"gradient at its {len(outs)} output(s): grad {_summary([o.grad for o in outs])}")
        if sends:
            lines.append("sends gradient back to: " + ", ".join(f"{titles[a]} (norm {m:.3g})" for a, m in sends[:6])
                         + (" ..." if len(sends) > 6 else ""))
        if params:
            shown = ", ".join(f"{pname(p).split('.', 4)[-1]} {rules.num(p.grad) if scalar else rules.stats(p.grad)}"
                              for p in params[:6])
            lines.append(f"its {len(params)} parameters' grads: {shown}" + (" ..." if len(params) > 6 else ""))
        f = rec.frame("backward", f"backward {k}/{len(bwd)}: {titles[g]}", lines, focus=[g] + [a for a, _ in sends],
                      edges=edges_into[g])
        for key in edges_into[g]:
            rec.edge_lit.setdefault(key, f)
        frame_of[g] = f
        rec.info[g] = rec.info.get(g, []) + ["backward: " + lines[0]] + lines[1:]

    readers: Dict[str, List[str]] = defaultdict(list)
    for dst, keys in edges_into.items():
        for key in keys:
            readers[key.split("->")[0]].append(dst)
    for g in frame_of:  # a box's outputs hold their final gradient once every box that reads them has had its step
        if outputs[g]:
            arrived = max((frame_of[r] for r in readers[g] if r in frame_of), default=frame_of[g])
            rec.text(g, "grad ", 1, min(arrived, frame_of[g]), ["grad " + _summary([o.grad for o in outputs[g]])])

    by_group: Dict[str, List[Tuple[Node, Any, str]]] = defaultdict(list)
    for p, new, how in steps:
        by_group[gid[id(p)]].append((p, new, how))
    for k, (g, items) in enumerate(by_group.items(), 1):
        lines = [f"{titles[g]}: {len(items)} parameters, {items[0][2]}"]
        for p, new, _ in items[:8]:
            lines.append(f"  {pname(p)}: {rules.num(p.data) if scalar else rules.stats(p.data)} → "
                         f"{rules.num(new) if scalar else rules.stats(new)}")
        if len(items) > 8:
            lines.append(f"  ... and {len(items) - 8} more")
        rec.frame("update", f"update {k}/{len(by_group)}: {titles[g]}", lines, focus=[g])
    return rec.data(mode="collapsed")
