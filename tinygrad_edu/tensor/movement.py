"""Shape and movement: reshape, transpose, permute, indexing. Forward moves entries; backward moves the gradient back to
where each entry came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

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

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        """Swap two dims, as `torch.transpose` (`x.transpose(0, 1)` on 2-D is the matrix transpose; negative dims
        count from the end). Its own inverse, so the chain rule swaps the gradient back."""
        d0, d1 = _dim(dim0, self.ndim, "transpose", self.shape), _dim(dim1, self.ndim, "transpose", self.shape)
        if self.ndim == 0:  # torch accepts dims 0 and -1 of a 0-d tensor; nothing to swap
            return self.permute()

        def _transpose_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.swapaxes(g, d0, d1))

        return self._result(np.swapaxes(self.data, d0, d1), (self,), "transpose", _transpose_back)

    def permute(self, *dims: Any) -> "Tensor":
        """Reorder all dims, as `torch.permute`: output dim i is input dim `dims[i]` (`x.permute(2, 0, 1)`, or a
        tuple). The chain rule applies the inverse permutation to the gradient. `.T` is `permute` reversing every
        dim (torch's `.T` for 2-D; torch deprecates `.T` for other ndim, we keep it as "reverse all dims")."""
        dims_t = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else tuple(dims)
        perm = tuple(_dim(d, self.ndim, "permute", self.shape) for d in dims_t)
        if sorted(perm) != list(range(self.ndim)):
            raise ValueError(f"permute: dims {dims_t} are not a permutation of the {self.ndim} dims of shape {self.shape} "
                             f"(name each dim once, e.g. {tuple(reversed(range(self.ndim)))})")
        inverse = tuple(int(i) for i in np.argsort(perm))  # where each input dim went: undoes the permutation

        def _permute_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.transpose(g, inverse))

        return self._result(np.transpose(self.data, perm), (self,), "permute", _permute_back)

    @property
    def mT(self) -> "Tensor":
        """Swap the last two dims (a batch of matrices transposed), as torch's `.mT`."""
        if self.ndim < 2:
            raise ValueError(f"mT: needs at least 2 dims, got a tensor of shape {self.shape}")
        return self.transpose(-2, -1)

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


def _dim(d: Any, ndim: int, op: str, shape: Tuple[int, ...]) -> int:
    """One dim argument made non-negative; out of range is an IndexError as in torch (a 0-d tensor takes 0 or -1)."""
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{op}: a dim must be an int, got {d!r} (tensor of shape {shape})")
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"{op}: dim {int(d)} is out of range for a tensor of shape {shape} (valid: {-n} to {n - 1})")
    return int(d) % n if ndim else 0


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


