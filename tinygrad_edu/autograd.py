"""The graph core, shared by `Value` and `Tensor`.

Every node carries the same few fields:

    data           the number (Value) or ndarray (Tensor) computed in the forward pass
    grad           d(root)/d(node) after `backward()`
    _parents       the op's inputs, an ordered tuple (`a + a` has `(a, a)`); a Tensor stores this tuple, a Value
                   keeps its one or two inputs in two slots and builds the tuple when asked (see `Value._parents`)
    _op            the op's name, for pictures and error messages
    _backward      `fn(out, g)`: adds the chain rule's share of `g` (d root / d out) to each parent's grad
    requires_grad  whether gradients flow into this node
    label          an optional name, shown in graph pictures

The core passes the node to its backward function (instead of the function capturing it), so a finished graph
holds no reference cycle and is freed by reference counting alone: Python's cyclic garbage collector has nothing
to chase. This module knows nothing about floats or arrays: it only orders nodes and calls
their chain rules. `Value` and `Tensor` define the ops.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import linecache
import math
import operator
import os
import sys
from typing import Any, ContextManager, Iterator, List, Tuple


class GradMode:
    """The two switches every op reads: is the graph recorded, is anomaly mode on. Immutable: a mode block swaps in
    another one and puts the old one back."""

    __slots__ = ("enabled", "anomaly")

    def __init__(self, enabled: bool = True, anomaly: bool = False) -> None:
        self.enabled = enabled
        self.anomaly = anomaly

    def __repr__(self) -> str:
        return f"GradMode(enabled={self.enabled}, anomaly={self.anomaly})"


# Per thread and per asyncio task, as in PyTorch: a ContextVar gives each thread its own value (a new thread starts
# from the default: recording on, anomaly off) and each task a copy of its creator's. One `get()` per op.
_MODE: contextvars.ContextVar[GradMode] = contextvars.ContextVar("tinygrad_edu_grad_mode", default=GradMode())
current_mode = _MODE.get


@contextlib.contextmanager
def _mode_block(enabled: bool, anomaly: bool) -> Iterator[None]:
    token = _MODE.set(GradMode(enabled, anomaly))
    try:
        yield
    finally:
        _MODE.reset(token)


def no_grad() -> ContextManager[None]:
    """Inside this block ops record nothing: results are constants with no parents (as `torch.no_grad`).

    Like every mode here it holds for the thread (or asyncio task) that entered it, not for the whole process."""
    return _mode_block(False, current_mode().anomaly)


def enable_grad() -> ContextManager[None]:
    """Turn recording back on inside a `no_grad()` block."""
    return _mode_block(True, current_mode().anomaly)


def is_grad_enabled() -> bool:
    """True when ops are being recorded (in this thread)."""
    return current_mode().enabled


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` (in this thread)."""
    return current_mode().anomaly


GRAPH_GC_THRESHOLD = (50_000, 20, 100)
"""The collector thresholds `collector_policy()` sets: a young collection every 50,000 new objects (Python's
default is 700) and almost never a full one. Measured (docs/benchmarks.md): a 10^6-node graph builds without its
~10 full collections, and the moons training step is about 10% faster."""


@contextlib.contextmanager
def collector_policy(threshold: Tuple[int, int, int] = GRAPH_GC_THRESHOLD) -> Iterator[None]:
    """Opt-in, for code that builds large graphs (a scalar training loop): Python's cyclic garbage collector runs
    rarely inside the block, and your own settings come back when it ends (even on an exception).

        with collector_policy():
            for step in range(100):
                loss = ...; loss.backward(); ...

    Why it is safe: the engine makes no reference cycles (a graph is freed by reference counting the moment the
    last reference to it goes), so the collector has nothing of ours to find; by default it would scan the whole
    graph again and again while it grows. Why it is opt-in: the thresholds belong to the whole interpreter (every
    thread), so the library changes them only inside a block you entered. Your own code's cycles are still
    collected, just later: `gc.collect()` inside the block works as always.
    """
    old = gc.get_threshold()
    gc.set_threshold(*threshold)
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Node:
    """Base class of `Value` and `Tensor`: the fields the graph core, viz and gradcheck read."""

    __slots__ = ("data", "grad", "_op", "_backward", "requires_grad", "label", "_trace", "__weakref__")

    # What `toposort` visits from a node: its parents, or groups of them (see `toposort`). Here simply `_parents`,
    # read by a C-level getter: no Python call per node of the walk (12 calls fewer per MNIST step; each Python
    # call costs about 1 us in a training loop, see docs/benchmarks.md).
    _walk_inputs = property(operator.attrgetter("_parents"))

    @property
    def is_leaf(self) -> bool:
        """A leaf was made by the user (or detached), not by an op; its grad accumulates across backward calls."""
        return self._backward is None

    def backward(self, grad: Any = None) -> None:
        """Backpropagate from this node: fill `.grad` of every node it depends on (see `backward`)."""
        backward(self, self._seed_grad(grad))

    def _quiet_numerics(self) -> ContextManager[Any]:
        """Where chain rules run: Tensor silences numpy's overflow warnings (inf and nan are results, as in
        PyTorch); Value's float arithmetic needs nothing."""
        return contextlib.nullcontext()

    def _seed_grad(self, grad: Any) -> Any:  # pragma: no cover - defined by Value and Tensor
        raise NotImplementedError

    def _zero_like_grad(self) -> Any:  # pragma: no cover - defined by Value and Tensor
        raise NotImplementedError


_PARENTS_DONE = object()  # stack marker in `toposort`: the node below it has all its parents in the order


def toposort(root: Node) -> List[Node]:
    """All nodes `root` depends on, each after its parents (root last). Iterative: no recursion limit.

    A depth-first walk with an explicit stack. A node with parents goes back on the stack under a marker, its
    parents on top; when the marker comes off, every parent has been emitted, so the node under it is next.
    (A marker instead of a `(node, done)` pair per entry: one allocation fewer per node, which on large graphs is
    much of the walk's time.)

    The walk reads `node._walk_inputs`: the parents, where an entry may also be a *group*, a tuple of nodes that
    many nodes share (a layer's input vector, a neuron's parameters: see `Value.weighted_sum`). A group is expanded
    the first time it comes off the stack and skipped after that, so a dense layer costs the walk one step per
    neuron instead of one per weight. (Correct because a graph has no cycles: when a group comes off the stack a
    second time, every member it pushed the first time has been emitted.)
    """
    order: List[Node] = []
    seen = set()
    groups = set()
    stack: List[Any] = [root]
    push, pop, extend, emit, mark = stack.append, stack.pop, stack.extend, order.append, seen.add
    while stack:
        node = pop()
        if node is _PARENTS_DONE:
            emit(pop())
            continue
        if type(node) is tuple:
            key = id(node)  # the group is alive (its nodes hold it) for the whole walk, so its id is its own
            if key not in groups:
                groups.add(key)
                extend(node)
            continue
        if node in seen:
            continue
        mark(node)
        parents = node._walk_inputs
        if parents:
            push(node)
            push(_PARENTS_DONE)
            extend(parents)
        else:
            emit(node)  # a leaf waits for nothing
    return order


def backward(root: Node, seed: Any) -> None:
    """Apply the chain rule once per node, from `root` back to the leaves.

    Semantics follow PyTorch: a leaf's grad accumulates across calls (until zeroed); every intermediate node is
    reset first, so it holds the gradient of the latest backward only and a second call on the same graph
    doubles the leaves' grads exactly.
    """
    if not root.requires_grad:
        raise RuntimeError(
            f"backward() on a {type(root).__name__} that does not require grad: it was made under no_grad(), "
            "detached, or from inputs that do not require grad, so no graph was recorded"
        )
    # The walk makes no reference cycles, so Python's cyclic collector has nothing to find here; pausing it
    # keeps it from re-scanning the whole (large, still alive) graph while the walk allocates.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        with root._quiet_numerics():
            _walk(root, seed)
    finally:
        if collector_was_on:
            gc.enable()


def _walk(root: Node, seed: Any) -> None:
    order = toposort(root)
    zero = root._zero_like_grad()  # a graph is all Values or all Tensors, so one "no gradient yet" serves all nodes
    constants = []
    for node in order:
        if node._backward is not None:
            node.grad = zero
        elif not node.requires_grad:
            constants.append(node)
    if root._backward is None:
        root._accumulate(seed)
    else:
        root.grad = seed
    anomaly = current_mode().anomaly
    for node in reversed(order):
        fn = node._backward
        if fn is None or node.grad is None:
            continue
        if anomaly:
            checked_backward_step(node)
        else:
            fn(node, node.grad)
    for node in constants:  # Value ops add to every input's grad; inputs that do not require grad get none
        node.grad = zero


# ----------------------------------------------------------------------------------------------- anomaly mode


class AnomalyError(RuntimeError):
    """Raised in anomaly mode by the first op whose forward value or backward gradient is NaN or inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op that makes a NaN or inf, naming the op, its inputs and the user's line that made it.

    Costs a check per op and a stack lookup per node, so it is off by default (as `torch.autograd.detect_anomaly`).
    """
    with _mode_block(current_mode().enabled, True):
        yield


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_frame() -> str:
    """The innermost stack frame outside this package, as a traceback line: the user's code that created a node."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "  <unknown>"
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(filename, lineno).strip()
    return f'  File "{filename}", line {lineno}, in {frame.f_code.co_name}\n    {source}'.rstrip()


def _nonfinite(x: Any) -> bool:
    """True if a number or array holds a NaN or an inf (integer arrays never do)."""
    if x is None:
        return False
    if isinstance(x, float):
        return not math.isfinite(x)
    import numpy as np

    arr = np.asarray(x)
    return arr.dtype.kind in "fc" and not bool(np.isfinite(arr).all())


def _describe_input(node: Node) -> str:
    """A Value's number, or a Tensor's shape and dtype: enough to recognise the input without printing an array."""
    shape = getattr(node.data, "shape", None)
    if shape is None:
        return repr(node.data)
    return f"{type(node).__name__}(shape={tuple(shape)}, dtype={node.data.dtype})"


_HINTS = {
    "log": "log(0) is -inf and the log of a negative number is nan: keep the input positive, or use log_softmax, "
    "cross_entropy or binary_cross_entropy_with_logits instead of the log of a softmax or a sigmoid",
    "exp": "exp overflows to inf above about 88 in float32 (709 in float64): subtract the maximum first, "
    "as softmax and log_softmax do",
    "/": "a division by zero, or by a number so small that the result overflows",
    "sqrt": "the sqrt of a negative number is nan, and the gradient of sqrt at 0 is inf",
    "**": "0 to a negative power is inf, a fractional power of a negative number is nan, "
    "and the gradient of x ** 0.5 at 0 is inf",
}


def _hint(op: str) -> str:
    """A line on the usual causes for the ops that make most NaN and inf, or nothing."""
    hint = _HINTS.get("**" if "**" in op else "/" if "/" in op else op)  # `**2`, `/0` and `1/` carry a number
    return f"Hint: {hint}.\n" if hint else ""


def _describe_result(x: Any) -> str:
    """`nan`/`inf` for a number; how many NaN and inf entries for an array."""
    if isinstance(x, float):
        return repr(x)
    import numpy as np

    arr = np.asarray(x)
    return f"an array of shape {arr.shape} with {int(np.isnan(arr).sum())} NaN and {int(np.isinf(arr).sum())} inf"


def record_trace(node: Node, inputs: Tuple[Node, ...]) -> None:
    """In anomaly mode, for every op: remember the user's line that made `node`, and raise `AnomalyError` if its
    forward value is NaN or inf although all its `inputs` are finite (the op that *made* the bad number)."""
    node._trace = _user_frame()
    if _nonfinite(node.data) and not any(_nonfinite(p.data) for p in inputs):
        described = ", ".join(_describe_input(p) for p in inputs)
        raise AnomalyError(
            f"forward: op '{node._op}' produced {_describe_result(node.data)} from finite inputs ({described}).\n"
            f"{_hint(node._op)}The op was called at:\n{node._trace}"
        )


def checked_backward_step(node: Node) -> None:
    """In anomaly mode: run one node's chain rule and raise `AnomalyError` if it turned a finite incoming
    gradient into a NaN or inf gradient for one of its inputs."""
    parents = node._parents
    if _nonfinite(node.grad):  # already bad coming in: the op that made it was reported (or the seed was bad)
        node._backward(node, node.grad)
        return
    was_bad = [_nonfinite(p.grad) for p in parents]
    node._backward(node, node.grad)
    for i, parent in enumerate(parents):
        if not was_bad[i] and _nonfinite(parent.grad):
            described = ", ".join(_describe_input(p) for p in parents)
            where = getattr(node, "_trace", None) or "  <unknown: the graph was built outside detect_anomaly()>"
            raise AnomalyError(
                f"backward: op '{node._op}' (inputs: {described}) sent {_describe_result(parent.grad)} as the "
                f"gradient of its input {i}, while the gradient coming in was finite.\n"
                f"{_hint(node._op)}The op was called at:\n{where}"
            )
