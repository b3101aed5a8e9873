"""The graph core, shared by `Value` and `Tensor`.

Every node carries the same few fields:

    data           the number (Value) or ndarray (Tensor) computed in the forward pass
    grad           d(root)/d(node) after `backward()`
    _parents       the op's inputs, an ordered tuple (`a + a` has `(a, a)`)
    _op            the op's name, for pictures and error messages
    _backward      `fn(out, g)`: adds the chain rule's share of `g` (d root / d out) to each parent's grad
    requires_grad  whether gradients flow into this node
    label          an optional name, shown in graph pictures

The core passes the node to its backward function (instead of the function capturing it), so a finished graph
holds no reference cycle and is freed by reference counting alone: Python's cyclic garbage collector has nothing
to chase. This module knows nothing about floats or arrays: it only orders nodes and calls
their closures. `Value` and `Tensor` define the ops.
"""

from __future__ import annotations

import contextlib
import gc
import math
import traceback
from typing import Any, Iterator, List


class _GradMode:
    """Process-wide switches read by every op: is the graph recorded, is anomaly mode on."""

    __slots__ = ("enabled", "anomaly")

    def __init__(self) -> None:
        self.enabled = True
        self.anomaly = False


grad_mode = _GradMode()


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops record nothing: results are constants with no parents (as `torch.no_grad`)."""
    previous = grad_mode.enabled
    grad_mode.enabled = False
    try:
        yield
    finally:
        grad_mode.enabled = previous


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Turn recording back on inside a `no_grad()` block."""
    previous = grad_mode.enabled
    grad_mode.enabled = True
    try:
        yield
    finally:
        grad_mode.enabled = previous


def is_grad_enabled() -> bool:
    """True when ops are being recorded."""
    return grad_mode.enabled


class Node:
    """Base class of `Value` and `Tensor`: the fields the graph core, viz and gradcheck read."""

    __slots__ = ("data", "grad", "_parents", "_op", "_backward", "requires_grad", "label", "_trace", "__weakref__")

    def is_leaf(self) -> bool:
        """A leaf was made by the user (or detached), not by an op; its grad accumulates across backward calls."""
        return self._backward is None

    def backward(self, grad: Any = None) -> None:
        """Backpropagate from this node: fill `.grad` of every node it depends on (see `backward`)."""
        backward(self, self._seed_grad(grad))

    def _seed_grad(self, grad: Any) -> Any:  # pragma: no cover - defined by Value and Tensor
        raise NotImplementedError

    def _zero_like_grad(self) -> Any:  # pragma: no cover - defined by Value and Tensor
        raise NotImplementedError


def toposort(root: Node) -> List[Node]:
    """All nodes `root` depends on, each after its parents (root last). Iterative: no recursion limit.

    A depth-first walk with an explicit stack: a node is pushed once to expand its parents and once more
    (marked done) to be emitted after them.
    """
    order: List[Node] = []
    seen = set()
    stack = [(root, False)]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node, done = pop()
        if done:
            emit(node)
            continue
        if node in seen:
            continue
        mark(node)
        push((node, True))
        for parent in node._parents:
            if parent not in seen:
                push((parent, False))
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
        _walk(root, seed)
    finally:
        if collector_was_on:
            gc.enable()


def _walk(root: Node, seed: Any) -> None:
    order = toposort(root)
    for node in order:
        if node._backward is not None:
            node.grad = node._zero_like_grad()
    if root._backward is None:
        root._accumulate(seed)
    else:
        root.grad = seed
    anomaly = grad_mode.anomaly
    for node in reversed(order):
        fn = node._backward
        if fn is None or node.grad is None:
            continue
        fn(node, node.grad)
        if anomaly:
            check_backward(node)


# ----------------------------------------------------------------------------------------------- anomaly mode


class AnomalyError(RuntimeError):
    """Raised in anomaly mode by the first op whose forward value or backward gradient is NaN or inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op that makes a NaN or inf, naming the op, its inputs and the user's line that made it.

    Costs a check per op and a stack lookup per node, so it is off by default (as `torch.autograd.detect_anomaly`).
    """
    previous = grad_mode.anomaly
    grad_mode.anomaly = True
    try:
        yield
    finally:
        grad_mode.anomaly = previous


def _user_frame() -> str:
    """The innermost stack frame outside this package: the user's line that created a node."""
    package_dir = __file__.rsplit("/", 1)[0]
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(package_dir):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line or ""}'.rstrip()
    return "<unknown>"


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"{type(x).__name__}(shape={tuple(shape)})"
    return repr(x)


def _nonfinite(x: Any) -> bool:
    if x is None:
        return False
    if isinstance(x, float):
        return not math.isfinite(x)
    import numpy as np

    arr = np.asarray(x)
    return arr.dtype.kind in "fc" and not bool(np.isfinite(arr).all())


def record_trace(node: Node) -> None:
    """In anomaly mode: remember where the node was made, and fail if its forward value is NaN or inf."""
    node._trace = _user_frame()
    if _nonfinite(node.data) and not any(_nonfinite(p.data) for p in node._parents):
        inputs = ", ".join(_describe(p.data if not hasattr(p.data, "shape") else p) for p in node._parents)
        raise AnomalyError(
            f"forward: op '{node._op}' produced {_describe_value(node.data)} from inputs ({inputs}).\n"
            f"The node was created at:\n{node._trace}"
        )


def check_backward(node: Node) -> None:
    """In anomaly mode: fail at the first backward step that turns finite gradients into NaN or inf."""
    if _nonfinite(node.grad):
        return
    for i, parent in enumerate(node._parents):
        if _nonfinite(parent.grad):
            raise AnomalyError(
                f"backward: op '{node._op}' sent a non-finite gradient to its input {i} "
                f"({_describe(parent)}; its gradient is {_describe_value(parent.grad)}), "
                f"while the gradient coming in was finite.\n"
                f"The node was created at:\n{getattr(node, '_trace', None) or '<made outside anomaly mode>'}"
            )


def _describe_value(x: Any) -> str:
    if isinstance(x, float):
        return repr(x)
    import numpy as np

    arr = np.asarray(x)
    return f"an array of shape {arr.shape} with {int(np.isnan(arr).sum())} NaN and {int(np.isinf(arr).sum())} inf"
