"""Shape and movement: reshape, transpose, indexing. Forward moves entries; backward moves the gradient back to
where each entry came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple

import numpy as np

from ..autograd import Node

if TYPE_CHECKING:
    from .core import Tensor


class MovementOps:
    """Shape ops of Tensor."""

    __slots__ = ()

    def reshape(self, *shape: Any) -> "Tensor":
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.shape} ({self.data.size} elements) into {shape}") from None

        def _reshape_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            a._accumulate(g.reshape(a.shape))

        return self._result(data, (self,), "reshape", _reshape_back)

    def transpose(self, *axes: int) -> "Tensor":
        """Reverse the axes (no arguments), or permute them (`transpose(1, 0, 2)`); `.T` is the no-argument form."""
        axes_t: Optional[Tuple[int, ...]] = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None)
        if axes_t is not None and (
            not all(isinstance(a, (int, np.integer)) and -self.ndim <= a < self.ndim for a in axes_t)
            or sorted(int(a) % self.ndim for a in axes_t) != list(range(self.ndim))
        ):
            raise ValueError(f"transpose: axes {axes_t} are not a permutation of the axes of shape {self.shape}")
        inverse = None if axes_t is None else tuple(np.argsort([int(a) % self.ndim for a in axes_t]))  # undoes the permutation

        def _transpose_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.transpose(g, inverse))

        return self._result(np.transpose(self.data, axes_t), (self,), "transpose", _transpose_back)

    def __getitem__(self, index: Any) -> "Tensor":
        """Indexing as numpy: ints, slices, integer arrays. The gradient lands back where each entry came from."""
        index = _plain_index(index)
        try:
            data = self.data[index]
        except IndexError as e:
            raise IndexError(f"index {index!r} does not fit a tensor of shape {self.shape}: {e}") from None
        shape = self.shape
        fancy = _has_array(index)

        def _getitem_back(out: "Tensor", g: np.ndarray) -> None:
            full = np.zeros(shape, dtype=g.dtype)
            if fancy:
                np.add.at(full, index, g)  # repeated indices add up
            else:
                full[index] = g
            out._parents[0]._accumulate(full)

        return self._result(np.asarray(data), (self,), "getitem", _getitem_back)


def _plain_index(index: Any) -> Any:
    """Replace Tensors and lists inside an index by ndarrays, so numpy sees one kind of index."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Node):  # a Tensor of indices
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _has_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) for i in parts)


