"""The MNIST MLP (784-128-64-10, SGD lr 0.1, float32): ours, hand-written numpy, JAX's jitted step, PyTorch CPU.

All start from the same weights and see the same batches in the same order (see contenders.py), and their
per-batch losses are compared before their times.
"""

from __future__ import annotations

from types import ModuleType
from typing import Callable, List, Sequence, Tuple

import numpy as np
from numpy_mlp import NumpyMLP

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.data import mnist_lesson_split

SIZES = (784, 128, 64, 10)
BATCH = 64
LR = 0.1

Batches = List[Tuple[np.ndarray, np.ndarray]]


def initial_layers(seed: int = 0) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) per layer, uniform in +-1/sqrt(fan_in) as PyTorch's default, float32."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / np.sqrt(n_in)
        layers.append((rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                       rng.uniform(-bound, bound, n_out).astype(np.float32)))
    return layers


def mnist_batches(n_images: int, batch: int = BATCH) -> Batches:
    """The first `n_images` training images in batches, in file order (no shuffle: every engine sees the same)."""
    X, y, _, _ = mnist_lesson_split()
    return [(X[i:i + batch], y[i:i + batch]) for i in range(0, n_images, batch)]


# ----------------------------------------------------------------------------------------------- the three engines


def _our_model(layers: Sequence[Tuple[np.ndarray, np.ndarray]]) -> nn.Sequential:
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    for linear, (W, b) in zip([model[0], model[2], model[4]], layers):
        linear.weight.data[...] = W
        linear.bias.data[...] = b
    return model


def ours_trainer(layers: Sequence[Tuple[np.ndarray, np.ndarray]], batches: Batches) -> Callable[[], List[float]]:
    """An epoch with tinygrad_edu as a user writes it: nn.Sequential, cross_entropy, optim.SGD."""
    model = _our_model(layers)
    opt = optim.SGD(model.parameters(), lr=LR)
    data = [(Tensor(X), Tensor(y)) for X, y in batches]

    def epoch() -> List[float]:
        losses = []
        for X, y in data:
            loss = nn.functional.cross_entropy(model(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    return epoch


def fit_trainer(layers: Sequence[Tuple[np.ndarray, np.ndarray]], batches: Batches) -> Callable[[], List[float]]:
    """An epoch of the same model trained by `train.fit` (which runs with the library's BLAS thread policy,
    train.BLAS_THREADS); its loss is the epoch's mean batch loss."""
    from tinygrad_edu import train

    model = _our_model(layers)
    opt = optim.SGD(model.parameters(), lr=LR)
    data = [(Tensor(X), Tensor(y)) for X, y in batches]
    loss_fn = nn.CrossEntropyLoss()

    def epoch() -> List[float]:
        history = train.fit(model, loss_fn, opt, data, 1, metric=None, progress=False, warn_overfitting=False)
        return [history.train_loss[-1]]

    return epoch


def numpy_trainer(layers: Sequence[Tuple[np.ndarray, np.ndarray]], batches: Batches) -> Callable[[], List[float]]:
    """An epoch of the hand-written numpy MLP."""
    model = NumpyMLP(layers)

    def epoch() -> List[float]:
        return [model.train_step(X, y, LR) for X, y in batches]

    return epoch


def torch_trainer(torch: ModuleType, layers: Sequence[Tuple[np.ndarray, np.ndarray]],
                  batches: Batches) -> Callable[[], List[float]]:
    """An epoch in PyTorch (CPU, float32): nn.Sequential, F.cross_entropy, optim.SGD."""
    tnn = torch.nn
    model = tnn.Sequential(tnn.Linear(784, 128), tnn.ReLU(), tnn.Linear(128, 64), tnn.ReLU(), tnn.Linear(64, 10))
    with torch.no_grad():
        for linear, (W, b) in zip([model[0], model[2], model[4]], layers):
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    data = [(torch.from_numpy(X), torch.from_numpy(y)) for X, y in batches]
    cross_entropy = torch.nn.functional.cross_entropy

    def epoch() -> List[float]:
        losses = []
        for X, y in data:
            loss = cross_entropy(model(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    return epoch


def jax_trainer(layers: Sequence[Tuple[np.ndarray, np.ndarray]], batches: Batches) -> Callable[[], List[float]]:
    """An epoch of a jitted JAX step (CPU, float32): the same MLP, softmax cross-entropy and SGD, compiled by XLA.
    JAX is installed by the benchmark (benchmarks/requirements-jax.txt) into out/bench-deps/jax, if it installs."""
    from bench_common import load_jax

    jax = load_jax()
    jnp = jax.numpy

    def loss_fn(params, X, y):
        h = X
        for k, (W, b) in enumerate(params):
            h = h @ W.T + b
            if k < len(params) - 1:
                h = jnp.maximum(h, 0)
        logp = jax.nn.log_softmax(h, axis=1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def step(params, X, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, X, y)
        return [(W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, grads)], loss

    state = [[(jnp.asarray(W), jnp.asarray(b)) for W, b in layers]]
    data = [(jnp.asarray(X), jnp.asarray(y.astype(np.int32))) for X, y in batches]

    def epoch() -> List[float]:
        losses = []
        params = state[0]
        for X, y in data:
            params, loss = step(params, X, y)
            losses.append(float(loss))
        state[0] = params
        return losses

    return epoch
