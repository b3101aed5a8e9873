"""Scalar (`Value`) workloads against micrograd 0.1.0: the moons training step, graph throughput, the deepest chain.

Both engines run the same code on the same numbers: each function below takes the engine's `Value` class or
model as an argument, and the results (losses, gradients) are compared before any time is.
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import sys
from array import array
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, List, Optional, Sequence, Tuple

from bench_common import gc_state, timed
from bench_table import Row, rate, seconds

from tinygrad_edu import Value
from tinygrad_edu.data import make_moons
from tinygrad_edu.nn.scalar import MLP

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


def moons_step(model: Any, params: Sequence[Any], make_inputs: Callable[[], Any], labels: Sequence[float],
               lr: float) -> float:
    """One full training step: forward (loss), zero_grad, backward, SGD update. Returns the loss."""
    loss = moons_loss(model, params, make_inputs(), labels)
    model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


class MoonsRun:
    """One engine training on the moons with micrograd's learning-rate schedule, a step at a time."""

    def __init__(self, model: Any, make_inputs: Callable[[], Any], labels: List[float], gc_on: bool) -> None:
        self.model, self.params, self.make_inputs, self.labels = model, model.parameters(), make_inputs, labels
        self.gc_on = gc_on
        self.losses: List[float] = []
        self.times: List[float] = []

    def step(self) -> None:
        lr = 1.0 - 0.9 * len(self.losses) / 100
        with gc_state(self.gc_on):
            self.times.append(timed(lambda: self.losses.append(
                moons_step(self.model, self.params, self.make_inputs, self.labels, lr))))


def run_loops(runs: Sequence[Tuple[MoonsRun, int]]) -> None:
    """Each run takes its steps back to back, as in its own training loop, so each engine pays for its own garbage
    as it does in real use (micrograd's graphs are reference cycles that pile up until the collector runs). A full
    collection before each loop (not timed) keeps one engine's garbage out of another's timing."""
    for run, n in runs:
        gc.collect()
        for _ in range(n):
            run.step()


def bench_moons(micrograd: Optional[ModuleType], steps: int, reference_steps: int,
                seed: int = 0) -> Tuple[List[Row], List[str]]:
    """micrograd's moons demo step: MLP(2, [16, 16, 1]) on 100 points, both engines from the same weights."""
    X, y = make_moons(100, noise=0.1, seed=seed)
    points = X.astype(float).tolist()
    labels = [2.0 * yi - 1.0 for yi in y.tolist()]  # {0, 1} -> {-1, +1}
    weights = moons_weights([2, 16, 16, 1], seed)

    def our_model() -> MLP:
        model = MLP(2, [16, 16, 1])
        load_weights(model.parameters(), weights)
        return model

    ours = MoonsRun(our_model(), lambda: points, labels, gc_on=True)
    ours_off = MoonsRun(our_model(), lambda: points, labels, gc_on=False)
    runs = [(ours, steps), (ours_off, steps)]
    if micrograd is not None:
        def micrograd_model() -> Any:
            random.seed(seed)  # micrograd draws its own weights; they are overwritten below
            model = micrograd.nn.MLP(2, [16, 16, 1])
            load_weights(model.parameters(), weights)
            return model

        def micrograd_inputs() -> List[List[Any]]:
            return [list(map(micrograd.engine.Value, row)) for row in points]  # as the demo does, every step

        ref = MoonsRun(micrograd_model(), micrograd_inputs, labels, True)
        ref_off = MoonsRun(micrograd_model(), micrograd_inputs, labels, False)
        runs += [(ref_off, steps), (ref, reference_steps)]
    run_loops(runs)

    ours_t, ours_off_t = statistics.median(ours.times), statistics.median(ours_off.times)
    ours_cell = f"{seconds(ours_t)}/step (gc off: {seconds(ours_off_t)})"
    notes = [f"moons: our losses over {steps} steps: {ours.losses[0]:.12f} ... {ours.losses[-1]:.12f}"]
    target = "<= 1/10 micrograd, < micrograd gc-off"
    if micrograd is None:
        row = Row("moons step, MLP(2,[16,16,1]), 100 pts", ours_cell, "micrograd not installed", "-", target, None)
        return [row], notes
    diff = max(abs(a - b) for a, b in zip(ours.losses * 3, ours_off.losses + ref_off.losses + ref.losses))
    agree = diff <= 1e-9
    notes.append(f"moons: loss agreement with micrograd over {steps} steps: max |difference| = {diff:.2e} "
                 f"({'OK' if agree else 'MISMATCH'}, tolerance 1e-9)")
    ref_t, ref_off_t = statistics.median(ref.times), statistics.median(ref_off.times)
    met = agree and ours_t <= ref_t / 10 and ours_t < ref_off_t
    row = Row("moons step, MLP(2,[16,16,1]), 100 pts", ours_cell,
              f"micrograd {seconds(ref_t)}/step; gc off: {seconds(ref_off_t)}",
              f"{ref_t / ours_t:.1f}x faster; vs gc off: {ref_off_t / ours_t:.1f}x", target, met)
    return [row], notes


# ----------------------------------------------------------------------------------------------- throughput

ADD, MUL, RELU, SQUARE = range(4)


@dataclass
class GraphPlan:
    """A random scalar graph, as data: which op each new node applies to which earlier nodes.

    Node k >= `window` (the leaves are 0..window-1) reads node k - window, so every node feeds the last `window`
    nodes, which a tree of adds sums into the root; its other operand is any earlier node, so the graph is deep
    (about n / window) but not a chain. Every value stays in [-1, 1]: an add whose sum would leave it becomes a
    multiply. `values` holds what each node must compute.

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


def graph_plan(n_ops: int, seed: int = 0) -> GraphPlan:
    """A random mix of + * relu **2 with `n_ops` op nodes in all."""
    rng = random.Random(seed)
    window = max(8, n_ops // 100)
    leaves = [rng.uniform(-1, 1) for _ in range(window)]
    values = array("d", leaves)
    ops, lhs, rhs = array("b"), array("q"), array("q")
    for k in range(window, n_ops + 1):
        i, j, op = k - window, rng.randrange(k), rng.randrange(4)
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


def build_seconds(plan: GraphPlan, value_cls: type, gc_on: bool, repeat: int) -> float:
    """Fastest of `repeat` builds of the plan's graph (forward only), from a collected heap, collector on or off."""
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        graph: List[Any] = []  # holds the graph until the clock has stopped: freeing it is not building it
        with gc_state(gc_on):
            best = min(best, timed(lambda: graph.extend(build_graph(plan, value_cls))))
        del graph
    return best


@dataclass
class GraphResult:
    """What one engine computed on a plan, copied out of its graph (into arrays) so the graph can be freed."""

    root: float
    values: "array[float]"
    leaf_grads: "array[float]"


def _throughput(plan: GraphPlan, value_classes: Sequence[type],
                repeat: int) -> List[Tuple[float, float, GraphResult]]:
    """For each Value class: fastest forward and backward seconds on the plan's graph, and what it computed.

    The engines take turns, run by run, so that a change in the machine's load hits all alike. Each run starts from
    a collected heap holding no engine's graph (another engine's graph alive would make every collection during the
    build scan it too) and does the same work, garbage collection included, so the fastest run is the best estimate.
    """
    times: List[Tuple[List[float], List[float]]] = [([], []) for _ in value_classes]
    results: List[Optional[GraphResult]] = [None for _ in value_classes]
    for _ in range(repeat):
        for k, (value_cls, (forward, backward)) in enumerate(zip(value_classes, times)):
            gc.collect()
            graph: List[Any] = []
            forward.append(timed(lambda: graph.extend(build_graph(plan, value_cls))))
            root, nodes = graph
            backward.append(timed(root.backward))
            results[k] = GraphResult(root.data, array("d", (node.data for node in nodes)),
                                     array("d", (node.grad for node in nodes[:plan.window])))
            del graph, root, nodes
    return [(min(f), min(b), result) for (f, b), result in zip(times, results) if result is not None]


def _graphs_agree(plan: GraphPlan, ours: GraphResult, ref: GraphResult) -> float:
    """Largest relative difference between two engines' node values and leaf gradients (and the plan's values)."""
    worst = abs(ours.root - sum(plan.values[-plan.window:])) / max(1.0, abs(ours.root))
    for mine, theirs, expected in zip(ours.values, ref.values, plan.values):
        worst = max(worst, abs(mine - theirs), abs(mine - expected))
    for mine, theirs in zip(ours.leaf_grads, ref.leaf_grads):
        worst = max(worst, abs(mine - theirs) / max(1.0, abs(theirs)))
    return worst


def bench_throughput(sizes: Sequence[int], reference_sizes: Sequence[int], micrograd: Optional[ModuleType],
                     repeat: int = 3) -> Tuple[List[Row], List[str]]:
    """Ops per second building (forward) and backpropagating through random graphs of each size."""
    rows, notes = [], []
    for n in sizes:
        plan = graph_plan(n)
        with_reference = micrograd is not None and n in reference_sizes
        classes = [Value, micrograd.engine.Value] if with_reference else [Value]
        runs = repeat if n <= 10**5 else min(repeat, 3)
        results = _throughput(plan, classes, runs)
        fwd, bwd, ours = results[0]
        fwd_off = build_seconds(plan, Value, gc_on=False, repeat=runs)
        floor, floor_off = (build_seconds(plan, BareNode, on, runs) for on in (True, False))
        notes.append(f"throughput {n:.0e}: Python's floor, one bare 3-slot object per op (`BareNode`): "
                     f"{rate(n / floor)} with the collector on, {rate(n / floor_off)} with it off")
        ours_cell = f"fwd {rate(n / fwd)} (gc off: {rate(n / fwd_off)}), bwd {rate(n / bwd)}"
        target = ">= 1M ops/s fwd and bwd"
        met = n / fwd >= 1e6 and n / bwd >= 1e6
        if with_reference:
            rfwd, rbwd, ref = results[1]
            worst = _graphs_agree(plan, ours, ref)
            notes.append(f"throughput {n:.0e}: values and leaf grads agree with micrograd to {worst:.1e}"
                         f" ({'OK' if worst <= 1e-9 else 'MISMATCH'})")
            met = met and worst <= 1e-9
            ref_cell = f"micrograd fwd {rate(n / rfwd)}, bwd {rate(n / rbwd)}"
            ratio = f"fwd {rfwd / fwd:.1f}x, bwd {rbwd / bwd:.1f}x faster"
        else:
            ref_cell, ratio = "-", "-"
        ref_cell += f"; bare object per op: fwd {rate(n / floor)}"
        rows.append(Row(f"scalar graph, random + * relu **2, {n:.0e} ops", ours_cell, ref_cell, ratio, target, met))
    return rows, notes


# ----------------------------------------------------------------------------------------------- deep chain


def build_chain(value_cls: type, depth: int) -> Tuple[Any, Any]:
    """x = x * 1.0001 + 0.0, `depth` times: a graph as deep as it is long. Returns (first, last)."""
    first = x = value_cls(1.0)
    for _ in range(depth):
        x = x * 1.0001 + 0.0
    return first, x


def chain_times(depth: int, gc_on: bool) -> Tuple[float, float, float]:
    """Seconds to build and to backpropagate the chain, and the first node's gradient (1.0001 ** depth)."""
    gc.collect()
    with gc_state(gc_on):
        graph: List[Any] = []
        build = timed(lambda: graph.extend(build_chain(Value, depth)))
        back = timed(graph[1].backward)
        grad = graph[0].grad
    return build, back, grad


def micrograd_recursion_depth(micrograd: ModuleType) -> int:
    """The shortest chain whose backward raises RecursionError in micrograd (its topological sort recurses)."""
    def fails(depth: int) -> bool:
        _, last = build_chain(micrograd.engine.Value, depth)
        try:
            last.backward()
        except RecursionError:
            return True
        return False

    low, high = 1, 1
    while not fails(high):
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if fails(mid) else (mid, high)
    return high


def bench_chain(depth: int, micrograd: Optional[ModuleType], repeat: int = 1) -> Tuple[List[Row], List[str]]:
    """Build and backpropagate a chain of `depth` steps (2 op nodes and 2 constants each), gc on and off.

    Reports the run with the fastest build + backward of `repeat` runs (each from a collected heap).
    """
    runs = [chain_times(depth, gc_on=True) for _ in range(repeat)]
    build, back, grad = min(runs, key=lambda r: r[0] + r[1])
    runs_off = [chain_times(depth, gc_on=False) for _ in range(repeat)]
    build_off, back_off, _ = min(runs_off, key=lambda r: r[0] + r[1])
    expected = 1.0001 ** depth
    ok = math.isclose(grad, expected, rel_tol=1e-6)
    notes = [f"chain {depth:.0e}: d last / d first = {grad:.10g}, 1.0001**depth = {expected:.10g} "
             f"({'OK' if ok else 'MISMATCH'})"]
    if micrograd is not None:
        limit = micrograd_recursion_depth(micrograd)
        ref = f"micrograd: RecursionError at depth {limit} (recursion limit {sys.getrecursionlimit()})"
    else:
        ref = "micrograd not installed"
    total = build + back
    row = Row(f"deepest chain x = x*1.0001 + 0.0, depth {depth:.0e}",
              f"{seconds(total)} (build {seconds(build)} + backward {seconds(back)}; gc off: "
              f"{seconds(build_off)} + {seconds(back_off)})",
              ref, "-", "depth 1e6: build + backward < 5 s", ok and total < 5.0 if depth >= 10**6 else None)
    return [row], notes
