"""Copying entries: `expand` (broadcast to a bigger shape) and `repeat` (tile). Each output entry is a copy of one
input entry, so an input entry's gradient is the sum of the gradients of all its copies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

import numpy as np

from .broadcast import unbroadcast

if TYPE_CHECKING:
    from .core import Tensor


def _sizes(sizes: Tuple[Any, ...], op: str, shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """`f(2, 3)` or `f((2, 3))` as a tuple of ints."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) for n in sizes):
        raise TypeError(f"{op}: sizes must be ints, got {sizes!r} (tensor of shape {shape})")
    return tuple(int(n) for n in sizes)


class ExpandOps:
    """expand and repeat for Tensor."""

    __slots__ = ()

    def expand(self, *sizes: Any) -> "Tensor":
        """Broadcast to `sizes`, as `torch.expand`: a dim of size 1 may grow, -1 keeps a dim's size, new dims go in
        front (`(3, 1).expand(2, -1, 4)` -> (2, 3, 4)). Backward sums the gradient over the copies (`unbroadcast`)."""
        target = _sizes(sizes, "expand", self.shape)
        extra = len(target) - self.ndim
        if extra < 0:
            raise ValueError(f"expand: {target} has fewer dims than the tensor of shape {self.shape}")
        new = list(target)
        for i, n in enumerate(target):
            old = self.shape[i - extra] if i >= extra else None
            if n == -1 and old is not None:
                new[i] = old
            elif n < 0 or (old is not None and old != 1 and old != n):
                raise ValueError(f"expand: cannot expand a tensor of shape {self.shape} to {target} "
                                 f"(dim {i}: only a dim of size 1 can grow; -1 keeps an existing dim)")
        shape = self.shape

        def _expand_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(unbroadcast(g, shape))

        return self._result(np.broadcast_to(self.data, tuple(new)), (self,), "expand", _expand_back)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> "Tensor":
        """Tile, as `torch.repeat` (numpy's `tile`, NOT numpy's `repeat`): `[1, 2].repeat(2)` is `[1, 2, 1, 2]`.
        `sizes` has at least one entry per dim; extra entries add dims in front.

        Output dim i holds reps[i] copies of input dim i side by side, so reshaping the gradient to
        (reps[0], n[0], reps[1], n[1], ...) lines the copies up on the even axes, and summing those is the chain rule.
        """
        reps = _sizes(sizes, "repeat", self.shape)
        if len(reps) < self.ndim:
            raise ValueError(f"repeat: needs at least one size per dim of the tensor of shape {self.shape}, got {reps}")
        if any(r < 0 for r in reps):
            raise ValueError(f"repeat: sizes must be >= 0, got {reps} (tensor of shape {self.shape})")
        shape = self.shape
        padded = (1,) * (len(reps) - self.ndim) + shape

        def _repeat_back(out: "Tensor", g: np.ndarray) -> None:
            interleaved = g.reshape(tuple(x for pair in zip(reps, padded) for x in pair))
            out._parents[0]._accumulate(interleaved.sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(shape))

        return self._result(np.tile(self.data.reshape(padded), reps), (self,), "repeat", _repeat_back)
