"""Joining and padding: `cat`, `stack` (module functions, as `torch.cat`/`torch.stack`) and `pad` (as
`torch.nn.functional.pad`). Each input lands in one block of the output, so its gradient is that block of the
output's gradient."""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

import numpy as np

from .core import Tensor
from .movement import _dim


def _tensors(tensors: Any, op: str) -> List[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{op}: expects a non-empty list or tuple of tensors, got {type(tensors).__name__}")
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    floats = [t.dtype for t in ts if t.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.result_type(*[t.dtype for t in ts])  # int + float32 is float32
    return [t if t.dtype == dtype else t._result(t.data.astype(dtype), (t,), "cast", _cast_back) for t in ts]


def _cast_back(out: Tensor, g: np.ndarray) -> None:
    out._parents[0]._accumulate(g)  # _accumulate casts g to the input's dtype


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors end to end along an existing `dim`; every other dim must match, as `torch.cat`.
    A 1-D tensor with no entries is skipped, as torch does. Backward cuts the gradient into the same blocks."""
    given = _tensors(tensors, "cat")
    ts = [t for t in given if t.shape != (0,)] or given[:1]
    first = ts[0]
    d = _dim(dim, first.ndim, "cat", first.shape)
    if first.ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack, or unsqueeze(0) each one")
    for t in ts[1:]:
        if t.ndim != first.ndim or t.shape[:d] + t.shape[d + 1:] != first.shape[:d] + first.shape[d + 1:]:
            raise ValueError(f"cat: shapes {[t.shape for t in ts]} must match except in dim {dim}")
    ends = np.cumsum([t.shape[d] for t in ts])[:-1]

    def _cat_back(out: Tensor, g: np.ndarray) -> None:
        for t, block in zip(out._parents, np.split(g, ends, axis=d)):
            t._accumulate(block)

    return Tensor._result(np.concatenate([t.data for t in ts], axis=d), tuple(ts), "cat", _cat_back)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new `dim` (`stack([a, b], 0)` has shape (2,) + a.shape), as `torch.stack`.
    Backward hands input i the slice `i` of the gradient along `dim`."""
    ts = _tensors(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise ValueError(f"stack: all tensors must have the same shape, got {[t.shape for t in ts]}")
    d = _dim(dim, ts[0].ndim + 1, "stack", ts[0].shape)

    def _stack_back(out: Tensor, g: np.ndarray) -> None:
        for i, t in enumerate(out._parents):
            t._accumulate(np.take(g, i, axis=d))

    return Tensor._result(np.stack([t.data for t in ts], axis=d), tuple(ts), "stack", _stack_back)


_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad with torch's `F.pad` meaning: `pad` lists (before, after) pairs from the LAST dim backwards
    (`(1, 2)` pads the last dim with 1 entry in front and 2 behind; `(1, 1, 2, 2)` also pads the one before it).

    mode "constant" fills with `value`; a negative amount crops. Backward is the un-padded block of the gradient.
    "reflect", "replicate" and "circular" copy entries from inside the tensor: each output entry comes from one
    input entry, so backward adds each gradient entry back there (as indexing does).
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    amounts = tuple(pad)
    if len(amounts) % 2 or len(amounts) // 2 > x.ndim or not all(isinstance(p, (int, np.integer)) for p in amounts):
        raise ValueError(f"pad: needs an even number of ints, at most 2 per dim of shape {x.shape}; got {amounts}")
    pairs = [(0, 0)] * (x.ndim - len(amounts) // 2) + [(int(amounts[i]), int(amounts[i + 1]))
                                                       for i in range(len(amounts) - 2, -1, -2)]
    if mode == "constant":
        return _pad_constant(x, pairs, value)
    if mode not in _NUMPY_MODES:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    limit = {"reflect": lambda n: n - 1, "replicate": lambda n: float("inf") if n else 0, "circular": lambda n: n}[mode]
    for n, (lo, hi) in zip(x.shape, pairs):
        if min(lo, hi) < 0 or max(lo, hi) > limit(n):
            raise ValueError(f"pad: {mode} padding {(lo, hi)} does not fit a dim of size {n} (shape {x.shape}); it "
                             f"needs 0 <= padding {'< size' if mode == 'reflect' else '<= size'}")
    # For each dim, which input position every output position copies (numpy's pad applied to 0, 1, ..., n-1).
    index = np.ix_(*[np.pad(np.arange(n), pr, mode=_NUMPY_MODES[mode]) for n, pr in zip(x.shape, pairs)])
    return x[index] if x.ndim else x[()]


def _pad_constant(x: Tensor, pairs: List[Tuple[int, int]], value: float) -> Tensor:
    out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pairs))
    if any(n < 0 for n in out_shape):
        raise ValueError(f"pad: padding {pairs} crops the tensor of shape {x.shape} below size 0 ({out_shape})")
    # The block of the input that survives (negative padding crops) and where it sits in the output.
    kept = [max(n - max(-lo, 0) - max(-hi, 0), 0) for n, (lo, hi) in zip(x.shape, pairs)]
    src = tuple(slice(max(-lo, 0), max(-lo, 0) + k) for k, (lo, hi) in zip(kept, pairs))
    dst = tuple(slice(max(lo, 0), max(lo, 0) + k) for k, (lo, hi) in zip(kept, pairs))
    data = np.full(out_shape, value, dtype=x.dtype)
    data[dst] = x.data[src]

    def _pad_back(out: Tensor, g: np.ndarray) -> None:
        a = out._parents[0]
        full = np.zeros(a.shape, dtype=g.dtype)
        full[src] = g[dst]
        a._accumulate(full)

    return Tensor._result(data, (x,), "pad", _pad_back)
