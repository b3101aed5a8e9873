"""Shared hypothesis strategies and checks for the autograd tests.

Two kinds of helpers live here:

* strategies that draw inputs inside each op's valid domain (positive numbers for `log`, numbers away from the
  kink of `relu`, shapes that broadcast together, axis arguments, random expression graphs);
* `compare_with_torch`, which runs one function through tinygrad_edu and through PyTorch (both in float64) and
  compares the forward values and every input's gradient, in the spirit of early tinygrad's `helper_test_op`.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

from tinygrad_edu import Tensor, Value

uses_torch = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
"""Decorator for a `@given` test that takes the `torch` fixture: the fixture only hands over the module, which is
safe to share between examples, so hypothesis's warning about function-scoped fixtures does not apply."""

# ----------------------------------------------------------------------------------------------- numbers


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite float64 numbers in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float = 0.1, hi: float = 3.0) -> st.SearchStrategy[float]:
    """Numbers with lo <= |x| <= hi: safe denominators, and inputs far from the kink of relu and abs."""
    return st.one_of(floats(lo, hi), floats(-hi, -lo))


def float64_arrays(shape: Tuple[int, ...], elements: st.SearchStrategy[float]) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` whose entries come from `elements`."""
    return arrays(np.float64, shape, elements=elements)


def broadcast_pairs(min_dims: int = 0, max_dims: int = 3,
                    max_side: int = 4) -> st.SearchStrategy[Tuple[Tuple[int, ...], Tuple[int, ...]]]:
    """Two shapes that numpy can broadcast together, e.g. (3, 1) and (4,), or () and (2, 3)."""
    return mutually_broadcastable_shapes(num_shapes=2, min_dims=min_dims, max_dims=max_dims, min_side=1,
                                         max_side=max_side).map(lambda s: s.input_shapes)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
"""Non-empty shapes of 1 to 3 axes, each of length 1 to 4."""


@st.composite
def axes(draw: Callable, ndim: int) -> Any:
    """An `axis` argument for a tensor with `ndim` axes: None, one int, or a tuple of distinct ints; any of
    them may be written as a negative number."""
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    written = [a - ndim if draw(st.booleans()) else a for a in chosen]
    return written[0] if kind == "int" else tuple(written)


# ----------------------------------------------------------------------------------------------- comparisons


def assert_close(ours: Any, reference: Any, rtol: float = 1e-7, atol: float = 1e-9, what: str = "") -> None:
    """Same numbers (nan where the reference has nan, inf of the same sign where it has inf)."""
    ours, reference = np.asarray(ours, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape} != reference shape {reference.shape}"
    np.testing.assert_allclose(ours, reference, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _ours(x: Any) -> Any:
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return Tensor(x.copy(), requires_grad=True, dtype=np.float64)
    if isinstance(x, np.ndarray):
        return Tensor(x)
    return Value(float(x))


def _theirs(torch: Any, x: Any) -> Any:
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if isinstance(x, np.ndarray):
        return torch.tensor(x)
    return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)


def _grad_of(node: Any) -> np.ndarray:
    """A node's gradient as an array; no gradient (None) counts as zeros."""
    if isinstance(node, Value):
        return np.asarray(node.grad)
    return np.zeros_like(node.data) if node.grad is None else node.grad


def compare_with_torch(torch: Any, fn: Callable[..., Any], *inputs: Any, torch_fn: Optional[Callable[..., Any]] = None,
                       rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Run `fn` in tinygrad_edu and `torch_fn` (default: the same `fn`) in PyTorch, both in float64, and compare.

    Numbers become `Value`s (and 0-d torch tensors); float arrays become `Tensor`s that require grad; integer
    arrays pass through as constants (indices). A non-scalar output is backpropagated with the same fixed
    random `grad=` in both engines, so every entry of the Jacobian takes part.
    """
    ours = [_ours(x) for x in inputs]
    theirs = [_theirs(torch, x) for x in inputs]
    out = fn(*ours)
    ref = (torch_fn or fn)(*theirs)
    assert_close(out.data, ref.detach().numpy(), rtol, atol, "forward value")
    if isinstance(out, Value) or out.data.size == 1:
        out.backward()
        ref.backward()
    else:
        seed = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape)
        out.backward(seed)
        ref.backward(torch.from_numpy(seed))
    for position, (mine, reference) in enumerate(zip(ours, theirs)):
        if reference.requires_grad:
            expected = np.zeros(reference.shape) if reference.grad is None else reference.grad.numpy()
            assert_close(_grad_of(mine), expected, rtol, atol, f"gradient of input {position}")


# ----------------------------------------------------------------------------------------------- random graphs
# A program is a list of steps (op name, index of first input, index of second input). Node i of a program
# is leaf i for i < number of leaves; each step appends one node computed from earlier nodes, so nodes are
# reused freely and the graph is a DAG. The same program runs on Values and on 0-d Tensors. Every op is
# written so its inputs stay in the op's domain (log of a*a + 1, never of a bare a).

UNARY_STEPS: Dict[str, Callable[[Any], Any]] = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: (a * a + 1.0).log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "abs": lambda a: a.abs(),
    "pow": lambda a: (a * a + 0.5) ** 1.5,
    "rsub": lambda a: 2.0 - a,
    "rdiv": lambda a: 1.0 / (a * a + 1.0),
    "rmul": lambda a: 0.5 * a,
}
BINARY_STEPS: Dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 0.5) ** b.tanh(),
}
KINKED_STEPS = {"relu", "abs"}
"""Ops with a corner at 0: finite differences across it are meaningless, so programs keep their inputs away."""

Step = Tuple[str, int, int]


@st.composite
def programs(draw: Callable, max_leaves: int = 3, max_steps: int = 10) -> Tuple[List[float], List[Step]]:
    """Leaf values and a random program over them (see above)."""
    leaves = draw(st.lists(floats(-2.0, 2.0), min_size=1, max_size=max_leaves))
    steps: List[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        available = len(leaves) + len(steps)
        name = draw(st.sampled_from(sorted(UNARY_STEPS) + [f"{n}2" for n in sorted(BINARY_STEPS)]))
        steps.append((name, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    return leaves, steps


def run_program(steps: Sequence[Step], leaves: Sequence[Any]) -> List[Any]:
    """All nodes of the program (leaves first); the last one is the output."""
    nodes = list(leaves)
    for name, i, j in steps:
        if name.endswith("2"):
            nodes.append(BINARY_STEPS[name[:-1]](nodes[i], nodes[j]))
        else:
            nodes.append(UNARY_STEPS[name](nodes[i]))
    return nodes


def kink_inputs(steps: Sequence[Step], nodes: Sequence[Any]) -> List[float]:
    """The numbers that went into relu and abs when the program ran."""
    return [np.asarray(nodes[i].data).item() for name, i, _ in steps if name in KINKED_STEPS]


# Ops written once for Value and Tensor alike, with the domain each input is drawn from.
NUMBER_OPERAND_OPS = {
    "radd": (lambda a: 2.5 + a, floats(-5, 5)),
    "rsub": (lambda a: 2.5 - a, floats(-5, 5)),
    "rmul": (lambda a: 2.5 * a, floats(-5, 5)),
    "rtruediv": (lambda a: 2.5 / a, away_from_zero(0.1, 5)),
    "rpow": (lambda a: 2.5 ** a, floats(-5, 5)),
    "add number": (lambda a: a + 2.5, floats(-5, 5)),
    "sub number": (lambda a: a - 2.5, floats(-5, 5)),
    "mul number": (lambda a: a * 2.5, floats(-5, 5)),
    "div number": (lambda a: a / 2.5, floats(-5, 5)),
}
# The binary operators as functions of their two operands (Values, Tensors or numbers).
BINARY_OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
ARITHMETIC_OPS = {
    "+": (lambda a, b: a + b, floats(-5, 5), floats(-5, 5)),
    "-": (lambda a, b: a - b, floats(-5, 5), floats(-5, 5)),
    "*": (lambda a, b: a * b, floats(-5, 5), floats(-5, 5)),
    "/": (lambda a, b: a / b, floats(-5, 5), away_from_zero(0.1, 5)),
}
