"""`Tensor`: a numpy array that records how it was computed. Each op: forward with numpy, then its chain rule.

This file holds the class and its plumbing (how an op's result joins the graph, how gradients accumulate); the
ops live beside it, one family per file, each op's forward and backward on one screen:

    arithmetic.py  + - * / ** neg                 unary.py    exp log sqrt tanh sigmoid relu abs sin cos ...
    reduce.py      sum mean var std prod          softmax.py  softmax log_softmax logsumexp
    select.py      max min argmax clamp where     compare.py  == != < <= > >= & | ~
    inplace.py     += -= *= /= add_ fill_ ...     dtypes.py   which dtype a result has (PyTorch's promotion)
    movement.py    reshape view transpose permute unsqueeze squeeze flatten flip
    expand.py      expand repeat                  indexing.py x[...]      matmul.py  @
    join.py        cat stack pad (module functions: tinygrad_edu.cat, tinygrad_edu.stack)

Every backward function `_back(out, g)` receives the gradient `g` of the op's output and adds each input's share
to that input's `.grad`. Inputs that were broadcast in the forward pass get their gradient summed back to their
own shape (`unbroadcast`). Floating data is float32 unless you ask for another dtype; integer data (labels,
indices) keeps an integer dtype and never requires grad.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from ..autograd import Node, current_mode, record_trace
from ..value_ops import op_name
from .arithmetic import ArithmeticOps
from .compare import CompareOps
from .dtypes import number_dtype, result_type
from .expand import ExpandOps
from .indexing import IndexingOps
from .inplace import CLOCK, InplaceOps, check_versions
from .matmul import MatmulOps
from .movement import MovementOps
from .reduce import Axis, ReduceOps
from .select import SelectOps
from .softmax import SoftmaxOps
from .unary import UnaryOps



def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert user data to an ndarray: floats to float32 unless `dtype` says otherwise; ints stay ints."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        with np.errstate(over="ignore"):  # a float64 too big for the dtype becomes inf, as in PyTorch
            arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise TypeError(f"Tensor needs numbers in a rectangular array; could not convert {type(data).__name__}: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor needs numeric data (bool, int or float); got an array of dtype {arr.dtype} "
            f"(first element: {arr.flat[0]!r})" if arr.size else f"Tensor needs numeric data; got dtype {arr.dtype}"
        )
    if dtype is None and arr.dtype.kind == "f" and arr.dtype != np.float32:
        with np.errstate(over="ignore"):
            arr = arr.astype(np.float32)
    return arr


class Tensor(ArithmeticOps, InplaceOps, CompareOps, UnaryOps, ReduceOps, SoftmaxOps, SelectOps, MovementOps,
             ExpandOps, IndexingOps, MatmulOps, Node):
    """An n-dimensional array in the compute graph. Names and semantics follow PyTorch."""

    __slots__ = ("_parents", "_born", "_modified")  # the last two: in-place version check (inplace.py)
    __hash__ = object.__hash__  # by identity, though `==` compares entries (compare.py)
    __array_priority__ = 1000  # `ndarray * Tensor` and `ndarray @ Tensor` call Tensor's ops (keeping the graph)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> None:
        self.data = _to_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients; this one has dtype {self.data.dtype}")
        self.grad: Optional[np.ndarray] = None
        self._parents = ()
        self._op = ""
        self._backward = None
        self.requires_grad = requires_grad
        self.label = label

    # ------------------------------------------------------------------------------------------- plumbing

    @staticmethod
    def _result(data: np.ndarray, parents: Tuple["Tensor", ...], op: str, backward: Callable) -> "Tensor":
        """Wrap an op's output; record parents and chain rule only when some input requires grad (not in no_grad)."""
        out = object.__new__(Tensor)
        out.data = np.asarray(data)  # numpy returns a numpy scalar, not an array, for ops on 0-d arrays
        out.grad = None
        out.label = ""
        out._op = op
        mode = current_mode()
        if mode.enabled and (parents[0].requires_grad or parents[-1].requires_grad
                                  or any(p.requires_grad for p in parents[1:-1])):
            out._parents = parents
            out._backward = backward
            out.requires_grad = True
            out._born = CLOCK[0]
        else:
            out._parents = ()
            out._backward = None
            out.requires_grad = False
        if mode.anomaly:
            record_trace(out, parents)
        return out

    def _accumulate(self, g: np.ndarray, fresh: bool = False) -> None:
        """Add `g` to this tensor's grad. A leaf owns its grad array (a copy); intermediates may share.

        `fresh=True` says `g` is a new array that nothing else holds (a matmul's result): a leaf then takes it as
        its grad without the copy (one copy of every weight gradient per step saved; see F.linear)."""
        if not self.requires_grad:
            return
        if g.dtype != self.data.dtype:
            g = g.astype(self.data.dtype)
        if self.grad is None:
            self.grad = np.array(g, copy=True) if self._backward is None and not fresh else g
        elif self._backward is None:
            self.grad += g
        else:
            self.grad = self.grad + g

    def backward(self, grad: Any = None) -> None:
        """Backpropagate from this tensor (see `autograd.backward`), after checking that no op in the graph had
        an input changed in place since it used it (as PyTorch's version counter)."""
        check_versions(self)
        Node.backward(self, grad)

    def _seed_grad(self, grad: Any) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() needs a gradient argument for a non-scalar output (shape {self.shape}); "
                    "reduce it first (e.g. .sum() or .mean()) or pass grad= of the same shape"
                )
            return np.array(1, dtype=self.data.dtype).reshape(self.data.shape)  # ones_like, without its 4 Python calls
        g = grad.data if isinstance(grad, Tensor) else np.asarray(grad, dtype=self.data.dtype)
        if g.shape != self.shape:
            raise ValueError(f"backward(): grad has shape {g.shape} but the output has shape {self.shape}")
        return g.astype(self.data.dtype, copy=False)

    def _zero_like_grad(self) -> None:
        return None

    def _quiet_numerics(self) -> np.errstate:
        """Chain rules run inside this: inf and nan are results (as in PyTorch), not numpy warnings."""
        return np.errstate(all="ignore")

    def _lift(self, other: Any) -> "Tensor":
        """A constant operand as a Tensor. A number (Python's or numpy's) takes the dtype of the op's result, as
        in PyTorch: `float32 tensor * 3` and `* np.int64(3)` stay float32, `int tensor * 2.5` is float32."""
        if isinstance(other, Tensor):
            return other
        if number_dtype(other) is not None:
            return Tensor(other, dtype=self._promote(other))
        return Tensor(other)

    def _promote(self, other: Any) -> np.dtype:
        """The dtype of an elementwise op on this tensor and `other` (a Tensor or a number): see `dtypes.py`."""
        mine = self.data.dtype
        if mine.kind == "f" and (other.__class__ is float or (isinstance(other, Tensor) and other.data.dtype == mine)):
            return mine  # the common cases, without the general rule's work
        return result_type(self.data, other.data if isinstance(other, Tensor) else other)

    # ------------------------------------------------------------------------------------------- properties

    @property
    def shape(self) -> Tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))  # reverse all dims: see MovementOps.permute

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> Union[int, float]:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return self.data.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def detach(self) -> "Tensor":
        """The same data with no history: gradients stop here (shares memory, as in PyTorch)."""
        return Tensor(self.data, dtype=self.data.dtype)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients; this one has dtype {self.data.dtype}")
        self.requires_grad = flag
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Tensor({body}, dtype={self.data.dtype}{history(self)})"

    # ------------------------------------------------------------------------------------------- constructors

    @staticmethod
    def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = np.float32) -> "Tensor":
        """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`, as PyTorch."""
        return Tensor(np.zeros(_shape(shape, "zeros"), dtype=dtype), requires_grad=requires_grad, dtype=dtype)

    @staticmethod
    def ones(*shape: Any, requires_grad: bool = False, dtype: Any = np.float32) -> "Tensor":
        """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`."""
        return Tensor(np.ones(_shape(shape, "ones"), dtype=dtype), requires_grad=requires_grad, dtype=dtype)

    @staticmethod
    def randn(*shape: Any, requires_grad: bool = False, seed: Optional[int] = None, dtype: Any = np.float32) -> "Tensor":
        """Standard normal samples: `randn(2, 3)` or `randn((2, 3))`; `seed` makes them repeatable."""
        data = np.random.default_rng(seed).standard_normal(_shape(shape, "randn")).astype(dtype)
        return Tensor(data, requires_grad=requires_grad, dtype=dtype)

    # ------------------------------------------------------------------------------------------- reductions

    def _check_axis(self, axis: Axis, op: str) -> Axis:
        """Validate `axis` (None, an int or a tuple of ints) and return it with negative axes made positive.

        A 0-d tensor accepts axis 0 or -1, as in PyTorch and numpy; anything else out of range, repeated or not an
        integer raises a ValueError/TypeError naming the shape, instead of a numpy AxisError.
        """
        if axis is None:
            return None
        axes = axis if isinstance(axis, tuple) else (axis,)
        n = max(self.ndim, 1)
        normalized = []
        for ax in axes:
            if isinstance(ax, (bool, np.bool_)) or not isinstance(ax, (int, np.integer)):
                raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r} (tensor of shape {self.shape})")
            if not -n <= ax < n:
                raise ValueError(f"{op}: axis {int(ax)} is out of range for a tensor of shape {self.shape} "
                                 f"(valid: {-n} to {n - 1})")
            normalized.append(int(ax) % n)
        if len(set(normalized)) != len(normalized):
            raise ValueError(f"{op}: axis {axis!r} repeats an axis of the tensor of shape {self.shape}")
        if self.ndim == 0:
            return None
        return tuple(normalized) if isinstance(axis, tuple) else normalized[0]


def _shape(shape: Tuple[Any, ...], op: str) -> Tuple[int, ...]:
    """`(2, 3)` from `f(2, 3)`, `f((2, 3))` or `f([2, 3])`; a clear error for anything but non-negative ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise TypeError(f"{op}: the shape must be non-negative ints, as {op}(2, 3) or {op}((2, 3)); got {shape!r}")
    return tuple(int(n) for n in shape)


def history(node: Any) -> str:
    """How a node was made, for its repr, as PyTorch prints it: `, grad_fn=<mul>` for an op's result in a
    graph, `, requires_grad=True` for a leaf that requires grad, nothing for a constant."""
    if node._backward is not None:
        return f", grad_fn=<{op_name(node._op)}>"
    return ", requires_grad=True" if node.requires_grad else ""


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """`torch.tensor`-style constructor."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
