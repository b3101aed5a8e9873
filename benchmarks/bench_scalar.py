"""Scalar (`Value`) workloads shared by ours and micrograd 0.1.0: the moons weights and loss, random graph plans.

Both engines run the same code on the same numbers: each function below takes the engine's `Value` class or
model as an argument (see contenders.py), and the results are compared before any time is.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple



# ----------------------------------------------------------------------------------------------- moons step


def moons_weights(sizes: Sequence[int], seed: int) -> List[float]:
    """Initial weights drawn as micrograd draws them (uniform in [-1, 1]; biases too), in parameter order."""
    rng = random.Random(seed)
    count = sum((nin + 1) * nout for nin, nout in zip(sizes[:-1], sizes[1:]))
    return [rng.uniform(-1, 1) for _ in range(count)]


def load_weights(params: Sequence[Any], weights: Sequence[float]) -> None:
    """Copy `weights` into the parameters (ours and micrograd's list them in the same order: per neuron, w then b)."""
    if len(params) != len(weights):
        raise ValueError(f"model has {len(params)} parameters but {len(weights)} weights were given")
    for p, w in zip(params, weights):
        p.data = w


def moons_loss(model: Callable, params: Sequence[Any], inputs: Sequence[Any], labels: Sequence[float],
               alpha: float = 1e-4) -> Any:
    """micrograd's demo loss: mean hinge loss relu(1 - y * score) plus alpha * sum(p^2) (L2 regularisation)."""
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in params)
    return data_loss + reg_loss


# ----------------------------------------------------------------------------------------------- throughput

ADD, MUL, RELU, SQUARE = range(4)


@dataclass
class GraphPlan:
    """A random scalar graph, as data: which op each new node applies to which earlier nodes.

    Node k >= `window` (the leaves are 0..window-1) reads node k - window, so every node feeds the last `window`
    nodes, which a tree of adds sums into the root; its other operand is any earlier node (or a recent one: see
    `graph_plan`), so the graph is deep (about n / window) but not a chain. Every value stays in [-1, 1]: an add
    whose sum would leave it becomes a multiply. `values` holds what each node must compute.

    The plan lives in `array`s, not lists: an array holds raw numbers, which Python's garbage collector does not
    visit, while it would visit every entry of a list of 10^6 in every full collection during the timed build,
    slowing every engine with the benchmark's own bookkeeping. A user's program holds its graph, not a plan of it.
    """

    leaves: List[float]
    ops: "array[int]"
    lhs: "array[int]"
    rhs: "array[int]"
    window: int
    values: "array[float]"

    @property
    def n_ops(self) -> int:
        return len(self.ops) + self.window - 1


def graph_plan(n_ops: int, seed: int = 0, reach: Optional[int] = None) -> GraphPlan:
    """A random mix of + * relu **2 with `n_ops` op nodes in all.

    `reach`: where the second operand comes from. None: any earlier node, so the graph reads memory at random (the
    worst case for the CPU's caches). A number: one of the last `reach` nodes, with a window of 8, so both operands
    are close by, as in a network whose layers each read the layer before.
    """
    rng = random.Random(seed)
    window = max(8, n_ops // 100) if reach is None else 8
    leaves = [rng.uniform(-1, 1) for _ in range(window)]
    values = array("d", leaves)
    ops, lhs, rhs = array("b"), array("q"), array("q")
    for k in range(window, n_ops + 1):
        i = k - window
        j = rng.randrange(k) if reach is None else k - 1 - rng.randrange(min(k, reach))
        op = rng.randrange(4)
        a, b = values[i], values[j]
        if op == ADD and abs(a + b) > 1.0:
            op = MUL
        values.append(a + b if op == ADD else a * b if op == MUL else max(a, 0.0) if op == RELU else a * a)
        ops.append(op)
        lhs.append(i)
        rhs.append(j)
    return GraphPlan(leaves, ops, lhs, rhs, window, values)


def build_graph(plan: GraphPlan, value_cls: type) -> Tuple[Any, List[Any]]:
    """Make the plan's graph with `value_cls` (ours or micrograd's Value); return its root and all nodes."""
    nodes = [value_cls(x) for x in plan.leaves]
    append = nodes.append
    for op, i, j in zip(plan.ops, plan.lhs, plan.rhs):
        a = nodes[i]
        if op == ADD:
            append(a + nodes[j])
        elif op == MUL:
            append(a * nodes[j])
        elif op == RELU:
            append(a.relu())
        else:
            append(a ** 2)
    level = nodes[-plan.window:]
    while len(level) > 1:
        pairs = [level[k] + level[k + 1] for k in range(0, len(level) - 1, 2)]
        level = pairs + level[-1:] if len(level) % 2 else pairs
    return level[0], nodes


class BareNode:
    """The least a graph of Python objects can be: one object per op that holds its number and its inputs, with no
    gradient, no op name and no chain rule. Building a plan with it measures what Python itself costs per op
    (allocating the object, and the garbage collector scanning it): a floor under every engine, ours and
    micrograd's alike, that gives each node of the graph its own Python object."""

    __slots__ = ("data", "a", "b")

    def __init__(self, data: float, a: Optional["BareNode"] = None, b: Optional["BareNode"] = None) -> None:
        self.data, self.a, self.b = data, a, b

    def __add__(self, other: "BareNode") -> "BareNode":
        return BareNode(self.data + other.data, self, other)

    def __mul__(self, other: "BareNode") -> "BareNode":
        return BareNode(self.data * other.data, self, other)

    def relu(self) -> "BareNode":
        return BareNode(self.data if self.data > 0.0 else 0.0, self)

    def __pow__(self, p: int) -> "BareNode":
        return BareNode(self.data ** p, self)
