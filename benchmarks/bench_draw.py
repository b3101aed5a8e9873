"""How long does Graphviz take to draw a whole compute graph, and how big is the picture? The measurement behind
`viz.graph.DEFAULT_MAX_NODES` (graphs with more values are drawn collapsed) and MAX_INCHES.

    .venv/bin/python benchmarks/bench_draw.py            # scalar MLP graphs of 88 to 484 values, png at 96 dpi
    .venv/bin/python benchmarks/bench_draw.py --quick    # the two smallest, for the smoke test

Each graph is a micrograd-style MLP's squared error on a few points, drawn with model= and grad_flow=True as a
learner would (max_nodes=None: never collapsed), rendered by `dot -Tpng` once without and once with the size cap.
Prints the values in the graph, the seconds `dot` took, the picture's size in pixels, and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import struct
import time
from typing import List, Optional, Sequence, Tuple

from tinygrad_edu import Value, nn
from tinygrad_edu.autograd import toposort
from tinygrad_edu.viz import draw_graph
from tinygrad_edu.viz import graph as graph_module

CASES: List[Tuple[List[int], int]] = [([4, 4, 1], 1), ([4, 4, 1], 2), ([4, 4, 1], 4), ([8, 8, 1], 2), ([8, 8, 1], 3)]


def mlp_loss(hidden: List[int], points: int) -> Tuple[Value, nn.scalar.MLP]:
    """Squared error of a scalar MLP(2, hidden) on `points` random points, after backward()."""
    rng = random.Random(0)
    model = nn.scalar.MLP(2, hidden, activation="tanh", seed=0)
    loss = sum(((model([rng.uniform(-1, 1), rng.uniform(-1, 1)]) - 1.0) ** 2 for _ in range(points)), Value(0.0))
    loss.backward()
    return loss, model


def png_size(data: bytes) -> Tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def draw(source: str, timeout: float) -> str:
    """'seconds  width x height' of dot's png, or a note when it ran out of time."""
    start = time.perf_counter()
    try:
        data = graph_module.run_dot(source, "png", timeout)
    except graph_module.GraphvizTimeoutError:
        return f"more than {timeout:g} s"
    width, height = png_size(data)
    return f"{time.perf_counter() - start:6.2f} s  {width:5d} x {height:5d} px"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the two smallest graphs")
    parser.add_argument("--timeout", type=float, default=120.0, help="stop dot after this many seconds")
    args = parser.parse_args(argv)
    cases = CASES[:2] if args.quick else CASES
    print(f"DEFAULT_MAX_NODES = {graph_module.DEFAULT_MAX_NODES}, MAX_INCHES = {graph_module.MAX_INCHES}, "
          f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'MLP':12s} {'points':>6s} {'values':>6s}   {'uncapped png':28s}   {'capped png (default)':28s}")
    for hidden, points in cases:
        loss, model = mlp_loss(hidden, points)
        graph = draw_graph(loss, model=model, grad_flow=True, max_nodes=None)
        uncapped = graph.copy()
        uncapped.graph_attr.pop("size", None)
        print(f"{str(hidden):12s} {points:6d} {len(toposort(loss)):6d}   {draw(uncapped.source, args.timeout):28s}   "
              f"{draw(graph.source, args.timeout):28s}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
