"""Indexing `x[...]` with torch's meaning: ints, slices, None, Ellipsis, boolean masks, integer arrays, lists and
Tensors of indices. Forward picks entries; backward adds each output gradient back where its entry came from
(repeated indices add up).

numpy and torch agree on every index except one combination: an int together with an index array. numpy counts the
int as an index array too, so `x[0, :, [1, 2]]` on shape (2, 3, 4) has shape (2, 3) in numpy (the "array" axes move
to the front); torch applies the int first, as plain indexing, and gets shape (3, 2). We follow torch by indexing in
two stages in that case: first the ints, slices, None and Ellipsis (a view), then the index arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

import numpy as np

from ..autograd import Node

if TYPE_CHECKING:
    from .core import Tensor


class IndexingOps:
    """`x[index]` for Tensor."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> "Tensor":
        """Pick entries as torch does; the gradient lands back where each entry came from."""
        parts = _plain_index(index)
        basic, advanced = _split(parts, self.shape)
        try:
            data = self.data[basic][advanced] if basic is not None else self.data[parts]
        except IndexError as e:
            raise IndexError(f"index {index!r} does not fit a tensor of shape {self.shape}: {e}") from None
        shape = self.shape

        def _getitem_back(out: "Tensor", g: np.ndarray) -> None:
            full = np.zeros(shape, dtype=g.dtype)
            if basic is not None:
                np.add.at(full[basic], advanced, g)  # full[basic] is a view: the sums land in `full`
            elif _has_array(parts):
                np.add.at(full, parts, g)  # repeated indices add up
            else:
                full[parts] = g
            out._parents[0]._accumulate(full)

        return self._result(np.asarray(data), (self,), "getitem", _getitem_back)


def _plain_index(index: Any) -> Any:
    """Replace Tensors and lists inside an index by ndarrays, so numpy sees one kind of index; an integer array
    of 0 dims is an int (as in torch)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Node):  # a Tensor of indices
        index = index.data
    elif isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, (bool, np.bool_)):
        index = np.asarray(index)  # a bool scalar is a 0-d mask (adds a dim of size 1 or 0), not an int
    if isinstance(index, np.ndarray):
        if index.dtype.kind not in "biu" and index.size:
            raise IndexError(f"tensors used as indices must hold integers or booleans, not {index.dtype}")
        if index.ndim == 0 and index.dtype.kind in "iu":
            return int(index)
        return index if index.dtype == np.bool_ else index.astype(np.intp)  # [] is an empty int index, as in torch
    return index


def _is_int(i: Any) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _has_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) for i in parts)


def _split(index: Any, shape: Tuple[int, ...]) -> Tuple[Any, Any]:
    """(basic, advanced) when the index mixes an int with an index array (torch's two stages), else (None, None).

    Stage one keeps the ints, slices, None and Ellipsis and puts a full slice where each array was (one per dim a
    boolean mask covers); stage two keeps the arrays, drops the ints (their dims are gone) and takes each other
    dim whole.
    """
    parts = index if isinstance(index, tuple) else (index,)
    if not (any(_is_int(i) for i in parts) and _has_array(parts)):
        return None, None
    basic, advanced = [], []
    for i in parts:
        if isinstance(i, np.ndarray):
            basic.extend([slice(None)] * (i.ndim if i.dtype == np.bool_ else 1))
            advanced.append(i)
        elif _is_int(i):
            basic.append(i)
        elif i is Ellipsis:
            basic.append(i)
            advanced.append(i)
        else:  # a slice or None: applied in stage one, its dim taken whole in stage two
            basic.append(i)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)
