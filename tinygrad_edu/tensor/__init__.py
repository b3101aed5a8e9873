"""`Tensor`: the numpy-backed node type. The class and its plumbing are in `core.py`; its ops are grouped by
family in the files beside it (see `core.py`'s docstring)."""

from .broadcast import unbroadcast
from .core import Tensor, tensor
from .select import ValuesIndices, maximum, minimum, where

__all__ = ["Tensor", "tensor", "unbroadcast", "where", "maximum", "minimum", "ValuesIndices"]
