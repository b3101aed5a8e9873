"""How many BLAS threads should `fit` use? One (tinygrad_edu.train.BLAS_THREADS = 1) against numpy's default (all
cores), on the lesson's MNIST network and on a much wider one, taking turns so both see the same machine load.

    .venv/bin/python benchmarks/bench_threads.py            # about a minute
    .venv/bin/python benchmarks/bench_threads.py --busy 2   # the same with 2 busy processes: a shared machine
    .venv/bin/python benchmarks/bench_threads.py --quick    # a few seconds, for the smoke test

Prints, per workload, the fastest and the median epoch under each policy and their ratio, the load average
around every run, and whether the trained weights are bit-identical whatever the process's own thread setting
(they must be under the one-thread policy; numpy's default changes float32 rounding with the thread count).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from tinygrad_edu import nn, optim, train
from tinygrad_edu.data import DataLoader, mnist_lesson_split

POLICIES = {"1 thread": 1, "numpy default": None}
WORKLOADS = {  # name: (layer sizes, batch size)
    "lesson MLP 784-128-64-10, batch 64": ([784, 128, 64, 10], 64),
    "wide MLP 784-1024-1024-10, batch 256": ([784, 1024, 1024, 10], 256),
}


def blas_threads() -> int:
    """The number of threads numpy's BLAS would use right now."""
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)


def train_epoch(sizes: List[int], batch: int, data: Tuple[np.ndarray, np.ndarray], policy: Optional[int],
                epochs: int = 1) -> Tuple[float, List[np.ndarray]]:
    """Seconds for `epochs` epochs of SGD with `fit` under `policy` BLAS threads; and the trained weights."""
    model = nn.MLP(sizes, activation="relu", seed=0)
    loader = DataLoader(data[0], data[1], batch_size=batch, shuffle=True, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    saved, train.BLAS_THREADS = train.BLAS_THREADS, policy
    try:
        start = time.perf_counter()
        train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs, progress=False, warn_overfitting=False)
        seconds = time.perf_counter() - start
    finally:
        train.BLAS_THREADS = saved
    return seconds, [p.data.copy() for p in model.parameters()]


def same_everywhere(sizes: List[int], batch: int, data: Tuple[np.ndarray, np.ndarray], policy: Optional[int],
                    epochs: int) -> bool:
    """Are the weights trained under `policy` bit-identical when the process runs BLAS with 1 or all threads?"""
    results = []
    for outer in (1, os.cpu_count() or 1):
        with threadpool_limits(limits=outer, user_api="blas"):
            results.append(train_epoch(sizes, batch, data, policy, epochs)[1])
    return all(np.array_equal(a, b) for a, b in zip(*results))


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round: checks the script runs")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each policy, taking turns (default 5)")
    parser.add_argument("--busy", type=int, default=0,
                        help="start this many CPU-bound processes while timing, as other users of the machine")
    args = parser.parse_args(argv)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        run(args)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()


def run(args: argparse.Namespace) -> None:
    """Time each workload under each policy, taking turns, and check the weights."""
    X, y, _, _ = mnist_lesson_split()
    images, rounds, check_epochs = (512, 1, 1) if args.quick else (len(X), args.rounds, 2)
    data = (X[:images], y[:images])
    print(f"cores {os.cpu_count()}, numpy {np.__version__}, BLAS threads by default {blas_threads()}, "
          f"{images} MNIST images per epoch, {rounds} rounds per policy (interleaved), {args.busy} busy processes")
    for name, (sizes, batch) in WORKLOADS.items():
        times: Dict[str, List[float]] = {p: [] for p in POLICIES}
        loads: List[float] = []
        for _ in range(rounds):
            for policy, threads in POLICIES.items():
                loads.append(os.getloadavg()[0])
                times[policy].append(train_epoch(sizes, batch, data, threads)[0])
        loads.append(os.getloadavg()[0])
        print(f"\n{name} (load average {min(loads):.2f} to {max(loads):.2f} over the runs)")
        for policy, ts in times.items():
            print(f"  {policy:14s} epoch: fastest {min(ts):.3f} s, median {statistics.median(ts):.3f} s")
        one, default = (statistics.median(times[p]) for p in POLICIES)
        print(f"  median ratio numpy default / 1 thread: {default / one:.2f} (above 1: one thread is faster)")
        for policy, threads in POLICIES.items():
            same = same_everywhere(sizes, batch, data, threads, check_epochs)
            print(f"  {policy:14s} weights after {check_epochs} epoch(s) identical with the process at 1 and "
                  f"{os.cpu_count()} threads: {'yes' if same else 'no (float32 rounding differs)'}")


if __name__ == "__main__":
    main()
