"""The MNIST MLP (784-128-64-10, batch 64, SGD lr 0.1, float32): ours vs hand-written numpy vs PyTorch CPU.

All three start from the same weights and see the same batches in the same order, and their per-batch losses are
compared before their times. A separate run under `tracemalloc` measures our peak memory per epoch.
"""

from __future__ import annotations

import resource
import tracemalloc
from types import ModuleType
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from bench_common import gc_state, timed
from bench_table import Row, seconds
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


def ours_trainer(layers: Sequence[Tuple[np.ndarray, np.ndarray]], batches: Batches) -> Callable[[], List[float]]:
    """An epoch with tinygrad_edu as a user writes it: nn.Sequential, cross_entropy, optim.SGD."""
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    for linear, (W, b) in zip([model[0], model[2], model[4]], layers):
        linear.weight.data[...] = W
        linear.bias.data[...] = b
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


# ----------------------------------------------------------------------------------------------- measuring


def epoch_times(trainers: Dict[str, Callable[[], List[float]]], epochs: int) -> Dict[str, Tuple[float, List[float]]]:
    """Fastest epoch of each trainer (seconds), and its first epoch's losses.

    The engines take turns, epoch by epoch (training continues across epochs), so a change in the machine's load
    during the run affects all of them alike. Every epoch does the same work, and other processes can only slow it
    down, so the fastest epoch is the best estimate of the engine's own speed.
    """
    times: Dict[str, List[float]] = {name: [] for name in trainers}
    first: Dict[str, List[float]] = {}
    with gc_state(True):
        for _ in range(epochs):
            for name, epoch in trainers.items():
                losses: List[float] = []
                times[name].append(timed(lambda: losses.extend(epoch())))
                first.setdefault(name, losses)
    return {name: (min(times[name]), first[name]) for name in trainers}


def memory_per_epoch(layers: Sequence[Tuple[np.ndarray, np.ndarray]], batches: Batches,
                     epochs: int) -> Tuple[List[int], List[int]]:
    """Our run under tracemalloc: each epoch's peak, and what is still allocated after it (bytes, Python + numpy).

    One epoch runs first, untraced: it allocates what every epoch reuses (the grads, numpy's and Python's caches).
    """
    epoch = ours_trainer(layers, batches)
    epoch()
    peaks, after = [], []
    tracemalloc.start()
    try:
        for _ in range(epochs):
            tracemalloc.reset_peak()
            epoch()
            current, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            after.append(current)
    finally:
        tracemalloc.stop()
    return peaks, after


def _max_abs_diff(a: Sequence[float], b: Sequence[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b))


def bench_mnist(n_images: int, epochs: int, memory_epochs: int, torch: Optional[ModuleType],
                tolerance: float = 1e-4) -> Tuple[List[Row], List[str]]:
    """Time one epoch over `n_images` images for each engine (fastest of `epochs`), and check the losses agree."""
    batches = mnist_batches(n_images)
    layers = initial_layers()
    results = epoch_times({"ours": ours_trainer(layers, batches), "numpy": numpy_trainer(layers, batches)}, epochs)
    if torch is not None:  # on its own: PyTorch's idle threads keep spinning for a while after each of its epochs
        results.update(epoch_times({"torch": torch_trainer(torch, layers, batches)}, epochs))
    ours_t, ours_losses = results["ours"]
    numpy_t, numpy_losses = results["numpy"]
    diff_np = _max_abs_diff(ours_losses, numpy_losses)
    agree = diff_np <= tolerance
    notes = [f"mnist: {len(batches)} batches; first-epoch losses {ours_losses[0]:.6f} ... {ours_losses[-1]:.6f}",
             f"mnist: per-batch loss agreement with numpy: max |difference| = {diff_np:.1e} "
             f"({'OK' if agree else 'MISMATCH'}, tolerance {tolerance:g})"]
    ref = f"numpy {seconds(numpy_t)}"
    ratio = f"{ours_t / numpy_t:.2f}x numpy"
    met = agree and ours_t <= 1.3 * numpy_t
    if torch is not None:
        torch_t, torch_losses = results["torch"]
        diff_t = _max_abs_diff(ours_losses, torch_losses)
        agree_t = diff_t <= tolerance
        notes.append(f"mnist: per-batch loss agreement with PyTorch: max |difference| = {diff_t:.1e} "
                     f"({'OK' if agree_t else 'MISMATCH'}, tolerance {tolerance:g})")
        ref += f"; PyTorch {seconds(torch_t)} ({torch.get_num_threads()} threads)"
        ratio += f", {torch_t / ours_t:.2f}x faster than PyTorch"
        met = met and agree_t and ours_t < torch_t
    else:
        ref += "; PyTorch not installed"
    rows = [Row(f"MNIST MLP 784-128-64-10, batch {BATCH}, 1 epoch = {n_images} images", seconds(ours_t), ref, ratio,
                "<= 1.3x numpy, < PyTorch", met)]

    peaks, after = memory_per_epoch(layers, batches, memory_epochs)
    # Judged over the last quarter of the epochs: the first ones fill Python's free lists (it keeps up to 2,000
    # freed tuples of each size for reuse, which tracemalloc still counts), about 2,000 batches here.
    start = len(after) - max(1, len(after) // 4) - 1
    growth = after[-1] - after[start]
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    notes.append(f"mnist memory (tracemalloc: what training allocates; the data set and weights exist before): peak "
                 f"per epoch {min(peaks) / 2**20:.2f}-{max(peaks) / 2**20:.2f} MiB; still held after each epoch: "
                 + ", ".join(f"{a / 2**10:.0f}" for a in after) + " KiB")
    rows.append(Row(f"memory of our MNIST run, {memory_epochs} epochs",
                    f"peak {max(peaks) / 2**20:.2f} MiB/epoch; held after epoch {start + 1} -> {memory_epochs}: "
                    f"{growth / 1024:+.1f} KiB",
                    f"process max RSS {maxrss_mb:.0f} MiB (all benchmarks)", "-",
                    "report; no growth across epochs", growth < 16 * 1024))
    return rows, notes
