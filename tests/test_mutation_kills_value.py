"""Specifications for `Value`'s extra ops (`value_ops.py`), its fused neuron (`Value.weighted_sum`) and the graph
core, written to reject the mutants that survived the suite (docs/mutation-value.md lists them).

As in tests/test_mutation_kills.py: every chain rule gets an incoming gradient that is not 1 and an input that is
used twice, in both orders, so `grad += ...` turned into `grad = ...` changes the answer; float64 central
differences are the reference, PyTorch where it defines the number (skipped cleanly without it). Then what a
gradient check does not see: op names (pictures and reprs show them), which nodes record a graph, defaults,
thresholds, the sign of a zero where PyTorch keeps it, and the fields of a fresh node.
"""

import math

import pytest

from tinygrad_edu import Value, no_grad
from tinygrad_edu.autograd import AnomalyError, detect_anomaly
from tinygrad_edu.value_ops import op_name
from tinygrad_edu.viz.trace import replay_backward

G = 0.7303  # an incoming gradient that is not 1
K = -0.4111  # the weight of the second use of each input


def numeric(f, x, h=1e-6):
    """d f / d x by central differences (float64)."""
    return (f(x + h) - f(x - h)) / (2 * h)


# ------------------------------------------------------------------------------------------- chain rules

# name: (op, a point away from its kinks)
UNARY = {
    "sin": (lambda a: a.sin(), 0.7),
    "cos": (lambda a: a.cos(), 0.7),
    "log2": (lambda a: a.log2(), 1.7),
    "log10": (lambda a: a.log10(), 1.7),
    "sign": (lambda a: a.sign(), -0.8),
    "clamp inside": (lambda a: a.clamp(-0.5, 1.0), 0.3),
    "clamp below": (lambda a: a.clamp(-0.5, 1.0), -0.9),
    "clamp max only": (lambda a: a.clamp(max=1.0), 0.3),
    "maximum number wins": (lambda a: a.maximum(0.5), 0.9),
    "maximum number loses": (lambda a: a.maximum(0.5), 0.1),
    "minimum number wins": (lambda a: a.minimum(0.5), 0.1),
    "leaky_relu +": (lambda a: a.leaky_relu(0.1), 0.6),
    "leaky_relu -": (lambda a: a.leaky_relu(0.1), -0.6),
    "elu +": (lambda a: a.elu(2.0), 0.6),
    "elu -": (lambda a: a.elu(2.0), -0.6),
    "gelu": (lambda a: a.gelu(), -0.4),
    "gelu tanh": (lambda a: a.gelu(approximate="tanh"), -0.4),
    "silu": (lambda a: a.silu(), 0.8),
    "softplus": (lambda a: a.softplus(beta=2.0), -0.3),
    "logsigmoid": (lambda a: a.logsigmoid(), -0.3),
}


@pytest.mark.parametrize("name", UNARY)
def test_value_op_chain_rules_add_to_an_input_used_twice(name):
    """d/dx [op(x) * G + K * x] = op'(x) * G + K, whichever use backward reaches first."""
    op, x0 = UNARY[name]
    expected = numeric(lambda x: op(Value(x)).data * G + x * K, x0)
    for first in (True, False):
        x = Value(x0)
        (op(x) * G + x * K if first else x * K + op(x) * G).backward()
        assert x.grad == pytest.approx(expected, rel=1e-6, abs=1e-9), name


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_chain_rules_with_both_inputs_used_twice(name):
    """The winner gets the gradient, the loser none; both inputs' other uses still count."""
    a0, b0 = 1.3, 0.6

    def f(x, y):
        return getattr(x, name)(y)

    da = numeric(lambda x: f(Value(x), Value(b0)).data * G + x * K, a0)
    db = numeric(lambda y: f(Value(a0), Value(y)).data * G + y * 2 * K, b0)
    for first in (True, False):
        a, b = Value(a0), Value(b0)
        (f(a, b) * G + (a * K + b * (2 * K)) if first else (a * K + b * (2 * K)) + f(a, b) * G).backward()
        assert (a.grad, b.grad) == pytest.approx((da, db), rel=1e-6), name


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_at_a_tie_split_the_gradient_and_keep_other_uses(name, torch):
    """At a tie each input gets half (as torch.maximum/minimum), added to what its other uses send."""
    a, b = Value(0.9), Value(0.9)
    (a * K + b * (2 * K) + getattr(a, name)(b) * G).backward()
    ta, tb = (torch.tensor(0.9, dtype=torch.float64, requires_grad=True) for _ in range(2))
    (ta * K + tb * (2 * K) + getattr(ta, name)(tb) * G).backward()
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-15)


def test_log2_log10_gradient_at_zero_is_nan_for_a_zero_or_nan_incoming_gradient(torch):
    """0 / 0 and nan / 0 are nan, not inf (torch: the same), so a nan is never hidden as an infinity."""
    for name in ("log2", "log10"):
        for g in (0.0, math.nan):
            x = Value(0.0)
            getattr(x, name)().backward(g)
            t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
            getattr(t, name)().backward(torch.tensor(g, dtype=torch.float64))
            assert math.isnan(x.grad) and math.isnan(t.grad.item()), (name, g)


def test_silu_is_x_times_the_sigmoid_op_to_the_last_bit():
    """silu(x) = x * sigmoid(x), the same number as the two ops `x * x.sigmoid()` (sigmoid's 1 / (1 + e^-x) form
    for x >= 0), and its chain rule uses that sigmoid too."""
    for i in range(100):
        x = i / 64 - 0.3
        s = Value(x).sigmoid().data
        assert Value(x).silu().data == x * s, x
        v = Value(x)
        v.silu().backward(G)
        assert v.grad == s * (1.0 + x * (1.0 - s)) * G, x


def test_softplus_is_the_identity_above_its_default_threshold_of_20(torch):
    """Where beta * x > threshold (default 20, as PyTorch) softplus returns x itself, and its gradient is 1."""
    for x0 in (20.5, 25.0, 60.0):
        x = Value(x0)
        out = x.softplus()
        out.backward(G)
        t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        ref = torch.nn.functional.softplus(t)
        ref.backward(torch.tensor(G, dtype=torch.float64))
        assert out.data == x0 == ref.item() and x.grad == G == t.grad.item()
    assert Value(19.5).softplus().data == pytest.approx(math.log1p(math.exp(19.5)), rel=1e-15)
    assert Value(19.5).softplus().data != 19.5


def test_clamp_and_leaky_relu_keep_the_sign_of_zero_as_torch(torch):
    """clamp returns x itself where x is within the bounds, the bound where it is outside (so clamp(-0.0, min=0)
    is -0.0 and clamp(0.0, max=-0.0) is 0.0); leaky_relu(0.0) is 0 * slope (-0.0 for a negative slope)."""
    cases = [
        (lambda v: v.clamp(min=0.0), lambda t: t.clamp(min=0.0), -0.0),
        (lambda v: v.clamp(max=-0.0), lambda t: t.clamp(max=-0.0), 0.0),
        (lambda v: v.clamp(-0.0, 0.0), lambda t: t.clamp(-0.0, 0.0), 0.0),
        (lambda v: v.leaky_relu(-0.5), lambda t: torch.nn.functional.leaky_relu(t, -0.5), 0.0),
    ]
    for ours, theirs, x in cases:
        got, ref = ours(Value(x)).data, theirs(torch.tensor(x, dtype=torch.float64)).item()
        assert got == ref and math.copysign(1.0, got) == math.copysign(1.0, ref), (x, got, ref)


def test_value_op_argument_errors():
    with pytest.raises(ValueError, match="^clamp needs min, max or both$"):
        Value(1.0).clamp()
    with pytest.raises(ValueError, match="^gelu: approximate must be 'none' or 'tanh', got 'fast'$"):
        Value(1.0).gelu(approximate="fast")


# ------------------------------------------------------------------------------------------- the graph they record

OP_NAMES = [
    (lambda a, b: a.sin(), "sin"), (lambda a, b: a.cos(), "cos"), (lambda a, b: a.log2(), "log2"),
    (lambda a, b: a.log10(), "log10"), (lambda a, b: a.sign(), "sign"), (lambda a, b: a.clamp(0.0, 1.0), "clamp"),
    (lambda a, b: a.clip(max=1.0), "clamp"), (lambda a, b: a.maximum(b), "maximum"),
    (lambda a, b: a.minimum(b), "minimum"), (lambda a, b: a.maximum(0.5), "maximum"),
    (lambda a, b: a.minimum(0.5), "minimum"), (lambda a, b: a.leaky_relu(), "leaky_relu"),
    (lambda a, b: a.elu(), "elu"), (lambda a, b: a.gelu(), "gelu"), (lambda a, b: a.gelu(approximate="tanh"), "gelu"),
    (lambda a, b: a.silu(), "silu"), (lambda a, b: a.softplus(), "softplus"),
    (lambda a, b: a.logsigmoid(), "logsigmoid"),
]


def test_value_ops_name_their_op_for_pictures_and_reprs():
    """The op name a graph picture prints and `repr` shows as `grad_fn=<...>`; every op records its inputs."""
    for make, name in OP_NAMES:
        a, b = Value(0.25), Value(0.75)
        out = make(a, b)
        assert out._op == name and repr(out).endswith(f", grad_fn=<{name}>)"), name
        assert out._parents[0] is a and not out.is_leaf and out.requires_grad is True, name


@pytest.mark.parametrize("make, name", [
    (lambda a: a + 1, "add"), (lambda a: 2.5 + a, "add"), (lambda a: a - 1, "sub"), (lambda a: a - 2.5, "sub"),
    (lambda a: 2.5 - a, "sub"), (lambda a: 2 - a, "sub"), (lambda a: a * 2.5, "mul"), (lambda a: a / 4, "div"),
    (lambda a: a / 0.5, "div"), (lambda a: 2.5 / a, "div"), (lambda a: a ** 2, "pow"), (lambda a: 2.5 ** a, "pow"),
    (lambda a: -a, "neg"), (lambda a: a + a, "add"), (lambda a: a - a, "sub"), (lambda a: a / a, "div"),
    (lambda a: a.relu(), "relu"), (lambda a: Value.sum([a, a, 1.0]), "sum"),
])
def test_repr_names_the_op_with_its_number_operand_left_out(make, name):
    """`repr` says `grad_fn=<sub>` for `x - 1` and for `2.5 - x`: the number is part of the op's picture name
    (`-1`, `2.5-`), not of its kind."""
    out = make(Value(0.5))
    assert op_name(out._op) == name and repr(out).endswith(f", grad_fn=<{name}>)")


def test_op_name_maps_every_symbol_form():
    assert [op_name(s) for s in ("+", "-", "*", "/", "**", "@", "+1", "-1", "*0.5", "/4", "**2", "1-", "1/",
                                 "2.5-", "-2-", "+-1", "--1", "**-1", "sum", "log2")] == [
        "add", "sub", "mul", "div", "pow", "matmul", "add", "sub", "mul", "div", "pow", "sub", "div",
        "sub", "sub", "add", "sub", "pow", "sum", "log2"]


def test_sign_is_an_op_node_with_a_zero_gradient(torch):
    """`x.sign()` is an op, not a leaf (torch: SignBackward, is_leaf False): backward passes through it with
    slope 0, and a second backward resets its grad rather than adding to it."""
    x = Value(-2.0)
    s = x.sign()
    assert not s.is_leaf and s._backward is not None and repr(s).endswith("grad_fn=<sign>)")
    assert not torch.tensor(-2.0, requires_grad=True).sign().is_leaf
    loss = s * 3.0 + x
    loss.backward(G)
    loss.backward(G)
    assert x.grad == 2 * G and s.grad == 3.0 * G


def test_a_number_operand_of_maximum_is_a_constant():
    """`x.maximum(0.5)` turns 0.5 into a constant input: it never requires grad, so a constant `x` gives a result
    that records no graph (torch: the same)."""
    x = Value(0.25)
    out = x.maximum(0.5)
    assert out._parents[1].requires_grad is False and out._parents[1].data == 0.5
    c = Value(0.25).detach()
    for make in (lambda v: v.maximum(0.5), lambda v: v.minimum(0.5)):
        quiet = make(c)
        assert quiet.requires_grad is False and quiet.is_leaf and quiet._parents == ()


class Probe:
    """A type Value does not know: it answers every comparison with the operand it was handed."""

    def __eq__(self, other):
        return ("==", other)

    def __ne__(self, other):
        return ("!=", other)

    def __lt__(self, other):
        return ("<", other)

    def __le__(self, other):
        return ("<=", other)

    def __gt__(self, other):
        return (">", other)

    def __ge__(self, other):
        return (">=", other)

    __hash__ = object.__hash__


def test_comparing_with_an_unknown_type_hands_the_value_itself_to_that_type():
    """Python's protocol: Value returns NotImplemented, so the other type's reflected method runs and receives the
    Value (not its bare float)."""
    v, p = Value(1.5), Probe()
    results = [v == p, v != p, v < p, v <= p, v > p, v >= p]
    assert [r[0] for r in results] == ["==", "!=", ">", ">=", "<", "<="]
    assert all(r[1] is v for r in results)
    assert (v == 1.5, v != 1.5, v < 2, v <= 1.5, v > 1, v >= 1.5) == (True, False, True, True, True, True)


# ------------------------------------------------------------------------------------------- the fused neuron


def _neuron(n=3, activation=None, bias=0.3):
    ws = [Value(0.5 - 0.4 * i) for i in range(n)]
    xs = [Value(1.1 + 0.7 * i) for i in range(n)]
    b = Value(bias)
    return ws, xs, b, Value.weighted_sum(ws, xs, b, activation)


def test_a_neuron_node_starts_like_any_op_node():
    """Grad 0, no label, its op; under no_grad a constant: a leaf with requires_grad False and a plain repr."""
    ws, xs, b, out = _neuron()
    assert out.grad == 0.0 and out.label == "" and out._op == "w·x+b"
    assert repr(out).endswith(", grad=0, grad_fn=<w·x+b>)")
    with no_grad():
        quiet = Value.weighted_sum(ws, xs, b, "tanh")
    assert quiet.requires_grad is False and quiet.is_leaf and quiet._backward is None
    assert quiet.grad == 0.0 and quiet.label == "" and repr(quiet) == f"Value(data={quiet.data:.6g}, grad=0)"
    ws, xs = [w.detach() for w in ws], [x.detach() for x in xs]
    const = Value.weighted_sum(ws, xs, b.detach())
    assert const.requires_grad is False and const.is_leaf


def test_relu_neuron_gives_the_same_number_as_the_relu_op_even_for_a_negative_zero():
    """The fused `relu(w·x+b)` and the unfused `(b + w·x).relu()` agree to the sign of zero."""
    for bias in (-0.0, 0.0, -1.5, 1.5):
        fused = Value.weighted_sum([Value(-0.0)], [Value(2.0)], Value(bias), "relu").data
        unfused = Value.sum([Value(bias), Value(-0.0) * Value(2.0)]).relu().data
        assert fused == unfused and math.copysign(1.0, fused) == math.copysign(1.0, unfused), bias


def test_a_neuron_in_anomaly_mode_remembers_its_line_and_reports_an_overflow():
    with detect_anomaly():
        ws, xs, b, out = _neuron()
        assert "test_mutation_kills_value.py" in out._trace or "mutmut" in out._trace
        with pytest.raises(AnomalyError, match=r"^forward: op 'w·x\+b' produced inf from finite inputs "
                                               r"\(1e\+308, 0\.0, 10\.0\)\.\n"):
            Value.weighted_sum([Value(1e308)], [Value(10.0)], Value(0.0))


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_replaying_a_neuron_step_on_stand_ins_gives_each_parent_its_share(activation):
    """viz replays a chain rule on copies of the parents (b, w0, x0, w1, x1, ...): each copy gets d out/d parent
    * g, the same as backward gives the real parents."""
    ws, xs, b, out = _neuron(3, activation)
    shares = replay_backward(out, G)
    out.backward(G)
    assert shares == [b.grad, *[v.grad for pair in zip(ws, xs) for v in pair]]
    assert len(set(shares)) == 7  # every parent's share differs, so a mixed-up slot would show


# ------------------------------------------------------------------------------------------- the graph core


def test_a_constant_input_keeps_a_zero_float_grad_after_backward():
    """Value ops add to every input's grad; backward then resets the inputs that do not require grad to 0.0 (a
    float like every Value's grad, so `repr` and `+=` keep working), whatever their grad was before."""
    x, c = Value(3.0), Value(2.0).detach()
    c.grad = 5.0
    (x * c + c * c).backward(G)
    assert c.grad == 0.0 and type(c.grad) is float and repr(c) == "Value(data=2, grad=0)"
    assert x.grad == pytest.approx(2.0 * G)


def test_backward_leaves_the_garbage_collector_as_it_found_it():
    """backward pauses Python's cyclic collector while it walks the graph and switches it back on after, but only
    if it was on: a caller's `gc.disable()` is kept."""
    import gc

    was_on = gc.isenabled()
    try:
        gc.enable()
        x = Value(2.0)
        (x * x).backward(G)
        assert gc.isenabled() and x.grad == pytest.approx(4.0 * G)
        gc.disable()
        (x * 3.0).backward(G)
        assert not gc.isenabled()
    finally:
        (gc.enable if was_on else gc.disable)()


def test_backward_without_a_graph_and_bad_numbers_are_explained():
    """The errors name the type and the value a learner passed."""
    from tinygrad_edu import Tensor

    for node, kind in ((Value(1.0).detach() * 2, "Value"), (Tensor([1.0]).sum(), "Tensor")):
        with pytest.raises(RuntimeError, match=rf"^backward\(\) on a {kind} that does not require grad: it was made "
                                               r"under no_grad\(\), detached, or from inputs that do not require grad, "
                                               r"so no graph was recorded$"):
            node.backward()
    for bad, text in (("2", "str '2'"), (b"2", "bytes b'2'"), ([1.0], r"list \[1\.0\]"), (None, "NoneType None")):
        with pytest.raises(TypeError, match=f"^Value needs a real number, got {text}$"):
            Value(bad)
    with pytest.raises(ValueError, match="^Value needs a number that fits a float64; this int has 401 digits$"):
        Value(10**400)


def test_graph_walk_expands_every_group_of_a_layer_once():
    """Two neurons share one input tuple (as a scalar Layer's do) and each has its own parameter tuple: the walk
    visits every weight, bias and input once, parents before children, and every input gets both neurons' share."""
    from tinygrad_edu.autograd import toposort

    xs = (Value(0.5), Value(-1.5), Value(2.0))
    w1, w2 = [Value(0.1), Value(0.2), Value(0.3)], [Value(-0.4), Value(0.5), Value(-0.6)]
    b1, b2 = Value(0.05), Value(-0.05)
    n1, n2 = Value.weighted_sum(w1, xs, b1, "tanh"), Value.weighted_sum(w2, xs, b2)
    root = n1 * 0.5 + n2
    order = toposort(root)
    leaves = [*xs, *w1, *w2, b1, b2]
    assert len(order) == len(set(map(id, order))) == len(leaves) + 4  # the leaves, n1, n2, *0.5 and +
    assert all(any(node is leaf for node in order) for leaf in leaves)
    position = {id(node): i for i, node in enumerate(order)}
    assert all(position[id(p)] < position[id(node)] for node in order for p in node._parents)
    root.backward(G)
    slope = 0.5 * (1.0 - n1.data ** 2) * G
    assert [x.grad for x in xs] == pytest.approx([w.data * slope + v.data * G for w, v in zip(w1, w2)])


def test_times_zero_names_the_sign_of_its_zero():
    """`x * 0.0` and `x * -0.0` are two ops (`*0`, `*-0`), although 0.0 == -0.0 would share one cached rule."""
    x = Value(1.5)
    assert [(x * 0.0)._op, (x * -0.0)._op, (x * 0.0)._op] == ["*0", "*-0", "*0"]
    assert [(x / 0.0).data, (x / -0.0).data] == [math.inf, -math.inf]


def test_the_default_mode_records_graphs_without_anomaly_checks():
    """What every thread starts with (as torch): recording on, anomaly mode off; a mode block swaps in another."""
    from tinygrad_edu.autograd import GradMode, current_mode, enable_grad

    assert repr(GradMode()) == repr(current_mode()) == "GradMode(enabled=True, anomaly=False)"
    assert repr(GradMode(False, True)) == "GradMode(enabled=False, anomaly=True)"
    with no_grad():
        assert repr(current_mode()) == "GradMode(enabled=False, anomaly=False)"
        with detect_anomaly(), enable_grad():
            assert repr(current_mode()) == "GradMode(enabled=True, anomaly=True)"
    assert math.isinf((Value(1e308) * 10.0).data)  # no AnomalyError outside detect_anomaly()
