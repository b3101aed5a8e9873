"""Run every benchmark side by side and print one table: `make bench`, or `python benchmarks/run_all.py [--quick]`.

Rows: micrograd's moons training step, scalar graph throughput, the deepest chain (all against micrograd 0.1.0,
installed on first use into out/bench-deps/), and the MNIST MLP against hand-written numpy and PyTorch CPU, with its
peak memory. Every comparison first checks that the engines computed the same numbers, and prints that check.
`--quick` runs small sizes (a smoke test of the whole pipeline in well under a minute); its times are not the
targets' workloads.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import load_micrograd, load_torch, machine_info  # noqa: E402
from bench_table import Row, format_table  # noqa: E402


@dataclass
class Sizes:
    """How much work each benchmark does."""

    moons_steps: int
    moons_reference_steps: int  # micrograd with gc on takes about a second per step
    graph_sizes: Tuple[int, ...]
    graph_reference_sizes: Tuple[int, ...]
    graph_repeat: int
    chain_depth: int
    chain_repeat: int
    mnist_images: int
    mnist_epochs: int
    memory_epochs: int


FULL = Sizes(moons_steps=10, moons_reference_steps=5, graph_sizes=(10**3, 10**4, 10**5, 10**6),
             graph_reference_sizes=(10**3, 10**4, 10**5, 10**6), graph_repeat=5, chain_depth=10**6, chain_repeat=3,
             mnist_images=8000, mnist_epochs=7, memory_epochs=24)
QUICK = Sizes(moons_steps=2, moons_reference_steps=1, graph_sizes=(10**3, 10**4), graph_reference_sizes=(10**3, 10**4),
              graph_repeat=1, chain_depth=10**4, chain_repeat=1, mnist_images=640, mnist_epochs=2, memory_epochs=4)


def run(sizes: Sizes, install: bool = True, use_torch: bool = True) -> Tuple[List[Row], List[str]]:
    """All benchmarks at `sizes`: the table's rows, and the agreement checks and extra figures as notes."""
    import bench_mnist
    import bench_scalar

    micrograd = load_micrograd(install=install)
    rows: List[Row] = []
    notes: List[str] = []
    for part_rows, part_notes in (
        bench_scalar.bench_moons(micrograd, sizes.moons_steps, sizes.moons_reference_steps),
        bench_scalar.bench_throughput(sizes.graph_sizes, sizes.graph_reference_sizes, micrograd, sizes.graph_repeat),
        bench_scalar.bench_chain(sizes.chain_depth, micrograd, sizes.chain_repeat),
    ):
        rows += part_rows
        notes += part_notes
    gc.collect()
    torch = load_torch() if use_torch else None  # imported after the scalar runs, so its objects are not on their heap
    part_rows, part_notes = bench_mnist.bench_mnist(sizes.mnist_images, sizes.mnist_epochs, sizes.memory_epochs, torch)
    return rows + part_rows, notes + part_notes


def set_threads(n: int) -> None:
    """Ask numpy's BLAS and PyTorch for `n` threads. Works only before numpy is first imported (BLAS reads it then)."""
    if "numpy" in sys.modules:
        raise RuntimeError("set_threads() must run before numpy is imported")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(n)
    os.environ["TINYGRAD_EDU_BENCH_THREADS"] = str(n)


def agreement_failures(notes: Sequence[str]) -> List[str]:
    """The notes that report a mismatch between engines (an empty list when every check passed)."""
    return [n for n in notes if "MISMATCH" in n]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a fast smoke run, not the targets")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install micrograd if it is missing")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP threads for numpy and PyTorch (default: every core)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        set_threads(args.threads)
    rows, notes = run(QUICK if args.quick else FULL, install=not args.no_install)
    info = machine_info()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"tinygrad_edu benchmarks ({'quick' if args.quick else 'full'} run), "
          + ", ".join(f"{k}: {v}" for k, v in info.items()) + f", load average at the end: {load:.2f}")
    print("Times: median step (moons), fastest of several runs (graphs, MNIST epochs); Python's garbage collector on "
          "(its default) unless noted.\n")
    print(format_table(rows))
    print()
    for note in notes:
        print("- " + note)
    failures = agreement_failures(notes)
    if failures:
        print(f"\n{len(failures)} agreement check(s) FAILED: the timings above compare different computations.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
