"""How the pictures look and how text gets into them safely: colours, the gradient-flow scale and its legend, and
the escaping every label goes through (record, plain or HTML-like labels)."""

from __future__ import annotations

import html
import math
from typing import Dict, Iterable, List

import graphviz

from ..autograd import Node
from .trace import magnitude, replay_backward

# Gradient-flow colours, on a log scale of each gradient's size relative to the largest in the graph: red for the
# largest, grey for DECADES/2 powers of ten smaller, blue for DECADES powers of ten smaller or less. With one
# learning rate for all weights, a gradient 1000x smaller than the largest means those weights learn about 1000x
# more slowly: that is what "vanishing" means here, and the legend says so. Only NaN and inf are "exploded".
DECADES = 3.0
VANISHING = (43, 95, 217)  # blue
MIDDLE = (136, 136, 136)  # grey
EXPLODING = (214, 39, 40)  # red
ZERO_COLOR = "#bbbbbb"
NONFINITE_COLOR = "#9400d3"  # purple: NaN or inf

LINE_BREAK = "\\n"  # Graphviz's escape for a centred line break inside a label
PARAM_FILL = "#d6e9f8"
OP_FILL = "#f2f2f2"


def _record_escape(text: str) -> str:
    """Escape the characters that structure a record label; a newline becomes a centred line break."""
    text = _printable(text)
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


# Every piece of text that reaches Graphviz (a parameter's name, a value's label, an op's name) goes through one
# of the three functions below, by the kind of label it lands in: record, plain, or HTML-like.


def _printable(text: str) -> str:
    """Control characters written as escapes (`\\x00`): a NUL byte would end dot's input mid-label."""
    return "".join(ch if ch.isprintable() or ch == "\n" else repr(ch)[1:-1] for ch in str(text))


def _plain(*lines: str) -> graphviz.quoting.NoHtml:
    """A plain label, one centred line per argument: backslashes literal, never read as HTML (`<...>`)."""
    return graphviz.nohtml(LINE_BREAK.join(_printable(line).replace("\\", "\\\\").replace("\n", LINE_BREAK)
                                           for line in lines))


def _html_text(text: str) -> str:
    """Text inside an HTML-like label."""
    return html.escape(_printable(text))


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
    """Maps a gradient magnitude to an edge colour and width: its size relative to the graph's largest gradient, on
    a log scale DECADES powers of ten wide (smaller ones get the bottom colour)."""

    def __init__(self, magnitudes: Iterable[float]) -> None:
        positive = [m for m in magnitudes if m > 0.0 and math.isfinite(m)]
        self.min = min(positive) if positive else 0.0
        self.max = max(positive) if positive else 0.0
        self.hi = self.max
        self.lo = self.max / 10**DECADES

    def position(self, m: float) -> float:
        """1 for the largest gradient, 0 for one DECADES powers of ten smaller or less, linear in log10."""
        if self.hi <= 0.0:
            return 0.5
        return min(1.0, max(0.0, 1.0 + math.log10(m / self.hi) / DECADES))

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
    half = 10 ** (DECADES / 2)
    rows = [
        (scale.colour(1.0), f"{scale.hi:.2g}: the largest gradient here"),
        (scale.colour(0.5), f"{scale.hi / half:.2g}: {half:.0f}x smaller"),
        (scale.colour(0.0), f"{scale.lo:.2g} or less: {10 ** DECADES:,.0f}x smaller, vanishing"),
        (ZERO_COLOR, "0 (dashed: no gradient)"),
        (NONFINITE_COLOR, "NaN or inf: exploded"),
    ]
    cells = "".join(f'<TR><TD BGCOLOR="{colour}" WIDTH="24"> </TD><TD ALIGN="LEFT">{_html_text(text)}</TD></TR>'
                    for colour, text in rows)
    label = (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">'
             f'<TR><TD COLSPAN="2"><B>gradient flow</B>: |grad| along each edge (norm for tensors),</TD></TR>'
             f'<TR><TD COLSPAN="2">colour and width: how it compares with the largest</TD></TR>{cells}'
             f'<TR><TD COLSPAN="2">(one learning rate for all: a weight whose gradient is '
             f'{10 ** DECADES:,.0f}x</TD></TR>'
             f'<TR><TD COLSPAN="2">smaller learns about {10 ** DECADES:,.0f}x more slowly)</TD></TR>'
             f'<TR><TD COLSPAN="2">this graph: {scale.min:.2g} to {scale.max:.2g}</TD></TR></TABLE>>')
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="", style="rounded", color="#7f7f7f")
        legend.node("legend", label=label, shape="plain", fontsize="9")
