"""Shape and movement: reshape/view, transpose, permute, unsqueeze, squeeze, flatten, flip. Forward moves entries;
backward moves the gradient back to where each entry came from (each op's inverse applied to the gradient)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

import numpy as np

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

    def view(self, *shape: Any) -> "Tensor":
        """`reshape` under torch's other name. Deliberate difference: torch's `view` refuses a non-contiguous input
        (e.g. `x.T.view(-1)`) and always shares memory; ours reshapes any input (copying when numpy must)."""
        return self.reshape(*shape)

    def unsqueeze(self, dim: int) -> "Tensor":
        """Insert a dim of size 1 at `dim` (-1 appends one): shape (3,) -> unsqueeze(0) -> (1, 3)."""
        d = _dim(dim, self.ndim + 1, "unsqueeze", self.shape)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim: Any = None) -> "Tensor":
        """Remove dims of size 1: all of them (no argument), or those named by `dim` (an int or a tuple); a named
        dim whose size is not 1 stays, as in torch."""
        if dim is None:
            named = range(self.ndim)
        else:
            named = [_dim(d, self.ndim, "squeeze", self.shape) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        drop = {d for d in named if self.ndim and self.shape[d] == 1}
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in drop))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Merge dims start_dim..end_dim (inclusive) into one: (2, 3, 4).flatten(1) -> (2, 12). A 0-d tensor -> (1,)."""
        s, e = _dim(start_dim, self.ndim, "flatten", self.shape), _dim(end_dim, self.ndim, "flatten", self.shape)
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of shape {self.shape}")
        if self.ndim == 0:
            return self.reshape(1)
        return self.reshape(self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:])

    def flip(self, *dims: Any) -> "Tensor":
        """Reverse the order of entries along `dims` (`x.flip(0)`, `x.flip((0, 1))`). Flipping again undoes it, so
        the chain rule flips the gradient."""
        dims_t = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else tuple(dims)
        axes = tuple(_dim(d, self.ndim, "flip", self.shape) for d in dims_t)
        if len(set(axes)) != len(axes):
            raise ValueError(f"flip: dims {dims_t} name a dim twice (tensor of shape {self.shape})")
        axes = axes if self.ndim else ()

        def _flip_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.flip(g, axes))

        return self._result(np.flip(self.data, axes), (self,), "flip", _flip_back)


def _dim(d: Any, ndim: int, op: str, shape: Tuple[int, ...]) -> int:
    """One dim argument made non-negative; out of range is an IndexError as in torch (a 0-d tensor takes 0 or -1)."""
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{op}: a dim must be an int, got {d!r} (tensor of shape {shape})")
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"{op}: dim {int(d)} is out of range for a tensor of shape {shape} (valid: {-n} to {n - 1})")
    return int(d) % n if ndim else 0
