"""Layers with PyTorch's names: `Linear`, `Sequential`, activations, `Flatten`, and an `MLP` builder."""

from __future__ import annotations

import math
from typing import Any, Iterator, Optional, Sequence, Tuple, Type, Union

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module


def weight_order(in_features: int, out_features: int) -> str:
    """The memory order of a Linear weight (out, in), chosen for OpenBLAS at small batches: a product `a @ b.T` with
    a C-ordered b is 2-4x slower than a plain `a @ b` once the result is 128 or more columns wide.

    - "F" (the memory of an (in, out) array) by default: the forward `x @ W.T` is then the plain product (784 -> 128
      at batch 16: 37 against 93 us), and a first layer, whose input (the data) needs no gradient, does nothing else.
    - "C" for a narrow layer after a wide one (out < 128 <= in, MNIST's 128 -> 64): its forward product is narrow,
      fast either way, while the input gradient `g @ W` that a hidden layer needs becomes the plain product (at
      batch 16: 2.4 against 5.6-11 us; the MNIST step 3% faster, docs/benchmarks.md).

    Invisible at the API: the shape, the numbers, `state_dict()` (C-ordered copies) and `load_state_dict()` (copies
    in place) are the same either way; F.linear computes dW in W's own order."""
    return "C" if out_features < 128 <= in_features else "F"


class Linear(Module):
    """y = x @ W.T + b, with W of shape (out_features, in_features) as in PyTorch.

    W and b start uniform in [-1/sqrt(in_features), 1/sqrt(in_features)] (PyTorch's default), so the outputs
    start at about the same scale as the inputs whatever the layer's width. `seed` makes the draw reproducible.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, seed: Optional[int] = None) -> None:
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Tensor(np.empty((self.out_features, self.in_features), np.float32,
                                      order=weight_order(self.in_features, self.out_features)), requires_grad=True)
        self.bias = Tensor(np.empty(self.out_features, np.float32), requires_grad=True) if bias else None
        self.reset_parameters(seed)

    def reset_parameters(self, seed: Optional[int] = None) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for the weight, i.e. U(-1/sqrt(in), 1/sqrt(in)), and the
        same range for the bias. One generator draws the weight, then the bias, so `seed` fixes both."""
        rng = np.random.default_rng(seed)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, x: Any) -> Tensor:
        return F.linear(self._checked(x), self.weight, self.bias)

    def _checked(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)  # F.as_tensor, inline: once per layer per batch
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects inputs whose last axis has "
                f"{self.in_features} features, got shape {x.shape}"
            )
        return x

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(Module):
    """Apply modules one after another. Children are named `0`, `1`, ... and `seq[i]` gives the i-th."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules; argument {i} is a {type(m).__name__}")
        self._modules = list(modules)

    def _members(self) -> Iterator[Tuple[str, Any]]:
        for i, m in enumerate(self._modules):
            yield str(i), m

    def forward(self, x: Any) -> Any:
        modules, i = self._modules, 0
        while i < len(modules):
            m = modules[i]
            if type(m) is Linear:
                # A Linear then a ReLU run as one op, F.linear_relu: the same numbers and gradients as the two
                # modules one after the other, with half the graph nodes and the relu in place (docs/benchmarks.md).
                # A Linear alone calls F.linear directly: what m(x) does, two Python calls fewer.
                relu = i + 1 < len(modules) and type(modules[i + 1]) is ReLU
                x = (F.linear_relu if relu else F.linear)(m._checked(x), m.weight, m.bias)
                i += 2 if relu else 1
            else:
                x = m(x)
                i += 1
        return x

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._modules[index])
        return self._modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return F.as_tensor(x).relu()


class Tanh(Module):
    """tanh(x), elementwise: outputs in (-1, 1)."""

    def forward(self, x: Any) -> Tensor:
        return F.as_tensor(x).tanh()


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise: outputs in (0, 1)."""

    def forward(self, x: Any) -> Tensor:
        return F.as_tensor(x).sigmoid()


class Softmax(Module):
    """Turn scores along `dim` into probabilities that sum to 1 (no `dim`: PyTorch's implicit choice, warned)."""

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return F.softmax(F.as_tensor(x), dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along `dim`, computed stably; pair it with `nll_loss`, or use `cross_entropy` on logits."""

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(F.as_tensor(x), dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise. See `functional.leaky_relu`."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(F.as_tensor(x), self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha * (e^x - 1) otherwise. See `functional.elu`."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        return F.elu(F.as_tensor(x), self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x * Phi(x), exact or with approximate="tanh". See `functional.gelu`."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return F.gelu(F.as_tensor(x), self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x). See `functional.silu`."""

    def forward(self, x: Any) -> Tensor:
        return F.silu(F.as_tensor(x))


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear above `threshold`. See `functional.softplus`."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Any) -> Tensor:
        return F.softplus(F.as_tensor(x), self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """log(sigmoid(x)), finite for any x. See `functional.logsigmoid`."""

    def forward(self, x: Any) -> Tensor:
        return F.logsigmoid(F.as_tensor(x))


class Flatten(Module):
    """Merge the axes from `start_dim` on into one: (N, 28, 28) images become (N, 784) rows."""

    def __init__(self, start_dim: int = 1) -> None:
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x: Any) -> Tensor:
        x = F.as_tensor(x)
        return x.reshape(x.shape[: self.start_dim] + (-1,))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}"


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU, "elu": ELU, "gelu": GELU,
               "silu": SiLU}


class MLP(Module):
    """A multi-layer perceptron: `MLP([784, 128, 64, 10])` is Linear, act, Linear, act, Linear.

    The last layer has no activation: it outputs logits (use `cross_entropy`) or a score. `activation` is
    "relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "silu", or a Module class such as `nn.Tanh`. The layers live in `self.layers`
    (a Sequential), so parameters are named `layers.0.weight`, `layers.0.bias`, `layers.2.weight`, ...
    """

    def __init__(self, sizes: Sequence[int], activation: Union[str, Type[Module]] = "relu",
                 seed: Optional[int] = None) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes}")
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} or pass a Module class")
            act: Type[Module] = ACTIVATIONS[activation]
        elif isinstance(activation, type) and issubclass(activation, Module):
            act = activation
        else:
            raise TypeError(f"activation must be a name or a Module class (e.g. nn.Tanh), got {activation!r}")
        modules: list = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            modules.append(Linear(n_in, n_out, seed=None if seed is None else seed + i))
            if i < len(sizes) - 2:
                modules.append(act())
        self.sizes = sizes
        self.layers = Sequential(*modules)

    def forward(self, x: Any) -> Tensor:
        return self.layers(x)
