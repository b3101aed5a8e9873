"""The words and formulas of each step, with the engine's numbers plugged in.

Every number here was computed by the engine: the values (`data`), the incoming gradient, the local derivative
and each input's share come from `trace.replay_backward` (the op's own chain rule, replayed). The formulas only
say where those numbers come from; the result printed after `=` is always the engine's.
"""

from __future__ import annotations

import math
import re
from typing import Any, List, Optional, Sequence

import numpy as np

from ...value import _sigmoid  # the engine's own, overflow-free
from ..graph import _array_text

_CONST = re.compile(r"^(\*\*|\+|-|\*|/)(.+)$")  # `+1`, `*0.5`, `**2`: an op with a number operand
_RCONST = re.compile(r"^(.+)(-|/)$")  # `1-`, `2/`: a number on the left


def num(x: Any) -> str:
    """A scalar as draw_graph prints it: 4 decimals."""
    return f"{float(x):.4f}"


def stats(x: Any) -> str:
    """An array as draw_graph prints it (the values when at most 6, else min/max/mean/norm), on one line."""
    if x is None:
        return "None"
    return _array_text(np.asarray(x)).replace("\n", "  ")


def wrap(name: str) -> str:
    """A name inside d(...)/d(...): an expression gets parentheses."""
    return f"({name})" if any(c in name for c in " +-*/@(") else name


def _p(x: float) -> str:
    """A number inside a formula: negative numbers in parentheses, so `2 × (-3)` reads right."""
    s = num(x)
    return f"({s})" if s.startswith("-") else s


def _kind(op: str) -> tuple:
    """(family, constant) for an op name: ('+c', 1.0) for `+1`, ('c-', 2.0) for `2-`, (op, None) otherwise."""
    m = _CONST.match(op)
    if m and op not in ("-", "*", "/", "**", "+"):
        try:
            return m.group(1) + "c", float(m.group(2))
        except ValueError:
            pass
    m = _RCONST.match(op)
    if m and op not in ("-", "/"):
        try:
            return "c" + m.group(2), float(m.group(1))
        except ValueError:
            pass
    return op, None


# ------------------------------------------------------------------------------------------------- scalars

_SYMBOL = {"+": "+", "-": "-", "*": "×", "/": "/", "**": "^"}
_NEURON_ACT = {"w·x+b": "", "relu(w·x+b)": "relu", "tanh(w·x+b)": "tanh"}  # the fused neuron's op names


def _forward_parts(op: str, out: str, ins: Sequence[str], out_data: float, in_data: Sequence[float]) -> tuple:
    """(symbols, numbers, result) of what a scalar op computed."""
    kind, c = _kind(op)
    r = num(out_data)
    if kind in _SYMBOL and len(ins) == 2:
        sym = _SYMBOL[kind]
        return (f"{ins[0]} {sym} {ins[1]}", f"{_p(in_data[0])} {sym} {_p(in_data[1])}", r)
    if kind == "sum":
        names = " + ".join(ins) if len(ins) <= 6 else f"{ins[0]} + ... + {ins[-1]} ({len(ins)} terms)"
        numbers = " + ".join(_p(v) for v in in_data) if len(ins) <= 6 else "..."
        return (f"{names}", f"{numbers}", r)
    if c is not None and kind.endswith("c"):
        sym = {"+c": "+", "-c": "-", "*c": "×", "/c": "/", "**c": "^"}[kind]
        return (f"{ins[0]} {sym} {c:g}", f"{_p(in_data[0])} {sym} {c:g}", r)
    if c is not None:
        sym = {"c-": "-", "c/": "/"}[kind]
        return (f"{c:g} {sym} {ins[0]}", f"{c:g} {sym} {_p(in_data[0])}", r)
    if kind == "neg":
        return (f"-{ins[0]}", f"-{_p(in_data[0])}", r)
    if kind in _NEURON_ACT:  # Value.weighted_sum: parents are b, w0, x0, w1, x1, ...
        act = _NEURON_ACT[kind]
        terms = [(ins[k], ins[k + 1], in_data[k], in_data[k + 1]) for k in range(1, len(ins) - 1, 2)]
        shown = terms if len(terms) <= 3 else terms[:2]
        more = "" if len(terms) <= 3 else f" + ... ({len(terms)} terms)"
        names = " + ".join(f"{w}·{x}" for w, x, _, _ in shown) + more + f" + {ins[0]}"
        numbers = " + ".join(f"{_p(wv)}·{_p(xv)}" for _, _, wv, xv in shown) + more + f" + {_p(in_data[0])}"
        return ((f"{act}({names})", f"{act}({numbers})", r) if act else (names, numbers, r))
    args = ", ".join(ins)
    return (f"{kind}({args})", f"{kind}({', '.join(num(v) for v in in_data)})", r)


def scalar_forward(op: str, out: str, ins: Sequence[str], out_data: float, in_data: Sequence[float]) -> str:
    """`n = x1 + x2 = 2.0000 + 3.0000 = 5.0000`: what the op computed, with its inputs' numbers."""
    symbols, numbers, result = _forward_parts(op, out, ins, out_data, in_data)
    plain = symbols.replace(" ", "").replace("×", "*").replace("^", "**")
    if plain == out.replace(" ", ""):  # an unnamed value is named by its expression already
        return f"{out} = {numbers} = {result}"
    return f"{out} = {symbols} = {numbers} = {result}"


def scalar_local(op: str, slot: int, ins: Sequence[str], out_data: float, in_data: Sequence[float],
                 local: float) -> str:
    """The local derivative d(out)/d(input), as a formula with numbers; ends with the engine's number."""
    kind, c = _kind(op)
    x = in_data[0] if in_data else 0.0
    y = in_data[1] if len(in_data) > 1 else 0.0
    t = out_data
    L = num(local)
    if kind in ("+", "sum", "+c", "-c"):
        return "1"
    if kind == "-":
        return "1" if slot == 0 else "-1"
    if kind in ("neg", "c-"):
        return "-1"
    if kind == "*":
        return f"{ins[1]} = {L}" if slot == 0 else f"{ins[0]} = {L}"
    if kind == "*c":
        return f"{c:g}"
    if kind == "/c":
        return f"1/{c:g} = {L}"
    if kind == "/":
        if slot == 0:
            return f"1/{ins[1]} = 1/{_p(y)} = {L}"
        return f"-out/{ins[1]} = -{_p(t)}/{_p(y)} = {L}"
    if kind == "c/":
        return f"-out/{ins[0]} = -{_p(t)}/{_p(x)} = {L}"
    if kind == "**c":
        return f"{c:g}·{ins[0]}^{c - 1:g} = {c:g}·{_p(x)}^{c - 1:g} = {L}"
    if kind == "**":
        if slot == 0:
            return f"{ins[1]}·{ins[0]}^({ins[1]}-1) = {_p(y)}·{_p(x)}^({_p(y)}-1) = {L}"
        return f"out·log {ins[0]} = {_p(t)}·log {_p(x)} = {L}"
    if kind in _NEURON_ACT:  # act(w·x + b): act' times the partner of the input (x for w, w for x, 1 for b)
        slope = {"tanh": f"(1 - {_p(t)}²)", "relu": "1" if t > 0 else "0", "": ""}[_NEURON_ACT[kind]]
        if slot == 0:
            return f"{slope or '1'} = {L}"
        partner = slot + 1 if slot % 2 else slot - 1
        factor = f"{slope}·{_p(in_data[partner])}" if slope else _p(in_data[partner])
        return f"{ins[partner]} × act' = {factor} = {L}" if slope else f"{ins[partner]} = {factor} = {L}"
    if kind == "tanh":
        return f"1 - out² = 1 - {_p(t)}² = {L}"
    if kind == "sigmoid":
        return f"out·(1 - out) = {_p(t)}·(1 - {_p(t)}) = {L}"
    if kind == "exp":
        return f"e^{ins[0]} = out = {L}"
    if kind == "log":
        return f"1/{ins[0]} = 1/{_p(x)} = {L}"
    if kind == "relu":
        return f"{'1, as out > 0' if t > 0 else '0, as out = 0'} = {L}"
    if kind == "abs":
        return f"sign({ins[0]}) = sign({_p(x)}) = {L}"
    more = _more_scalar_local(kind, ins[0], x, local)
    return f"{more} = {L}" if more else L


def _more_scalar_local(kind: str, name: str, x: float, local: float) -> str:
    """The formula of the other scalar ops (value_ops.py), with numbers where the op name tells every parameter;
    where it does not (a slope, alpha, beta, a bound), the words say which case applied."""
    w = wrap(name)  # inside a product or an exponent
    if kind == "sin":
        return f"cos({name}) = cos({_p(x)})"
    if kind == "cos":
        return f"-sin({name}) = -sin({_p(x)})"
    if kind in ("log2", "log10"):
        base = 2 if kind == "log2" else 10
        return f"1/({w}·ln {base}) = 1/({_p(x)}·{num(math.log(base))})"
    if kind == "sign":
        return "0, as sign is flat on each side of 0"
    if kind == "clamp":
        return f"1, as {name} is inside the bounds" if local else f"0, as {name} was clamped to a bound"
    if kind in ("maximum", "minimum"):
        larger = "larger" if kind == "maximum" else "smaller"
        return {1.0: f"1, as this input is the {larger}", 0.5: "½, a tie: each input gets half"}.get(
            local, f"0, as the other input is the {larger}")
    if kind == "leaky_relu":
        return f"1, as {name} > 0" if x > 0 else f"the negative slope, as {name} ≤ 0"
    if kind == "elu":
        return f"1, as {name} > 0" if x > 0 else f"alpha·e^{w}, as {name} ≤ 0"
    if kind == "gelu":
        cdf, pdf = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0))), math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        if abs(cdf + x * pdf - local) <= 1e-9 * max(1.0, abs(local)):
            return f"Φ({name}) + {w}·φ({name}) = {num(cdf)} + {_p(x)}·{num(pdf)}"
        return "the derivative of gelu's tanh approximation"
    if kind == "silu":
        s = num(_sigmoid(x))
        return f"sigmoid({name})·(1 + {w}·(1 - sigmoid({name}))) = {s}·(1 + {_p(x)}·(1 - {s}))"
    if kind == "softplus":
        return f"sigmoid(beta·{w})" if abs(_sigmoid(x) - local) > 1e-12 else f"sigmoid({name}) = sigmoid({_p(x)})"
    if kind == "logsigmoid":
        return f"sigmoid(-{w}) = 1 - sigmoid({_p(x)}) = 1 - {num(_sigmoid(x))}"
    return ""


def scalar_step(op: str, out: str, ins: Sequence[str], out_data: float, in_data: Sequence[float], incoming: float,
                locals_: Sequence[Optional[float]], shares: Sequence[Optional[float]], before: Sequence[float],
                after: Sequence[float], root: str = "loss") -> List[str]:
    """The lines of one backward step of a scalar op: per input, local derivative × incoming → input.grad."""
    lines = [f"{op}: {scalar_forward(op, out, ins, out_data, in_data)}",
             f"incoming gradient: d{wrap(root)}/d{wrap(out)} = {wrap(out)}.grad = {num(incoming)}"]
    for k, name in enumerate(ins):
        if shares[k] is None or locals_[k] is None:
            lines.append(f"{name}: no gradient flows (it does not require grad)")
            continue
        lines.append(f"d{wrap(out)}/d{wrap(name)} = {scalar_local(op, k, ins, out_data, in_data, locals_[k])};  "
                     f"{_p(locals_[k])} × {_p(incoming)} = {num(shares[k])} → {wrap(name)}.grad")
        lines.append(f"    {wrap(name)}.grad: {num(before[k])} + {_p(shares[k])} = {num(after[k])}")
    return lines


# ------------------------------------------------------------------------------------------------- tensors

TENSOR_RULES = {
    "+": ("d/da = 1, d/db = 1: the gradient passes through unchanged", "g"),
    "-": ("d/da = 1, d/db = -1", "g, -g"),
    "*": ("d/da = b, d/db = a (elementwise)", "g·b, g·a"),
    "/": ("d/da = 1/b, d/db = -out/b (elementwise)", "g/b, -g·out/b"),
    "**": ("d/da = p·a^(p-1) (elementwise)", "g·p·a^(p-1)"),
    "@": ("out = A @ B: dA = g @ Bᵀ, dB = Aᵀ @ g", "g @ Bᵀ, Aᵀ @ g"),
    "neg": ("d/dx = -1", "-g"),
    "exp": ("d/dx = e^x = out (elementwise)", "g·out"),
    "log": ("d/dx = 1/x (elementwise)", "g/x"),
    "sqrt": ("d/dx = 1/(2·out) (elementwise)", "g/(2·out)"),
    "tanh": ("tanh: d/dx = 1 - out² (elementwise)", "g·(1 - out²)"),
    "sigmoid": ("d/dx = out·(1 - out) (elementwise)", "g·out·(1 - out)"),
    "relu": ("d/dx = 1 where x > 0, else 0", "g where x > 0"),
    "abs": ("d/dx = sign(x)", "g·sign(x)"),
    "sum": ("d/dx = 1 for every summed entry: g is copied back to x's shape", "g broadcast"),
    "mean": ("d/dx = 1/n for every averaged entry: g/n is copied back to x's shape", "g/n broadcast"),
    "max": ("the gradient goes to the largest entry (split between ties)", "g at the max"),
    "reshape": ("same numbers in a new shape: g is reshaped back", "g reshaped"),
    "transpose": ("g is transposed back", "gᵀ"),
    "getitem": ("g goes back to the entries that were picked, zeros elsewhere", "g scattered"),
    "softmax": ("d/dx = out·(g - sum(g·out))", "softmax Jacobian"),
    "log_softmax": ("d/dx = g - softmax(x)·sum(g)", "log_softmax Jacobian"),
    "linear": ("out = x @ Wᵀ + b: dx = g @ W, dW = gᵀ @ x, db = sum of g over the batch", ""),
}


def broadcast_note(name: str, in_shape: tuple, out_shape: tuple) -> Optional[str]:
    """Why an input's share is smaller than the output: it was broadcast, so its gradient is summed back."""
    if in_shape == out_shape or len(in_shape) > len(out_shape):
        return None
    extra = len(out_shape) - len(in_shape)
    axes = list(range(extra)) + [i + extra for i, n in enumerate(in_shape) if n == 1 and out_shape[i + extra] != 1]
    if not axes:
        return None
    return (f"{name} {in_shape} was broadcast to {out_shape}: its gradient is summed over axis "
            f"{', '.join(map(str, axes))} back to {in_shape}")


def tensor_forward(op: str, out: str, ins: Sequence[str], out_shape: tuple, in_shapes: Sequence[tuple]) -> str:
    """`h (4, 3) = tanh(z (4, 3))`, or infix for the arithmetic ops."""
    args = [f"{wrap(n)} {s}" for n, s in zip(ins, in_shapes)]
    if op in ("+", "-", "*", "/", "**", "@") and len(args) == 2:
        return f"{wrap(out)} {out_shape} = {args[0]} {op} {args[1]}"
    return f"{wrap(out)} {out_shape} = {op}({', '.join(args)})"


def tensor_step(op: str, out: str, ins: Sequence[str], out_shape: tuple, in_shapes: Sequence[tuple], incoming: Any,
                shares: Sequence[Any], elementwise_broadcast: bool) -> List[str]:
    """The lines of one backward step of a Tensor op: the rule in words, the incoming gradient, each share."""
    rule = TENSOR_RULES.get(op, (f"the chain rule of {op}", ""))[0]
    lines = [f"{op}: {tensor_forward(op, out, ins, out_shape, in_shapes)}",
             f"chain rule: {rule}",
             f"incoming gradient {wrap(out)}.grad {out_shape}: {stats(incoming)}"]
    for name, shape, share in zip(ins, in_shapes, shares):
        if share is None:
            lines.append(f"{name}: no gradient flows (it does not require grad)")
            continue
        lines.append(f"→ {wrap(name)}.grad {tuple(np.shape(share))}: {stats(share)}")
        note = broadcast_note(name, tuple(shape), tuple(out_shape)) if elementwise_broadcast else None
        if note:
            lines.append("    " + note)
    return lines
