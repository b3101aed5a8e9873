"""More `Value` ops, as a mixin of `Value`: comparisons (Python bools, so `if v > 0:` works as with numbers).

Each op below is its forward number and its chain rule `_x_back(out, g)`, which adds d(out)/d(input) * g to the
input's grad, exactly as in `value.py`.
"""

from __future__ import annotations

import numbers
from typing import Any


def _number(x: Any) -> Any:
    """The number behind a Value or a plain number; None for anything else (the comparison is then not ours)."""
    if isinstance(x, ValueOps):
        return x.data
    if isinstance(x, numbers.Real):  # Python's numbers and numpy's scalars (as Python numbers: bool results)
        return x.item() if hasattr(x, "item") else x
    return None


class ValueOps:
    """Comparisons and extra scalar ops of `Value`."""

    __slots__ = ()
    __hash__ = object.__hash__  # by identity: graph walks keep Values in sets, and equal numbers are not one node

    # ------------------------------------------------------------------------------------------- comparisons
    # Compare the numbers, as Python floats do (no gradient: a comparison is a step). `v == w` is True for two
    # different Values with the same number; code that looks a node up in a list must use `is` or `id()`.

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        o = _number(other)
        return NotImplemented if o is None else self.data == o

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        o = _number(other)
        return NotImplemented if o is None else self.data != o

    def __lt__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data < o

    def __le__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data <= o

    def __gt__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data > o

    def __ge__(self, other: Any) -> Any:
        o = _number(other)
        return NotImplemented if o is None else self.data >= o
