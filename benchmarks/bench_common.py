"""Shared by the benchmarks: timing, garbage-collector control, machine description, and the micrograd reference.

Timings are wall-clock seconds from `time.perf_counter`. On a shared machine single runs are noisy, so every
workload runs a few times, engines taking turns; the table reports the median step of a training run (moons)
and the fastest run of a fixed amount of work (graphs, MNIST epochs), which other processes can only slow down.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import importlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
MICROGRAD_VERSION = "0.1.0"
MICROGRAD_DIR = ROOT / "out" / "bench-deps"  # micrograd is installed here, not into the project's environment


@contextlib.contextmanager
def gc_state(enabled: bool) -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector on or off, then restore the previous state."""
    was_enabled = gc.isenabled()
    gc.enable() if enabled else gc.disable()
    try:
        yield
    finally:
        gc.enable() if was_enabled else gc.disable()


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> Dict[str, str]:
    """Date, cores, CPU and library versions: the context a benchmark table needs to be read."""
    import numpy as np

    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores (nproc)": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    torch = load_torch()
    info["BLAS threads"] = str(blas_threads())
    info["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)" if torch else "not installed"
    return info


def load_torch() -> Optional[ModuleType]:
    """PyTorch set to use every core of this machine, or None when it is not installed (its rows are skipped)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(blas_threads())
    return torch


def blas_threads() -> int:
    """Threads numpy's BLAS and PyTorch use: every core, unless run_all.py --threads chose a number."""
    return int(os.environ.get("TINYGRAD_EDU_BENCH_THREADS") or os.cpu_count() or 1)


def load_micrograd(install: bool = True) -> Optional[ModuleType]:
    """micrograd 0.1.0 from PyPI (the reference), installed on first use into out/bench-deps/.

    Returns the `micrograd` package with its `engine` and `nn` modules imported, or None when it is not there
    and cannot be installed (no network): its rows are then skipped.
    """
    marker = MICROGRAD_DIR / f"micrograd-{MICROGRAD_VERSION}.dist-info"
    if not marker.is_dir() and install:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(MICROGRAD_DIR),
                   f"micrograd=={MICROGRAD_VERSION}"]
        print(f"benchmarks: installing micrograd {MICROGRAD_VERSION} into {MICROGRAD_DIR}", file=sys.stderr)
        if subprocess.run(command).returncode != 0:
            print("benchmarks: could not install micrograd; its rows are skipped", file=sys.stderr)
    if not marker.is_dir():
        return None
    if str(MICROGRAD_DIR) not in sys.path:
        sys.path.insert(0, str(MICROGRAD_DIR))
    package = importlib.import_module("micrograd")
    if not str(Path(package.__file__).resolve()).startswith(str(MICROGRAD_DIR.resolve())):
        raise RuntimeError(f"found a different micrograd at {package.__file__}; expected the one in {MICROGRAD_DIR}")
    importlib.import_module("micrograd.engine")
    importlib.import_module("micrograd.nn")
    return package


JAX_DIR = ROOT / "out" / "bench-deps" / "jax"
JAX_REQUIREMENTS = Path(__file__).resolve().parent / "requirements-jax.txt"


def install_jax() -> bool:
    """Install the pinned JAX (benchmarks/requirements-jax.txt) into out/bench-deps/jax, not into the project's
    environment, unless it is there already. False when pip cannot install it here (no wheel for this Python or
    platform, no network): the JAX rows are then skipped with a note."""
    if (JAX_DIR / "jax").is_dir() and (JAX_DIR / "jaxlib").is_dir():
        return True
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(JAX_DIR), "-r", str(JAX_REQUIREMENTS)]
    print(f"benchmarks: installing JAX ({JAX_REQUIREMENTS.name}) into {JAX_DIR}", file=sys.stderr)
    return subprocess.run(command).returncode == 0


def jax_version() -> Optional[str]:
    """The pinned JAX version, from the requirements file."""
    for line in JAX_REQUIREMENTS.read_text().splitlines():
        if line.startswith("jax=="):
            return line.split("==", 1)[1].strip()
    return None


def load_jax() -> ModuleType:
    """JAX on the CPU, from out/bench-deps/jax (after the project's own packages, so numpy stays the project's).
    With one BLAS thread asked for, XLA is kept to one thread too."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if os.environ.get("OMP_NUM_THREADS") == "1":
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    if str(JAX_DIR) not in sys.path:
        sys.path.append(str(JAX_DIR))
    return importlib.import_module("jax")
