"""Broadcasting's backward: an input that numpy broadcast was used once per copy, so its gradient is the sum
over the copies."""

from __future__ import annotations

from typing import Tuple

import numpy as np


def unbroadcast(g: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """Sum `g` down to `shape`: undo numpy broadcasting, whose backward is a sum over the broadcast axes."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    if not axes:
        return g.reshape(shape)
    # float32 and float16 gradients add up in float64 and are rounded once: a bias broadcast over 2^25 rows
    # gets 2^25 times its gradient, where numpy's row-by-row float32 sum stops at 2^24 (as PyTorch's accurate sums)
    acc = np.float64 if g.dtype.kind == "f" and g.dtype.itemsize < 8 else None
    with np.errstate(all="ignore"):  # inf + -inf is nan, quietly
        total = g.sum(axis=axes, keepdims=True, dtype=acc)
    return total.astype(g.dtype, copy=False).reshape(shape)
