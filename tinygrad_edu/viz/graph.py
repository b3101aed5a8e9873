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

import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Union

import graphviz
import numpy as np

from .._files import atomic_write
from ..autograd import Node, _nonfinite, toposort
from .collapse import _assign_groups, _auto_mode, _draw_collapsed, layer_key, neuron_key  # noqa: F401
from .style import (DECADES, EXPLODING, MIDDLE, OP_FILL, PARAM_FILL, VANISHING, _edge_magnitudes,  # noqa: F401
                    _Flows, _GradScale, _html_text, _legend, _plain, _record_escape)
from .trace import backprop_trace, magnitude

# Beyond this many values a graph is drawn collapsed. Measured by benchmarks/bench_draw.py (`dot -Tpng` of scalar
# MLP graphs drawn with model= and grad_flow=True, 2 cores at load average 12): 88 values 2.5 s (4973x2971 px),
# 138 values 3.3 s (5320x4875 px), 238 values 7.5 s (5992x8683 px), 484 values 18.8 s (5656x19563 px). A whole
# graph much past 150 values is too big to read; collapsed, 4,000 values draw in under a second.
DEFAULT_MAX_NODES = 150
MAX_INCHES = 50  # dot scales bigger drawings down to this (4800 px at 96 dpi): 484 values then take 2.0 s, not 18.8
DOT_TIMEOUT = 60.0  # seconds: render() and the notebook display stop `dot` after this long (None: no limit)
COLLAPSE_MODES = (None, "neuron", "layer", "op")

INSTALL_GRAPHVIZ = ("Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                    "conda: conda install graphviz)")


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is not installed; the DOT source was written instead (see `.dot_path`)."""

    def __init__(self, message: str, dot_path: Optional[Path] = None) -> None:
        super().__init__(message)
        self.dot_path = dot_path


class GraphvizTimeoutError(RuntimeError):
    """Graphviz's `dot` took longer than the time limit to lay the graph out, and was stopped."""


class Graph(graphviz.Digraph):
    """The picture `draw_graph` returns: a `graphviz.Digraph` whose notebook display runs `dot` with a time limit
    (DOT_TIMEOUT seconds) and, when Graphviz is missing or too slow, shows what to do instead of a traceback."""

    def _repr_mimebundle_(self, include: Optional[Iterable[str]] = None, exclude: Optional[Iterable[str]] = None,
                          **_: Any) -> Dict[str, Union[bytes, str]]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or [])
        formats = {"image/svg+xml": "svg", "image/png": "png"}
        try:
            out: Dict[str, Union[bytes, str]] = {}
            for mime in sorted(wanted & set(formats)):
                data = run_dot(self.source, formats[mime], DOT_TIMEOUT)
                out[mime] = data.decode("utf-8") if mime == "image/svg+xml" else data
            return out
        except (GraphvizNotFoundError, GraphvizTimeoutError) as e:
            return {"text/plain": str(e)}


def run_dot(source: str, fmt: str, timeout: Optional[float]) -> bytes:
    """Lay out and draw DOT `source` with Graphviz's `dot` as `fmt` (svg, png, pdf), stopping it after `timeout`
    seconds (None: no limit). Raises GraphvizNotFoundError or GraphvizTimeoutError with what to do next."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(f"Graphviz's 'dot' program was not found, so the graph cannot be drawn. "
                                    f"{INSTALL_GRAPHVIZ}.")
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        nodes = sum(1 for line in source.splitlines() if "[" in line and "->" not in line)
        raise GraphvizTimeoutError(
            f"Graphviz's dot took more than {timeout:g} s to lay out this graph ({nodes:,} boxes and ovals) "
            f"and was stopped. Draw it collapsed (draw_graph(..., collapse='neuron', 'layer' or 'op'), or a smaller "
            f"max_nodes), draw a smaller graph, or allow more time: render(..., timeout=None)"
        ) from None
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


# ------------------------------------------------------------------------------------------------- public API


def draw_graph(
    root: Node,
    model: Any = None,
    grad_flow: bool = False,
    max_nodes: Optional[int] = DEFAULT_MAX_NODES,
    collapse: Optional[str] = None,
    rankdir: str = "LR",
    show_trace: bool = False,
) -> Graph:
    """The compute graph behind `root` (a Value or Tensor) as a `graphviz.Digraph` (shows inline in Jupyter).

    model       anything with `named_parameters()` (`nn.Module`, `nn.scalar.MLP`): parameters are drawn with their
                names, and each layer (name prefix up to the first index, e.g. `layers.0`) as a dashed cluster.
    grad_flow   colour and thicken each edge by the size of the gradient flowing back along it (|grad|, or the
                norm for Tensors) compared with the graph's largest (red), on a log scale down to 1000x smaller
                (blue: vanishing, those weights learn 1000x slower); dashed: no gradient. Needs backward().
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
                     f"automatically (choose with collapse=; max_nodes=None draws every node, slowly)")
    if show_trace and collapse is not None:
        raise ValueError(
            f"show_trace numbers every op node, but this graph is drawn collapsed ({len(order):,} nodes, "
            f"collapse={collapse!r}); trace a smaller graph, or pass max_nodes=None to draw all of it"
        )

    graph = Graph(
        name="compute_graph",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.2", "ranksep": "0.35",
                    "size": f"{MAX_INCHES},{MAX_INCHES}"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"arrowsize": "0.6", "fontname": "Helvetica"},
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
           dpi: Optional[int] = None, timeout: Optional[float] = DOT_TIMEOUT) -> Path:
    """Write the picture to `path` (svg or png; from the suffix unless `format` is given); return the path.

    `dpi` sets the resolution of a png (Graphviz's default is 96; 72 makes smaller files).
    `timeout`: stop `dot` after this many seconds with GraphvizTimeoutError (default DOT_TIMEOUT; None: no limit).
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
        data = run_dot(graph.source, fmt, timeout)
    except GraphvizNotFoundError:
        dot_path = path.with_suffix(".dot")
        atomic_write(dot_path, graph.source.encode("utf-8"))
        raise GraphvizNotFoundError(
            f"Graphviz's 'dot' program was not found, so {path.name} could not be drawn; the graph's DOT source is in "
            f"{dot_path}. {INSTALL_GRAPHVIZ}, or paste the DOT source into a Graphviz viewer.",
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
        op_label: str = _plain(node._op or "?")
        if id(node) in step_of:
            op_label = (f'<{_html_text(node._op or "?")}<BR/>'
                        f'<FONT POINT-SIZE="8" COLOR="#1b7837">step {step_of[id(node)]}</FONT>>')
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
    return graphviz.Digraph(name=name, graph_attr={"label": _plain(titles(key)), "style": "rounded,dashed",
                                                   "color": "#7f7f7f"})
