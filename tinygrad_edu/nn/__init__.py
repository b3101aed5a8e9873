"""Neural networks on Tensors, with PyTorch's names: `Module`, layers, losses, saving and loading.

    from tinygrad_edu import nn
    model = nn.MLP([784, 128, 64, 10])
    loss = nn.functional.cross_entropy(model(x), y)

`nn.scalar` has micrograd's Neuron/Layer/MLP built from one `Value` per weight.
"""

from . import functional, init, scalar, utils
from .layers import (ELU, GELU, MLP, Flatten, LeakyReLU, Linear, LogSigmoid, LogSoftmax, ReLU, Sequential, Sigmoid, SiLU,
                     Softmax, Softplus, Tanh)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, HuberLoss, L1Loss, MSELoss, NLLLoss,
                     SmoothL1Loss)
from .module import IncompatibleKeys, Module
from .normalization import BatchNorm1d, Dropout, LayerNorm
from .serialize import load, save

__all__ = [
    "Module",
    "IncompatibleKeys",
    "Linear",
    "Sequential",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Softmax",
    "LogSoftmax",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Softplus",
    "LogSigmoid",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "LayerNorm",
    "MLP",
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "NLLLoss",
    "CrossEntropyLoss",
    "HingeLoss",
    "functional",
    "init",
    "utils",
    "scalar",
    "save",
    "load",
]
