"""Which dtype an op's result has: PyTorch's type promotion (`torch.result_type`), decided once for every op.

Three rules cover what a learner meets:

* Categories rank bool < integer < floating. The result's category is the highest among the operands.
* Within a category, a tensor with dimensions decides over a 0-d tensor, which decides over a plain number:
  `float32 tensor * 2.5` and `float32 tensor * np.float64(2.5)` stay float32 (a number, numpy's too, only says
  "float"); `int32 tensor + 7` stays int32; `float32 tensor + float64 tensor` is float64.
* A number or 0-d tensor of a higher category than every dimensioned tensor brings that category in its default
  dtype: `int tensor * 2.5` is float32 (the default float dtype), `bool tensor + 1` is int64.

Division and the float-only functions (exp, log, sqrt, ...) of an integer or bool tensor give float32, the default
float dtype, as in PyTorch (numpy would give float64).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

DEFAULT_FLOAT = np.dtype(np.float32)
"""PyTorch's default dtype: what integer data becomes when an op needs floats."""

_NUMBER_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64), float: DEFAULT_FLOAT}


def _category(dtype: Optional[np.dtype]) -> int:
    """0 bool, 1 integer, 2 floating; -1 for "no operand of this kind"."""
    return -1 if dtype is None else {"b": 0, "i": 1, "u": 1, "f": 2}[dtype.kind]


def promote(a: Optional[np.dtype], b: Optional[np.dtype]) -> Optional[np.dtype]:
    """PyTorch's promote_types: the higher category wins outright (int64 with float16 is float16, where numpy
    says float64); within a category the wider type, with numpy's rules for mixing signed and unsigned."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 1 and {a.kind, b.kind} == {"i", "u"} and max(a.itemsize, b.itemsize) == 8:
        return np.dtype(np.int64)  # numpy would say float64 for int64 with uint64; torch stays integer
    return np.promote_types(a, b)


def _combine(higher: Optional[np.dtype], lower: Optional[np.dtype]) -> Optional[np.dtype]:
    """How a higher-priority group of operands (`higher`) combines with a lower one (torch's combine_categories)."""
    if higher is None:
        return lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or _category(lower) > _category(higher):
        return promote(higher, lower)
    return higher


def number_dtype(x: Any) -> Optional[np.dtype]:
    """The dtype a plain number (Python or numpy scalar) stands for; None if `x` is not a plain number."""
    if isinstance(x, (bool, np.bool_)):
        return _NUMBER_DTYPES[bool]
    if isinstance(x, (int, np.integer)):
        return _NUMBER_DTYPES[int]
    if isinstance(x, (float, np.floating)):
        return DEFAULT_FLOAT
    return None


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an elementwise op on `operands` (arrays, or anything with `.dtype` and `.ndim`, or numbers)."""
    dims = zero = numbers = None
    for x in operands:
        dt = number_dtype(x)
        if dt is not None:
            numbers = promote(numbers, dt)
        elif x.ndim > 0:
            dims = promote(dims, x.dtype)
        else:
            zero = promote(zero, x.dtype)
    result = _combine(dims, _combine(zero, numbers))
    assert result is not None, "result_type needs at least one operand"
    return result


def floating(dtype: np.dtype) -> np.dtype:
    """The dtype of a float-only function (division, exp, mean, ...) of `dtype`: itself if floating, else float32."""
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT
