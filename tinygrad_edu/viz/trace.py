"""Backpropagation step by step: what `backward()` does at each node, as data you can print or draw.

`backward()` visits the nodes in reverse topological order (the root first, every node before its parents) and at
each op node calls its `_backward(out, g)`, which adds a share of the incoming gradient `g` to each parent's grad.
`backprop_trace` lists those visits. To find each parent's share without touching the real gradients, it replays
the op's `_backward` on stand-ins: copies of the parents with fresh zero grads (one copy per parent slot, so
`a + a` shows its two links separately). Replaying with `g = 1` gives the local derivative d(node)/d(parent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np

from ..autograd import Node, toposort


@dataclass
class ParentFlow:
    """The gradient one parent link receives in one backward step."""

    parent: Node
    slot: int  # position of this parent in `node._parents`
    local: Optional[float]  # d(node)/d(parent) for scalar Values; None for Tensors (a Jacobian, not one number)
    contribution: Any  # what this step adds to `parent.grad` (float, ndarray, or None when nothing flows)


@dataclass
class TraceStep:
    """One visit of `backward()`: the node, the gradient arriving at it, and what each parent receives."""

    step: int  # 1 = first node backward() visits (the root)
    node: Node
    incoming: Any  # d(root)/d(node), the `g` handed to the node's `_backward`
    parents: List[ParentFlow]


def magnitude(grad: Any) -> float:
    """|grad| for a number, the L2 norm for an array (in float64, so float32 grads do not overflow), 0 for None."""
    if grad is None:
        return 0.0
    if isinstance(grad, float):
        return abs(grad)
    arr = np.asarray(grad, dtype=np.float64)
    return float(np.sqrt(np.sum(arr * arr)))


def _stand_in(node: Node) -> Node:
    """A copy of `node` with the same data and history but a fresh zero grad, for replaying a backward step."""
    twin = object.__new__(type(node))
    for field in ("data", "_parents", "_op", "_backward", "requires_grad", "label"):
        setattr(twin, field, getattr(node, field))
    twin.grad = node._zero_like_grad()
    return twin


def replay_backward(node: Node, grad: Any) -> List[Any]:
    """What `node._backward` adds to each parent slot for incoming gradient `grad`; real grads are untouched.

    Works because every backward function reads its inputs from `out._parents` (see `autograd`): the replay hands
    it a stand-in output whose parents are stand-ins. Returns one entry per slot (None where nothing flows).
    """
    if node._backward is None:
        return []
    twins = tuple(_stand_in(p) for p in node._parents)
    out = _stand_in(node)
    out._parents = twins
    with node._quiet_numerics():  # as in backward(): inf and nan are results, not warnings
        node._backward(out, grad)
    return [twin.grad for twin in twins]


def _unit_like(grad: Any) -> Any:
    return 1.0 if isinstance(grad, float) else np.ones_like(grad)


def backprop_trace(root: Node) -> List[TraceStep]:
    """The steps of the latest `root.backward()`, in the order it visited the nodes (reverse `toposort`).

    Call `root.backward()` first: the incoming gradient of each step is the node's `.grad`, which holds d(root)/d(node)
    after backward. Leaves are not steps (backward has nothing to do there).
    """
    if root.grad is None or magnitude(root.grad) == 0.0:
        raise RuntimeError(
            f"backprop_trace needs the gradients of a finished backward pass, but the root's grad is {root.grad!r}: "
            "call root.backward() first"
        )
    steps: List[TraceStep] = []
    for node in reversed(toposort(root)):
        if node._backward is None or node.grad is None:
            continue
        contributions = replay_backward(node, node.grad)
        scalar = isinstance(node.grad, float)
        locals_ = replay_backward(node, _unit_like(node.grad)) if scalar else [None] * len(contributions)
        flows = [
            ParentFlow(parent, slot, locals_[slot], contributions[slot]) for slot, parent in enumerate(node._parents)
        ]
        steps.append(TraceStep(len(steps) + 1, node, node.grad, flows))
    return steps


def node_name(node: Node, index: int) -> str:
    """How tables and pictures name a node: its label, else its op and its position in `toposort` (`tanh#7`)."""
    return node.label or f"{node._op or 'leaf'}#{index}"


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.4g}"
    arr = np.asarray(x)
    if arr.size <= 3:
        return np.array2string(arr, precision=3, separator=", ").replace("\n", "")
    return f"norm {magnitude(arr):.4g} {tuple(arr.shape)}"


def format_trace(steps: List[TraceStep]) -> str:
    """A text table of the steps: one row per parent link, with the chain rule written out for scalars.

    The columns read as the chain rule: contribution = local derivative * incoming gradient.
    """
    if not steps:
        return "(no backward steps: the root is a leaf)"
    index = {id(n): i for i, n in enumerate(toposort(steps[0].node))}

    def name(n: Node) -> str:
        return node_name(n, index.get(id(n), -1))

    header = ("step", "node", "op", "incoming grad", "parent", "local d(node)/d(parent)", "contribution")
    rows = []
    for s in steps:
        for k, flow in enumerate(s.parents):
            first = k == 0
            rows.append((
                str(s.step) if first else "",
                name(s.node) if first else "",
                s.node._op if first else "",
                _fmt(s.incoming) if first else "",
                name(flow.parent),
                _fmt(flow.local),
                _fmt(flow.contribution),
            ))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)
