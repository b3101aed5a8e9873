"""What accurate reductions cost: float32 sums accumulated in float64 (ours) vs numpy's sum in float32 (before).

Issue 13: numpy adds a strided axis one row at a time in float32, so long axes lose digits (ones over 2^25 rows
average 0.5). We now add float32 and float16 in float64 and round once, in `sum`/`mean` and in the gradient sums
of broadcasting (`unbroadcast`). This prints, per shape, the time of each way and their ratio (new / old), taking
turns (interleaved) and keeping the fastest of several runs of each, with the machine's load before and after.

    python benchmarks/bench_reductions.py
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Dict, List, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import timed  # noqa: E402

from tinygrad_edu.tensor import unbroadcast  # noqa: E402
from tinygrad_edu.tensor.reduce import accurate_sum  # noqa: E402

ROUNDS = 15


def _old_unbroadcast(g: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """The gradient sum before the fix: numpy's sum in the gradient's own precision."""
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def cases() -> List[Tuple[str, Callable[[], object], Callable[[], object], int]]:
    """(name, old way, new way, calls per timing)."""
    rng = np.random.default_rng(0)
    out = []
    for shape, axis, calls in [((64, 128), 0, 2000), ((64, 10), 1, 2000), ((10_000, 784), 0, 5),
                               ((10_000, 784), None, 5), ((1_000_000, 8), 0, 5)]:
        x = rng.random(shape).astype(np.float32)
        out.append((f"sum {shape} axis={axis}", lambda x=x, a=axis: x.sum(axis=a),
                    lambda x=x, a=axis: accurate_sum(x, a), calls))
    for shape, target, calls in [((64, 128), (128,), 2000), ((64, 10), (10,), 2000), ((10_000, 784), (784,), 5)]:
        g = rng.random(shape).astype(np.float32)
        out.append((f"bias grad {shape} -> {target}", lambda g=g, t=target: _old_unbroadcast(g, t),
                    lambda g=g, t=target: unbroadcast(g, t), calls))
    return out


def main() -> None:
    print(f"load before: {open('/proc/loadavg').read().strip()}")
    best: Dict[str, float] = {}
    table = cases()
    for round_ in range(ROUNDS):  # the two ways take turns (first one, then the other), so load hits both
        for name, old, new, calls in table:
            pair = [("old", old), ("new", new)]
            for which, fn in pair if round_ % 2 else pair[::-1]:
                seconds = timed(lambda fn=fn, calls=calls: [fn() for _ in range(calls)]) / calls
                key = f"{name}|{which}"
                best[key] = min(best.get(key, seconds), seconds)
    print(f"load after:  {open('/proc/loadavg').read().strip()}")
    print(f"{'case':45s} {'old (numpy float32)':>20s} {'new (float64 acc.)':>20s} {'new/old':>8s}")
    for name, _, _, _ in table:
        old, new = best[f"{name}|old"], best[f"{name}|new"]
        print(f"{name:45s} {old * 1e6:17.1f} us {new * 1e6:17.1f} us {new / old:8.2f}")


if __name__ == "__main__":
    main()
