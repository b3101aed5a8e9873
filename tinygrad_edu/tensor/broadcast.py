"""Broadcasting's backward: an input that numpy broadcast was used once per copy, so its gradient is the sum
over the copies."""

from __future__ import annotations

from typing import Tuple

import numpy as np

from .reduce import _sum


def unbroadcast(g: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """Sum `g` down to `shape`: undo numpy broadcasting, whose backward is a sum over the broadcast axes."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    if not axes:
        return g.reshape(shape)
    # Long float32 sums and float16 sums add up in float64 (see `reduce.accurate_sum`): a bias broadcast over 2^25
    # rows gets 2^25 times its gradient, where numpy's row-by-row float32 sum stops at 2^24. No errstate here:
    # backward already runs with numpy's warnings off (inf + -inf is nan, quietly).
    total = _sum(g, axes, True)
    return (total if total.dtype == g.dtype else total.astype(g.dtype)).reshape(shape)
