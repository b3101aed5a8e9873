"""The bridge to PyTorch: `to_torch(model)` builds the equivalent `torch.nn` module with the same weights, so a
model trained here keeps training (or is deployed) there. The way back is `model.load_state_dict(torch_model
.state_dict())`: the names and shapes are the same on both sides.

    from tinygrad_edu import nn
    model = nn.MLP([2, 16, 2], seed=0)
    ...train here...
    torch_model = nn.to_torch(model)          # a torch.nn.Module: same outputs, same state_dict keys
    torch.optim.SGD(torch_model.parameters(), lr=0.1)

Supported: Linear, Sequential, MLP, the activations, Softmax/LogSoftmax, Flatten, Dropout, BatchNorm1d,
LayerNorm, and any nesting of them. PyTorch is only imported when `to_torch` is called.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

from . import layers as L
from . import normalization as N
from .module import Module


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch needs PyTorch: pip install torch (e.g. tinygrad_edu's extra: "
                          "pip install 'tinygrad_edu[torch]')") from None
    return torch


_MLP_CLASS: Dict[str, Any] = {}


def _torch_mlp(torch: Any, layers: Any) -> Any:
    """A torch module with our MLP's structure (`.layers`, a Sequential), so the keys read `layers.0.weight`."""
    if "MLP" not in _MLP_CLASS:
        class MLP(torch.nn.Module):
            """tinygrad_edu's MLP in PyTorch: Linear, activation, ..., Linear, in `self.layers`."""

            def __init__(self, layers: Any) -> None:
                super().__init__()
                self.layers = layers

            def forward(self, x: Any) -> Any:
                return self.layers(x)

        _MLP_CLASS["MLP"] = MLP
    return _MLP_CLASS["MLP"](layers)


def _converters(torch: Any, dtype: Any) -> Dict[type, Callable[[Any], Any]]:
    tnn = torch.nn
    return {
        L.Linear: lambda m: tnn.Linear(m.in_features, m.out_features, bias=m.bias is not None, dtype=dtype),
        L.Sequential: lambda m: tnn.Sequential(*[_convert(torch, dtype, c) for c in m]),
        L.MLP: lambda m: _torch_mlp(torch, _convert(torch, dtype, m.layers)),
        L.ReLU: lambda m: tnn.ReLU(),
        L.Tanh: lambda m: tnn.Tanh(),
        L.Sigmoid: lambda m: tnn.Sigmoid(),
        L.Softmax: lambda m: tnn.Softmax(dim=m.dim),
        L.LogSoftmax: lambda m: tnn.LogSoftmax(dim=m.dim),
        L.Flatten: lambda m: tnn.Flatten(start_dim=m.start_dim),
        L.LeakyReLU: lambda m: tnn.LeakyReLU(m.negative_slope),
        L.ELU: lambda m: tnn.ELU(m.alpha),
        L.GELU: lambda m: tnn.GELU(approximate=m.approximate),
        L.SiLU: lambda m: tnn.SiLU(),
        L.Softplus: lambda m: tnn.Softplus(beta=m.beta, threshold=m.threshold),
        L.LogSigmoid: lambda m: tnn.LogSigmoid(),
        N.Dropout: lambda m: tnn.Dropout(m.p),
        N.BatchNorm1d: lambda m: tnn.BatchNorm1d(m.num_features, eps=m.eps, momentum=m.momentum, affine=m.affine,
                                                 track_running_stats=m.track_running_stats, dtype=dtype),
        N.LayerNorm: lambda m: tnn.LayerNorm(m.normalized_shape, eps=m.eps, elementwise_affine=m.elementwise_affine,
                                             bias=m.bias is not None, dtype=dtype),
    }


def _convert(torch: Any, dtype: Any, module: Module) -> Any:
    converters = _converters(torch, dtype)
    make = converters.get(type(module))
    if make is None:
        known = ", ".join(sorted(c.__name__ for c in converters))
        raise TypeError(f"to_torch does not know how to convert {type(module).__name__}: it converts {known} and "
                        "nestings of them. For your own Module, write the torch.nn version and copy the weights "
                        "with torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in "
                        "model.state_dict().items()})")
    return make(module)


def to_torch(model: Module) -> Any:
    """The equivalent `torch.nn` module with a copy of `model`'s weights and buffers, in the same train/eval mode.

    The parameters have the model's dtype (float32 by default); the outputs agree to rounding on the same input.
    """
    if not isinstance(model, Module):
        raise TypeError(f"to_torch takes a Module, got a {type(model).__name__}")
    torch = _import_torch()
    state = model.state_dict()
    floats = [v.dtype for v in state.values() if v.dtype.kind == "f"]
    dtype = torch.float64 if floats and floats[0] == np.float64 else torch.float32
    converted = _convert(torch, dtype, model)
    converted.load_state_dict({name: torch.from_numpy(np.array(value)) for name, value in state.items()})
    modes = dict(model.named_modules())
    for name, sub in converted.named_modules():
        sub.train(modes[name].training if name in modes else model.training)
    return converted
