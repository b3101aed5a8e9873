"""Dropout, batch normalisation and layer normalisation: the functions (`F.dropout`, `F.batch_norm`,
`F.layer_norm`) and their modules, with PyTorch's arguments, defaults and running statistics.

Both norms are one op, `_normalize`: over some axes A (the batch for BatchNorm, the features for LayerNorm),
with m entries per statistic,

    mu = mean_A(x),  var = mean_A((x - mu)^2) (biased),  r = 1 / sqrt(var + eps),  xh = (x - mu) r,  y = w xh + b

Its chain rule, with g the gradient of y and gh = g w the gradient of xh:

    db = sum(g),  dw = sum(g xh)               (over every axis the parameter was broadcast along)
    dx = r (gh - mean_A(gh) - xh mean_A(gh xh))

The last line is d/dx of (x - mu) r summed over the paths through x itself, through mu (the -mean_A(gh) term)
and through var (the -xh mean_A(gh xh) term): the three rows of the usual derivation collapse to this when
written with xh. With fixed statistics (BatchNorm in eval mode: the running mean and variance) mu and var are
constants and only dx = r gh remains.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from ..tensor import Tensor
from ._checks import as_tensor
from .module import Module

Shape = Union[int, Sequence[int]]


def _normalize(x: Tensor, axes: Tuple[int, ...], weight: Optional[Tensor], bias: Optional[Tensor],
               param_shape: Tuple[int, ...], eps: float, mean: Optional[np.ndarray] = None,
               var: Optional[np.ndarray] = None) -> Tensor:
    """y = w (x - mu) / sqrt(var + eps) + b, the statistics over `axes` (or the given constants `mean`, `var`);
    w and b are reshaped to `param_shape` to broadcast against x. See the module docstring for the chain rule."""
    batch_stats = mean is None
    if batch_stats:
        mean = x.data.mean(axis=axes, keepdims=True)
        var = ((x.data - mean) ** 2).mean(axis=axes, keepdims=True)
    r = 1 / np.sqrt(var + eps)
    xh = ((x.data - mean) * r).astype(x.dtype, copy=False)
    w = None if weight is None else weight.data.reshape(param_shape)
    data = xh if w is None else xh * w
    if bias is not None:
        data = data + bias.data.reshape(param_shape)
    parents = tuple(t for t in (x, weight, bias) if t is not None)
    param_axes = tuple(i for i, n in enumerate(param_shape) if n == 1)  # the axes w and b were broadcast along

    def _normalize_back(out: Tensor, g: np.ndarray) -> None:
        x = out._parents[0]
        if weight is not None and weight.requires_grad:
            weight._accumulate((g * xh).sum(axis=param_axes).reshape(weight.shape))
        if bias is not None and bias.requires_grad:
            bias._accumulate(g.sum(axis=param_axes).reshape(bias.shape))
        if x.requires_grad:
            gh = g if w is None else g * w
            if batch_stats:
                gh = gh - gh.mean(axis=axes, keepdims=True) - xh * (gh * xh).mean(axis=axes, keepdims=True)
            x._accumulate(r * gh)

    return Tensor._result(np.asarray(data, dtype=x.dtype), parents, "normalize", _normalize_back)


def _as_const(x: Any, dtype: np.dtype) -> Optional[np.ndarray]:
    return None if x is None else np.asarray(x.data if isinstance(x, Tensor) else x, dtype=dtype)


def batch_norm(input: Tensor, running_mean: Optional[Tensor], running_var: Optional[Tensor],
               weight: Optional[Tensor] = None, bias: Optional[Tensor] = None, training: bool = False,
               momentum: Optional[float] = 0.1, eps: float = 1e-5, num_batches_tracked: Optional[Tensor] = None) -> Tensor:
    """Normalise each channel (axis 1) of (N, C) or (N, C, L) input, as `torch.nn.functional.batch_norm`.

    Training: the batch's statistics, and the running ones (if given) move towards them in place:
    running = (1 - momentum) running + momentum batch, with the UNBIASED batch variance (m / (m - 1)), as PyTorch;
    momentum=None keeps a cumulative average instead (needs `num_batches_tracked`). Evaluation: the running ones.
    """
    x = as_tensor(input)
    if x.ndim not in (2, 3):
        raise ValueError(f"batch_norm expects (N, C) or (N, C, L) input, got shape {x.shape}")
    axes = (0,) if x.ndim == 2 else (0, 2)
    param_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm in evaluation mode needs running_mean and running_var (or training=True)")
        mean = _as_const(running_mean, x.dtype).reshape(param_shape)
        var = _as_const(running_var, x.dtype).reshape(param_shape)
        return _normalize(x, axes, weight, bias, param_shape, eps, mean, var)
    m = x.data.size // x.shape[1] if x.shape[1] else 0
    if m <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of shape "
                         f"{x.shape}; use a batch of 2 or more, or call model.eval()")
    out = _normalize(x, axes, weight, bias, param_shape, eps)
    if running_mean is not None and running_var is not None:
        if num_batches_tracked is not None:
            num_batches_tracked.data += 1
        factor = momentum if momentum is not None else 1.0 / float(num_batches_tracked.data)
        mean = x.data.mean(axis=axes)
        unbiased = x.data.var(axis=axes) * (m / (m - 1))
        running_mean.data[...] = (1 - factor) * running_mean.data + factor * mean
        running_var.data[...] = (1 - factor) * running_var.data + factor * unbiased
    return out


def layer_norm(input: Tensor, normalized_shape: Shape, weight: Optional[Tensor] = None,
               bias: Optional[Tensor] = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last len(normalized_shape) axes (the biased variance), as PyTorch."""
    x = as_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise ValueError(f"layer_norm: normalized_shape {shape} must be the last axes of the input, got input of "
                         f"shape {x.shape}")
    param_shape = (1,) * (x.ndim - k) + shape
    return _normalize(x, tuple(range(x.ndim - k, x.ndim)), weight, bias, param_shape, eps)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            generator: Optional[np.random.Generator] = None) -> Tensor:
    """Zero each entry with probability p and scale the others by 1 / (1 - p) (inverted dropout: the expected
    value is unchanged, so evaluation needs no rescaling). In evaluation (training=False) the input itself.

    Chain rule: the same mask and scale applied to the gradient. `generator` (a numpy Generator) makes the masks
    reproducible.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = as_tensor(input)
    if not training or p == 0.0:
        return x
    rng = generator if generator is not None else np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scale = np.asarray(0.0 if p == 1.0 else 1.0 / (1.0 - p), dtype=x.dtype)
    kept = keep * scale

    def _dropout_back(out: Tensor, g: np.ndarray) -> None:
        out._parents[0]._accumulate(g * kept)

    return Tensor._result((x.data * kept).astype(x.dtype, copy=False), (x,), f"dropout({p:g})", _dropout_back)


# ----------------------------------------------------------------------------------------------- modules


class Dropout(Module):
    """Randomly zero a fraction `p` of the activations while training (`model.train()`), nothing in
    `model.eval()`. `seed` makes the masks reproducible."""

    def __init__(self, p: float = 0.5, seed: Optional[int] = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.generator = np.random.default_rng(seed)

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Normalise each feature over the batch, then scale and shift (`weight` 1s, `bias` 0s): (N, C) or (N, C, L).

    Keeps running estimates (`running_mean`, `running_var`, `num_batches_tracked`: buffers, saved in the
    state_dict but not trained) that `model.eval()` uses instead of the batch's statistics.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Tensor(np.ones(num_features, np.float32), requires_grad=True) if affine else None
        self.bias = Tensor(np.zeros(num_features, np.float32), requires_grad=True) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expects input of shape (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got {x.shape}")
        use_batch = self.training or not self.track_running_stats
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch,
                          self.momentum, self.eps, self.num_batches_tracked)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class LayerNorm(Module):
    """Normalise each sample over its last axes (`normalized_shape`), then scale and shift elementwise."""

    def __init__(self, normalized_shape: Shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        affine = elementwise_affine
        self.weight = Tensor(np.ones(self.normalized_shape, np.float32), requires_grad=True) if affine else None
        self.bias = Tensor(np.zeros(self.normalized_shape, np.float32), requires_grad=True) if affine and bias else None

    def forward(self, x: Any) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
