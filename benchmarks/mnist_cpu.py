"""The MNIST step on a busy machine: ours against hand-written numpy in CPU time, in one process, with our phases.

    python benchmarks/mnist_cpu.py            # batch 16, 64 and 256, 9 rounds each
    python benchmarks/mnist_cpu.py 16 -r 15   # one batch size, more rounds

`run_all.py` compares wall times of separate processes: the honest number, but on a machine shared by many
processes its ratios swing with the scheduler (at load 12 on 2 cores, 0.97-1.39 for the same code). This tool is
for working on the step: both engines run whole epochs in one process with 1 BLAS thread, taking turns (the first
rotates each round), and each epoch is timed in CPU time of this thread, which waiting for a core does not count.
It prints the median ratio (min-max) and where our time goes (forward, loss, zero_grad + backward, step), in CPU
microseconds per step (timed afterwards, so that the phase clocks are not in the ratio). Other processes still
share the caches, so a loaded machine still reads somewhat high.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads, as the benchmark workers
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Dict, List  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_mnist  # noqa: E402
from harness import loadavg  # noqa: E402

from tinygrad_edu import Tensor, nn, optim  # noqa: E402

PHASES = ("forward", "loss", "backward", "step")


def ours_with_phases(batch: int, images: int) -> Callable[[List[float]], None]:
    """An epoch of bench_mnist's own training loop, adding each phase's CPU seconds to `totals`."""
    batches = bench_mnist.mnist_batches(images, batch)
    model = bench_mnist._our_model(bench_mnist.initial_layers())
    opt = optim.SGD(model.parameters(), lr=bench_mnist.LR)
    data = [(Tensor(X), Tensor(y)) for X, y in batches]
    clock = time.thread_time

    def epoch(totals: List[float]) -> None:
        for X, y in data:
            t0 = clock()
            out = model(X)
            t1 = clock()
            loss = nn.functional.cross_entropy(out, y)
            loss.item()
            t2 = clock()
            opt.zero_grad()
            loss.backward()
            t3 = clock()
            opt.step()
            t4 = clock()
            for i, dt in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                totals[i] += dt

    return epoch


def measure(batch: int, rounds: int, images: int = 8000) -> str:
    """One line: the CPU-time and wall-time ratios, numpy's step and ours by phase."""
    batches = bench_mnist.mnist_batches(images, batch)
    steps = len(batches)
    layers = bench_mnist.initial_layers()
    contenders = {"ours": bench_mnist.ours_trainer(layers, batches),
                  "numpy": bench_mnist.numpy_trainer(layers, batches)}
    for run in contenders.values():
        run()  # warm-up
    cpu: Dict[str, List[float]] = {name: [] for name in contenders}
    wall: Dict[str, List[float]] = {name: [] for name in contenders}
    load = [loadavg()[0]]
    names = list(contenders)
    for r in range(rounds):
        for name in names[r % 2:] + names[:r % 2]:
            c0, w0 = time.thread_time(), time.perf_counter()
            contenders[name]()
            cpu[name].append(time.thread_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    load.append(loadavg()[0])
    phases = [0.0] * 4  # after the rounds, from a model of its own: its clock reads are not in the ratios
    with_phases = ours_with_phases(batch, images)
    for _ in range(rounds):
        with_phases(phases)

    def ratio(times: Dict[str, List[float]]) -> str:
        r = [a / b for a, b in zip(times["ours"], times["numpy"])]
        return f"{statistics.median(r):.3f} ({min(r):.3f}-{max(r):.3f})"

    per_step = ", ".join(f"{p} {t / rounds / steps * 1e6:.1f}" for p, t in zip(PHASES, phases))
    return (f"batch {batch}: ours / numpy, CPU time {ratio(cpu)}, wall {ratio(wall)}; numpy "
            f"{statistics.median(cpu['numpy']) / steps * 1e6:.1f} us/step (CPU); ours us/step (CPU): {per_step}; "
            f"{rounds} rounds, load {load[0]:.2f}-{load[1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="*", type=int, default=[16, 64, 256])
    parser.add_argument("-r", "--rounds", type=int, default=9)
    parser.add_argument("--images", type=int, default=8000, help="images per epoch (the benchmark's 8,000)")
    args = parser.parse_args()
    for batch in args.batch:
        print(measure(batch, args.rounds, args.images), flush=True)


if __name__ == "__main__":
    main()
