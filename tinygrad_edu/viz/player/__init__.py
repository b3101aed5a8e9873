"""Watch backprop happen: a player of your own graph (and of a training run) in one HTML page.

    loss.backward()
    p = play(loss, model=model, lr=0.1)     # forward, backward (one chain rule per step), then the update
    p.save("loss.html")                     # open it by double-click; or leave `p` last in a Jupyter cell

The page is drawn from `draw_graph(loss, grad_flow=True)` (Graphviz lays it out when the page is written, so it
matches the still pictures) and every number on it was recorded from the engine; the page's JavaScript only
shows them. See docs/viz.md, "The player".
"""

from __future__ import annotations

import html
from typing import Any, Optional, Sequence

from ...autograd import Node
from ..graph import DEFAULT_MAX_NODES
from .page import Page, build
from .record import record
from .training import TrainingPlayer, play_training, record_training

__all__ = ["play", "Player", "play_training", "record_training", "TrainingPlayer"]


class Player(Page):
    """A recorded graph player: `.save(path)`, `.html`, `.data` (the frames), inline in Jupyter."""

    def __init__(self, html_text: str, title: str, data: dict) -> None:
        super().__init__(html_text, title)
        self.data = data

    @property
    def frames(self) -> list:
        return self.data["frames"]


def graph_body(title: str, subtitle: str) -> str:
    """The markup around the picture: controls, the step's text, the clicked box's numbers, a legend."""
    return f"""<div class="player" id="player">
<header><h1>{html.escape(title)}</h1><p class="sub">{html.escape(subtitle)}</p></header>
<nav class="controls" aria-label="player controls">
  <span class="phases" id="phases"></span>
  <button id="prev" title="previous step (←)">◀ prev</button>
  <button id="playpause" title="play / pause (space)">▶ play</button>
  <button id="next" title="next step (→)">next ▶</button>
  <label>speed <select id="speed"><option value="0.5">0.5 step/s</option><option value="1" selected>1 step/s</option>
  <option value="2">2 steps/s</option><option value="5">5 steps/s</option></select></label>
  <input type="range" id="slider" min="0" value="0" aria-label="step">
  <span id="counter" class="counter"></span>
  <label>zoom <select id="zoom"><option value="auto" selected>auto</option><option value="fit">fit width</option>
  <option value="1">100%</option><option value="1.5">150%</option></select></label>
</nav>
<section class="text">
  <div class="step"><span id="phase" class="badge"></span> <b id="steptitle"></b>
    <div id="steptext" class="lines"></div></div>
  <div class="info"><b>clicked:</b> <span id="infohint">click a box (value) or an oval (op) to see its chain rule and
  numbers</span><div id="infotext" class="lines"></div></div>
</section>
<section class="legend">
  <span><i class="sw focus"></i>this step</span>
  <span><i class="sw faded"></i>not computed yet</span>
  <span><i class="sw changed"></i>number changed in this step</span>
  <span><i class="sw param"></i>parameter</span>
  <span><i class="ln grey"></i>no gradient has passed yet</span>
  <span><i class="ln flow"></i>gradient passed: colour and width = its size (legend in the picture)</span>
</section>
<div class="graph" id="graph">SVG_HERE</div>
</div>"""


def play(root: Node, *, model: Any = None, lr: Optional[float] = None, optimizer: Any = None,
         params: Optional[Sequence[Node]] = None,
         collapse: Optional[str] = None, max_nodes: Optional[int] = DEFAULT_MAX_NODES, rankdir: str = "LR",
         title: Optional[str] = None) -> Player:
    """A step-by-step player of `root`'s graph (a Value or Tensor, after `root.backward()`).

    Steps: the forward pass one op at a time (topological order), backward() one chain rule at a time (in the
    order it runs them, each with its formula and numbers), and, given `lr` or an `optimizer`, the update of each
    parameter (computed on copies: your model is not changed) -- `params`, else the model's parameters, else
    every leaf that requires grad. `model` names the parameters and groups layers;
    `collapse`/`max_nodes` as in `draw_graph` (a collapsed graph steps one box at a time).
    """
    svg, data = record(root, model=model, lr=lr, optimizer=optimizer, collapse=collapse, max_nodes=max_nodes,
                       rankdir=rankdir, params=params)
    title = title or (f"Backprop player: {root.label}" if getattr(root, "label", "") else "Backprop player")
    how = {"full": "one op per step", "collapsed": "one box per step"}[data["mode"]]
    subtitle = (f"{data['nodes']:,} {data['kind']} nodes, {how}: forward, then backward()"
                + (", then the update" if "update" in data["phases"] else "")
                + ". Keys: ← → step, space play/pause, Home/End.")
    data["title"] = title
    body = graph_body(title, subtitle).replace("SVG_HERE", svg)
    return Player(build(title, body, data, scripts=("controls.js", "player.js")), title, data)
