"""`DataLoader`: cut a dataset into mini-batches of Tensors, in a fresh random order every epoch."""

from __future__ import annotations

import math
from typing import Any, Iterator, Optional, Tuple, Union

import numpy as np

from ..tensor import Tensor

Batch = Union[Tuple[Tensor, Tensor], Tensor]


def _as_array(data: Any) -> np.ndarray:
    """The ndarray behind `data`: a Tensor's own array, an ndarray as is, anything else with Tensor's dtype rules."""
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, np.ndarray):
        return data
    return Tensor(data).data


class DataLoader:
    """Iterate over (X, y) in mini-batches: `for xb, yb in DataLoader(X, y, batch_size=32): ...`.

    Each batch is a pair of Tensors with the dataset's dtypes (float32 images stay float32, float64 stays float64,
    int64 labels stay int64); with `y=None` each batch is just the Tensor of inputs. With `shuffle`, every epoch
    (every `for` loop over the loader) draws a new order from the loader's own generator, seeded by `seed`, so a
    run is reproducible without touching numpy's global random state. `len(loader)` is the number of batches.
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: Optional[int] = None,
        drop_last: bool = False,
    ) -> None:
        self.X = _as_array(X)
        self.y = None if y is None else _as_array(y)
        if self.X.ndim == 0:
            raise ValueError("X must have one row per sample; got a scalar")
        if self.y is not None and len(self.X) != len(self.y):
            raise ValueError(f"X and y must have the same length, got {len(self.X)} samples and {len(self.y)} labels")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r} (dataset has {len(self.X)} samples)")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.X)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.X)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start : start + self.batch_size]
            xb = Tensor(self.X[idx], dtype=self.X.dtype)
            yield xb if self.y is None else (xb, Tensor(self.y[idx], dtype=self.y.dtype))
