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
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)
