"""`Tensor`: a numpy array that records how it was computed. Each op: forward with numpy, then its chain rule.

Every backward function `_back(out, g)` receives the gradient `g` of the op's output and adds each input's share
to that input's `.grad`. Inputs that were broadcast in the forward pass get their gradient summed back to their
own shape (`unbroadcast`). Floating data is float32 unless you ask for another dtype; integer data (labels,
indices) keeps an integer dtype and never requires grad.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from .autograd import Node, current_mode, record_trace

Axis = Optional[Union[int, Tuple[int, ...]]]
Scalar = Union[int, float]


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


def unbroadcast(g: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """Sum `g` down to `shape`: undo numpy broadcasting, whose backward is a sum over the broadcast axes."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


class Tensor(Node):
    """An n-dimensional array in the compute graph. Names and semantics follow PyTorch."""

    __slots__ = ("_parents",)
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
        else:
            out._parents = ()
            out._backward = None
            out.requires_grad = False
        if mode.anomaly:
            record_trace(out, parents)
        return out

    def _accumulate(self, g: np.ndarray) -> None:
        """Add `g` to this tensor's grad. A leaf owns its grad array (a copy); intermediates may share."""
        if not self.requires_grad:
            return
        if g.dtype != self.data.dtype:
            g = g.astype(self.data.dtype)
        if self.grad is None:
            self.grad = np.array(g, copy=True) if self._backward is None else g
        elif self._backward is None:
            self.grad += g
        else:
            self.grad = self.grad + g

    def _seed_grad(self, grad: Any) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() needs a gradient argument for a non-scalar output (shape {self.shape}); "
                    "reduce it first (e.g. .sum() or .mean()) or pass grad= of the same shape"
                )
            return np.ones_like(self.data)
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
        """A constant operand as a Tensor; Python numbers take this tensor's float dtype (no float64 upcast)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float)) and self.data.dtype.kind == "f":
            return Tensor(other, dtype=self.data.dtype)
        return Tensor(other)

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
        return self.transpose()

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
        extra = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    # ------------------------------------------------------------------------------------------- constructors

    @staticmethod
    def zeros(*shape: int, requires_grad: bool = False, dtype: Any = np.float32) -> "Tensor":
        return Tensor(np.zeros(shape, dtype=dtype), requires_grad=requires_grad, dtype=dtype)

    @staticmethod
    def ones(*shape: int, requires_grad: bool = False, dtype: Any = np.float32) -> "Tensor":
        return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad, dtype=dtype)

    @staticmethod
    def randn(*shape: int, requires_grad: bool = False, seed: Optional[int] = None, dtype: Any = np.float32) -> "Tensor":
        data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
        return Tensor(data, requires_grad=requires_grad, dtype=dtype)

    # ------------------------------------------------------------------------------------------- elementwise

    def _binary(self, other: Any, op: str, fn: Callable, backward: Callable) -> "Tensor":
        b = self._lift(other)
        try:
            with np.errstate(all="ignore"):
                data = fn(self.data, b.data)
        except ValueError:
            try:  # numpy's ValueError here is almost always a shape clash: name both shapes
                np.broadcast_shapes(self.shape, b.shape)
            except ValueError:
                raise ValueError(f"'{op}': shapes {self.shape} and {b.shape} cannot be broadcast together") from None
            raise
        return Tensor._result(data, (self, b), op, backward)

    def __add__(self, other: Any) -> "Tensor":
        return self._binary(other, "+", np.add, Tensor._add_back)

    @staticmethod
    def _add_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        a._accumulate(unbroadcast(g, a.shape))
        b._accumulate(unbroadcast(g, b.shape))

    def __sub__(self, other: Any) -> "Tensor":
        return self._binary(other, "-", np.subtract, Tensor._sub_back)

    @staticmethod
    def _sub_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        a._accumulate(unbroadcast(g, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-g, b.shape))

    def __mul__(self, other: Any) -> "Tensor":
        return self._binary(other, "*", np.multiply, Tensor._mul_back)

    @staticmethod
    def _mul_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        if a.requires_grad:
            a._accumulate(unbroadcast(g * b.data, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(g * a.data, b.shape))

    def __truediv__(self, other: Any) -> "Tensor":
        return self._binary(other, "/", np.divide, Tensor._div_back)

    @staticmethod
    def _div_back(out: "Tensor", g: np.ndarray) -> None:
        a, b = out._parents
        if a.requires_grad:
            a._accumulate(unbroadcast(g / b.data, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-g * (out.data / b.data), b.shape))  # d(a/b)/db = -(a/b)/b

    def __pow__(self, other: Any) -> "Tensor":
        if isinstance(other, (int, float)):
            # The exponent in the tensor's own precision, for the forward and the backward alike (1e-150 is 0 in
            # float32). An int tensor keeps the Python number, so int ** 0.5 is a float, as in numpy.
            with np.errstate(over="ignore"):
                p = self.dtype.type(other) if self.dtype.kind == "f" else other
            if self.dtype.kind in "iub" and p < 0:
                raise ValueError(f"'**': integer tensors (dtype {self.dtype}, shape {self.shape}) cannot be raised to the "
                                 f"negative power {p}; convert to float first, e.g. Tensor(x, dtype=np.float32)")

            def _pow_back(out: "Tensor", g: np.ndarray) -> None:
                (a,) = out._parents
                if p == 0:  # a^0 = 1 everywhere, so the gradient is 0, even at a = 0 (as PyTorch)
                    a._accumulate(np.zeros_like(g))
                    return
                a._accumulate(g * (p * a.data ** (p - 1)))  # d(a^p)/da = p a^(p-1)

            with np.errstate(all="ignore"):
                data = self.data ** p
            return Tensor._result(data, (self,), f"**{p:g}", _pow_back)
        return self._binary(other, "**", np.power, Tensor._pow_tensor_back)

    @staticmethod
    def _pow_tensor_back(out: "Tensor", g: np.ndarray) -> None:
        """d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (as PyTorch)."""
        a, b = out._parents
        if a.requires_grad:  # 0 where b == 0: a^0 = 1 is flat, even at a = 0 (as PyTorch)
            ga = np.where(b.data == 0, 0, g * (b.data * a.data ** (b.data - 1)))
            a._accumulate(unbroadcast(ga.astype(out.dtype, copy=False), a.shape))
        if b.requires_grad:
            gb = g * np.where((a.data == 0) & (b.data >= 0), 0, out.data * np.log(a.data))
            b._accumulate(unbroadcast(gb.astype(out.dtype), b.shape))

    def __radd__(self, other: Any) -> "Tensor":
        return self._lift(other) + self

    def __rsub__(self, other: Any) -> "Tensor":
        return self._lift(other) - self

    def __rmul__(self, other: Any) -> "Tensor":
        return self._lift(other) * self

    def __rtruediv__(self, other: Any) -> "Tensor":
        return self._lift(other) / self

    def __rpow__(self, other: Any) -> "Tensor":
        return self._lift(other) ** self

    def __neg__(self) -> "Tensor":
        return Tensor._result(-self.data, (self,), "neg", Tensor._neg_back)

    @staticmethod
    def _neg_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(-g)

    # ------------------------------------------------------------------------------------------- unary

    def _unary(self, fn: Callable[[np.ndarray], np.ndarray], op: str, backward: Callable) -> "Tensor":
        with np.errstate(all="ignore"):
            data = fn(self.data)
        return Tensor._result(data, (self,), op, backward)

    def exp(self) -> "Tensor":
        return self._unary(np.exp, "exp", Tensor._exp_back)

    @staticmethod
    def _exp_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(g * out.data)  # d(e^a)/da = e^a

    def log(self) -> "Tensor":
        return self._unary(np.log, "log", Tensor._log_back)

    @staticmethod
    def _log_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        a._accumulate(g / a.data)  # d(log a)/da = 1/a

    def sqrt(self) -> "Tensor":
        return self._unary(np.sqrt, "sqrt", Tensor._sqrt_back)

    @staticmethod
    def _sqrt_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(g / (2 * out.data))  # d(sqrt a)/da = 1 / (2 sqrt a): inf at 0

    def tanh(self) -> "Tensor":
        return self._unary(np.tanh, "tanh", Tensor._tanh_back)

    @staticmethod
    def _tanh_back(out: "Tensor", g: np.ndarray) -> None:
        out._parents[0]._accumulate(g * (1 - out.data * out.data))  # 1 - tanh^2

    def sigmoid(self) -> "Tensor":
        return self._unary(_stable_sigmoid, "sigmoid", Tensor._sigmoid_back)

    @staticmethod
    def _sigmoid_back(out: "Tensor", g: np.ndarray) -> None:
        s = out.data
        out._parents[0]._accumulate(g * s * (1 - s))  # s (1 - s)

    def relu(self) -> "Tensor":
        return self._unary(lambda x: np.maximum(x, 0), "relu", Tensor._relu_back)

    @staticmethod
    def _relu_back(out: "Tensor", g: np.ndarray) -> None:
        # g where a > 0 (or NaN, as PyTorch), else 0. A multiply by the mask is much faster than np.where, but
        # would turn an infinite g into nan (inf * 0) where PyTorch gives 0: that rare case takes np.where.
        passes = ~(out.data <= 0)
        out._parents[0]._accumulate(g * passes if np.isfinite(g).all() else np.where(passes, g, 0))

    def abs(self) -> "Tensor":
        return self._unary(np.abs, "abs", Tensor._abs_back)

    def __abs__(self) -> "Tensor":
        return self.abs()

    @staticmethod
    def _abs_back(out: "Tensor", g: np.ndarray) -> None:
        a = out._parents[0]
        sign = (a.data > 0).astype(g.dtype) - (a.data < 0)  # +1, -1, or 0 at 0 and at NaN (as PyTorch)
        a._accumulate(g * sign)

    # ------------------------------------------------------------------------------------------- softmax family

    def softmax(self, axis: int = -1) -> "Tensor":
        """e^x / sum(e^x), computed on x - max(x) so that large logits do not overflow."""
        axis = self._check_axis(axis, "softmax")
        with np.errstate(all="ignore"):
            e = np.exp(self.data - _max_or_zero(self.data, axis))
            s = e / e.sum(axis=axis, keepdims=True)

        def _softmax_back(out: "Tensor", g: np.ndarray) -> None:
            s = out.data  # d softmax: s * (g - sum(g * s))
            out._parents[0]._accumulate(s * (g - (g * s).sum(axis=axis, keepdims=True)))

        return Tensor._result(s, (self,), "softmax", _softmax_back)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """x - logsumexp(x), stable for logits of any size: the shift by max(x) keeps every exp <= 1."""
        axis = self._check_axis(axis, "log_softmax")
        with np.errstate(all="ignore"):
            shifted = self.data - _max_or_zero(self.data, axis)
            data = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

        def _log_softmax_back(out: "Tensor", g: np.ndarray) -> None:
            # d log_softmax: g - softmax * sum(g)
            out._parents[0]._accumulate(g - np.exp(out.data) * g.sum(axis=axis, keepdims=True))

        return Tensor._result(data, (self,), "log_softmax", _log_softmax_back)

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

    def sum(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        axis = self._check_axis(axis, "sum")
        shape = self.shape

        def _sum_back(out: "Tensor", g: np.ndarray) -> None:
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            out._parents[0]._accumulate(np.broadcast_to(g, shape))  # every input counted once

        return Tensor._result(np.asarray(self.data.sum(axis=axis, keepdims=keepdims)), (self,), "sum", _sum_back)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        axis = self._check_axis(axis, "mean")
        shape = self.shape
        dtype = self.dtype if self.dtype.kind == "f" else np.dtype(np.float32)  # the mean of ints is a float
        total = np.asarray(self.data.sum(axis=axis, keepdims=keepdims))
        count = self.data.size // total.size if total.size else 0
        with np.errstate(all="ignore"):
            data = (total / count).astype(dtype, copy=False) if count else np.full(total.shape, np.nan, dtype)

        def _mean_back(out: "Tensor", g: np.ndarray) -> None:
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            out._parents[0]._accumulate(np.broadcast_to(g / count, shape))  # each input weighs 1/count

        return Tensor._result(data, (self,), "mean", _mean_back)

    def max(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Largest entries. The gradient goes to the maximum; tied maxima share it equally (as `torch.amax`)."""
        axis = self._check_axis(axis, "max")
        reduced = range(self.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
        if any(self.shape[ax] == 0 for ax in reduced):
            raise ValueError(f"max() over an empty axis of a tensor of shape {self.shape} (axis={axis}) has no value")
        m = self.data.max(axis=axis, keepdims=True)

        def _max_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            mask = a.data == m
            a._accumulate(mask * (g / mask.sum(axis=axis, keepdims=True)))  # NaN max: count 0, as PyTorch

        data = m if keepdims else (m.reshape(()) if axis is None else np.squeeze(m, axis=axis))
        return Tensor._result(np.asarray(data), (self,), "max", _max_back)

    def argmax(self, axis: Optional[int] = None) -> "Tensor":
        """Index of the largest entry (not differentiable): the predicted class of each row of logits."""
        if axis is not None:
            axis = self._check_axis(axis, "argmax")
        if self.data.size == 0 and (axis is None or self.shape[axis] == 0):
            raise ValueError(f"argmax() over an empty axis of a tensor of shape {self.shape} has no answer")
        return Tensor(np.argmax(self.data, axis=axis))

    # ------------------------------------------------------------------------------------------- shape

    def reshape(self, *shape: Any) -> "Tensor":
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.shape} ({self.data.size} elements) into {shape}") from None

        def _reshape_back(out: "Tensor", g: np.ndarray) -> None:
            a = out._parents[0]
            a._accumulate(g.reshape(a.shape))

        return Tensor._result(data, (self,), "reshape", _reshape_back)

    def transpose(self, *axes: int) -> "Tensor":
        """Reverse the axes (no arguments), or permute them (`transpose(1, 0, 2)`); `.T` is the no-argument form."""
        axes_t: Optional[Tuple[int, ...]] = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None)
        if axes_t is not None and (
            not all(isinstance(a, (int, np.integer)) and -self.ndim <= a < self.ndim for a in axes_t)
            or sorted(int(a) % self.ndim for a in axes_t) != list(range(self.ndim))
        ):
            raise ValueError(f"transpose: axes {axes_t} are not a permutation of the axes of shape {self.shape}")
        inverse = None if axes_t is None else tuple(np.argsort([int(a) % self.ndim for a in axes_t]))  # undoes the permutation

        def _transpose_back(out: "Tensor", g: np.ndarray) -> None:
            out._parents[0]._accumulate(np.transpose(g, inverse))

        return Tensor._result(np.transpose(self.data, axes_t), (self,), "transpose", _transpose_back)

    def __getitem__(self, index: Any) -> "Tensor":
        """Indexing as numpy: ints, slices, integer arrays. The gradient lands back where each entry came from."""
        index = _plain_index(index)
        try:
            data = self.data[index]
        except IndexError as e:
            raise IndexError(f"index {index!r} does not fit a tensor of shape {self.shape}: {e}") from None
        shape = self.shape
        fancy = _has_array(index)

        def _getitem_back(out: "Tensor", g: np.ndarray) -> None:
            full = np.zeros(shape, dtype=g.dtype)
            if fancy:
                np.add.at(full, index, g)  # repeated indices add up
            else:
                full[index] = g
            out._parents[0]._accumulate(full)

        return Tensor._result(np.asarray(data), (self,), "getitem", _getitem_back)

    # ------------------------------------------------------------------------------------------- matmul

    def __matmul__(self, other: Any) -> "Tensor":
        """Matrix product as `np.matmul`: 2-D, batched (leading axes broadcast) and 1-D (vector) operands."""
        b = self._lift(other)
        if self.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {self.shape} and {b.shape}")
        k_a = self.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: shapes {self.shape} and {b.shape} do not line up ({k_a} != {k_b})")
        try:
            data = np.matmul(self.data, b.data)
        except ValueError:
            raise ValueError(f"matmul: batch shapes of {self.shape} and {b.shape} cannot be broadcast together") from None
        return Tensor._result(data, (self, b), "@", Tensor._matmul_back)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return self._lift(other) @ self

    @staticmethod
    def _matmul_back(out: "Tensor", g: np.ndarray) -> None:
        """d(A@B)/dA = g @ B^T, d(A@B)/dB = A^T @ g; vectors are treated as 1-row / 1-column matrices."""
        a, b = out._parents
        if a.data.ndim == 2 and b.data.ndim == 2:  # two matrices, the common case (every Linear layer)
            if a.requires_grad:
                a._accumulate(g @ b.data.T)
            if b.requires_grad:
                # A^T @ g. When B is a transposed view (W.T in Linear), compute it as (g^T @ A)^T: the same numbers,
                # laid out like B, so W's grad comes back in W's own memory order (no slow strided copy later).
                transposed = b.data.flags.f_contiguous and not b.data.flags.c_contiguous
                b._accumulate((g.T @ a.data).T if transposed else a.data.T @ g)
            return
        a2 = a.data[None, :] if a.ndim == 1 else a.data
        b2 = b.data[:, None] if b.ndim == 1 else b.data
        g2 = np.expand_dims(g, -1) if b.ndim == 1 else g
        g2 = np.expand_dims(g2, -2) if a.ndim == 1 else g2
        if a.requires_grad:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            a._accumulate(unbroadcast(ga, a2.shape).reshape(a.shape))
        if b.requires_grad:
            gb = np.swapaxes(a2, -1, -2) @ g2
            b._accumulate(unbroadcast(gb, b2.shape).reshape(b.shape))


def _max_or_zero(x: np.ndarray, axis: Axis) -> Any:
    """max along `axis` (kept as a size-1 axis) to shift logits by; 0 for an empty array, which has no max."""
    return x.max(axis=axis, keepdims=True) if x.size else 0


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) via e^-|x|, which never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _plain_index(index: Any) -> Any:
    """Replace Tensors and lists inside an index by ndarrays, so numpy sees one kind of index."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _has_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) for i in parts)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """`torch.tensor`-style constructor."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)

