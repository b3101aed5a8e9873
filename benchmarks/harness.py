"""Fair timing on a shared machine: every contender in its own long-lived process, all of them taking turns.

A contender (an engine on a workload, e.g. "ours, moons step") is set up once in a worker process of its own
(`worker.py`): its imports, its data, its caches and its heap belong to it alone, so no engine pays for another's
garbage, threads or memory. The coordinator then runs *rounds*: in each round every contender does the same amount
of work once, one after the other (the order rotates from round to round), and the machine's load average is read
before and after the round. A ratio is computed within each round, where the contenders ran seconds apart under
the same load; the table reports the median ratio over the rounds and its range (min-max).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def loadavg() -> Tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (/proc/loadavg on Linux; os.getloadavg elsewhere)."""
    try:
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
        return float(one), float(five), float(fifteen)
    except (OSError, ValueError):
        return os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3


class Worker:
    """One contender in its own Python process: set up once, then one round of work per `run()` call."""

    def __init__(self, name: str, spec: Dict[str, Any], threads: int = 1) -> None:
        self.name = name
        env = dict(os.environ)
        for var in THREAD_VARIABLES:  # BLAS reads these when numpy is first imported, so they are set before
            env[var] = str(threads)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.proc = subprocess.Popen([sys.executable, str(HERE / "worker.py"), json.dumps(spec)], cwd=str(ROOT),
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.info = self._read()  # the worker says it is ready (and what it set up)

    def _read(self) -> Dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"benchmark worker {self.name!r} exited with status {code} (its error is above)")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"benchmark worker {self.name!r} failed: {reply['error']}")
        return reply

    def run(self) -> Dict[str, Any]:
        """One round of the contender's work: {"seconds": [...], "losses": [...], ...} as the worker measured it."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("round\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Burner:
    """Keeps one core busy (a Python loop in its own process) while a contender runs: the "other core is busy"
    condition of a shared 2-core machine, made on purpose and the same in every round."""

    def __enter__(self) -> "Burner":
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.2)  # let it reach the CPU before the clock starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


@dataclass
class Rounds:
    """What the rounds measured: per contender, one result per round; and the load around each round."""

    results: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    load_before: List[float] = field(default_factory=list)
    load_after: List[float] = field(default_factory=list)

    def seconds(self, name: str, reduce: str = "median") -> List[float]:
        """One time per round for `name`: the median (or min, or sum) of the times the worker reported."""
        fn = {"median": statistics.median, "min": min, "sum": sum}[reduce]
        return [fn(r["seconds"]) for r in self.results[name]]

    def ratios(self, name: str, reference: str, reduce: str = "median") -> List[float]:
        """name's time / reference's time, round by round."""
        return [a / b for a, b in zip(self.seconds(name, reduce), self.seconds(reference, reduce))]

    def losses(self, name: str) -> List[float]:
        return [loss for r in self.results[name] for loss in r.get("losses", [])]

    def load_note(self) -> str:
        both = self.load_before + self.load_after
        return f"load average (1 min) around the rounds: {min(both):.2f}-{max(both):.2f}" if both else ""


def run_rounds(workers: Sequence[Worker], n_rounds: int, busy: Sequence[str] = (),
               log: Optional[Any] = sys.stderr) -> Rounds:
    """`n_rounds` rounds; in each, every worker runs once, starting one further along the list each round.
    Workers named in `busy` run while a `Burner` keeps another core busy."""
    out = Rounds({w.name: [] for w in workers})
    for r in range(n_rounds):
        out.load_before.append(loadavg()[0])
        k = r % len(workers)
        for w in list(workers[k:]) + list(workers[:k]):
            if w.name in busy:
                with Burner():
                    out.results[w.name].append(w.run())
            else:
                out.results[w.name].append(w.run())
        out.load_after.append(loadavg()[0])
        if log is not None:
            print(f"  round {r + 1}/{n_rounds} done (load {out.load_before[-1]:.2f} -> {out.load_after[-1]:.2f})",
                  file=log, flush=True)
    return out


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """'median (min-max)' of a list of numbers."""
    med = statistics.median(values)
    return f"{fmt.format(med)} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def max_abs_diff(a: Sequence[float], b: Sequence[float]) -> float:
    if len(a) != len(b) or not a:
        return float("inf")
    return max(abs(x - y) for x, y in zip(a, b))
