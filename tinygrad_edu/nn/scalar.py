"""micrograd's neural network, one `Value` per weight: `Neuron`, `Layer` and `MLP`.

Every weight is a scalar node, so the whole forward pass is a graph of `*`, `sum` and relu/tanh that you can draw and
step through. This is the slow but transparent way; `tinygrad_edu.nn` does the same with matrices.

    model = MLP(2, [16, 16, 1], seed=0)      # 2 inputs, two hidden layers of 16, one output
    score = model([0.5, -1.0])               # a Value
    score.backward()
"""

from __future__ import annotations

import random
from typing import List, Optional, Sequence, Tuple, Union

from ..value import Value

Number = Union[int, float]
Input = Sequence[Union[Number, Value]]

ACTIVATIONS = ("relu", "tanh")


def _constant(x: Union[Number, Value]) -> Value:
    """An input as a Value: Values pass through, numbers become constants that need no gradient."""
    if isinstance(x, Value):
        return x
    v = Value(x)
    v.requires_grad = False
    return v


class ScalarModule:
    """What Neuron, Layer and MLP share: the parameter list, dotted names and zero_grad."""

    def named_parameters(self) -> List[Tuple[str, Value]]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def parameters(self) -> List[Value]:
        """All weights and biases, in a fixed order (the order an optimizer sees them)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's grad to 0 before the next backward (grads add up otherwise)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(ScalarModule):
    """out = act(w . x + b): `nin` weights drawn uniformly from [-1, 1], bias 0 (as micrograd).

    `nonlin=False` leaves out the activation (a linear output neuron). Pass `seed=` or a `random.Random` as `rng=`
    for reproducible weights.

    `fused=True` (the default) computes `act(w . x + b)` as one node (`Value.weighted_sum`, op `relu(w·x+b)`): the
    fast way to train. `fused=False` builds it as micrograd does, one `*` node per weight, a `sum` node and a `relu`
    node: the same numbers and gradients, in 8x more nodes (the moons step), for pictures that show every product
    and the activation (the lesson's drawing of a neuron).
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu", seed: Optional[int] = None,
                 rng: Optional[random.Random] = None, fused: bool = True) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"a neuron needs at least one input, got nin={nin!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
        rng = rng if rng is not None else random.Random(seed)
        self.w = tuple(Value(rng.uniform(-1, 1)) for _ in range(nin))  # a tuple: see `_params`
        self.b = Value(0.0)
        self._params_group: Tuple[Value, ...] = (*self.w, self.b)
        self._params_of = self.w
        self.nonlin = nonlin
        self.activation = activation
        self.fused = fused

    def __call__(self, x: Input) -> Value:
        x = tuple(_constant(xi) for xi in x)
        return self._forward(x, any(xi.requires_grad for xi in x))

    def _params(self) -> Tuple[Value, ...]:
        """`(w0, ..., b)` as one tuple, the same object for every sample: the graph walk then visits the neuron's
        parameters once per backward, not once per sample (see `Value._weighted_sum`). Rebuilt if `w` or `b` is
        replaced (`w` is a tuple, so its entries cannot be swapped one by one behind the cache's back)."""
        group = self._params_group
        if self._params_of is not self.w or group[-1] is not self.b:
            self._params_of = self.w = tuple(self.w)
            group = self._params_group = (*self.w, self.b)
        return group

    def _forward(self, x: Tuple[Value, ...], inputs_need_grad: bool) -> Value:
        """The neuron on inputs that are already Values (a Layer converts them once for all its neurons)."""
        if len(x) != len(self.w):
            raise ValueError(f"this neuron has {len(self.w)} weights but got {len(x)} inputs")
        if self.fused:  # the whole neuron, activation included, as one node (see `Value.weighted_sum`)
            return Value._weighted_sum(self._params(), x, inputs_need_grad, self.activation if self.nonlin else None)
        # one `*` node per input, then one `sum` node (bias first): the numbers of micrograd's running sum
        act = Value.sum([self.b, *(wi * xi for wi, xi in zip(self.w, x))])
        if not self.nonlin:
            return act
        return act.relu() if self.activation == "relu" else act.tanh()

    def named_parameters(self) -> List[Tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def __repr__(self) -> str:
        kind = self.activation.capitalize() if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(ScalarModule):
    """`nout` independent neurons that all read the same `nin` inputs. Extra keyword arguments go to each Neuron."""

    def __init__(self, nin: int, nout: int, seed: Optional[int] = None, rng: Optional[random.Random] = None,
                 **kwargs: object) -> None:
        rng = rng if rng is not None else random.Random(seed)
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]  # type: ignore[arg-type]

    def __call__(self, x: Input) -> Union[Value, List[Value]]:
        """One Value per neuron; a single Value when the layer has one neuron (as micrograd)."""
        x = tuple(_constant(xi) for xi in x)  # numbers become Values once here, not once per neuron; one tuple
        # shared by every neuron's node, which the graph walk visits once (see `Value._weighted_sum`)
        inputs_need_grad = any(xi.requires_grad for xi in x)
        out = [n._forward(x, inputs_need_grad) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> List[Tuple[str, Value]]:
        return [(f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(ScalarModule):
    """Layers of sizes `nouts` after `nin` inputs; ReLU (or tanh) between layers, the last layer is linear.

    `fused=False` builds every neuron as one `*` node per weight and a `sum` (see `Neuron`), for pictures.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu", seed: Optional[int] = None,
                 rng: Optional[random.Random] = None, fused: bool = True) -> None:
        if not nouts:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        rng = rng if rng is not None else random.Random(seed)
        sizes = [nin] + list(nouts)
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], rng=rng, nonlin=i != last, activation=activation, fused=fused)
                       for i in range(len(nouts))]

    def __call__(self, x: Input) -> Union[Value, List[Value]]:
        out: Union[Value, List[Value]] = list(x)
        for layer in self.layers:
            out = layer(out if isinstance(out, list) else [out])
        return out

    def named_parameters(self) -> List[Tuple[str, Value]]:
        return [(f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

