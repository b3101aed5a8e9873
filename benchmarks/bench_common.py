"""Shared by the benchmarks: the machine's description and the references installed on first use (micrograd,
JAX), into out/bench-deps/, never into the project's environment."""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
MICROGRAD_VERSION = "0.1.0"
MICROGRAD_DIR = ROOT / "out" / "bench-deps"  # micrograd is installed here, not into the project's environment


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


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
