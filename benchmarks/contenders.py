"""The contenders: each is set up from a spec (a dict) inside its own worker process and then does one round of work
per call, returning what it measured. Every contender of a workload starts from the same weights and data, so the
coordinator can check that they computed the same losses before it compares their times.

    moons   one SGD step of MLP(2, [16, 16, 1]) on 100 moons, as demos/moons.py writes it (hinge loss + 1e-4 L2,
            learning rate 1.0 - 0.9 k / 100): engine "ours" (optionally inside `collector_policy()`), "plain"
            (plain_moons.py: hand-written floats), "micrograd" (0.1.0 from PyPI)
    graph   build + backward + free of a random scalar graph of n ops, per op, for each n (ours, optionally inside
            `collector_policy()`, or Python's bare-object floor); spec "reach" makes the graph read recent nodes only
    mnist   one epoch of 8,000 MNIST images through 784-128-64-10 (SGD lr 0.1, float32) at a batch size: engine
            "ours" (nn.Sequential, F.cross_entropy, optim.SGD), "fit" (the same model trained by train.fit, which
            scopes the library's BLAS thread policy), "numpy" (numpy_mlp.py, by hand), "jax" (a jitted step, if
            installed), "torch" (CPU)
"""

from __future__ import annotations

import contextlib
import gc
import os
import random
import time
from typing import Any, Callable, Dict, List

Round = Callable[[], Dict[str, Any]]
MOONS_SIZES = [2, 16, 16, 1]
ALPHA = 1e-4


def _moons_data(seed: int = 0):
    from tinygrad_edu.data import make_moons

    X, y = make_moons(100, noise=0.1, seed=seed)
    return X.astype(float).tolist(), [2.0 * v - 1.0 for v in y.tolist()]


def moons(spec: Dict[str, Any]) -> Round:
    """A round is `steps` training steps, each timed on its own (forward, zero_grad, backward, SGD update)."""
    import bench_scalar

    engine, steps = spec["engine"], spec["steps"]
    points, labels = _moons_data()
    weights = bench_scalar.moons_weights(MOONS_SIZES, seed=0)
    done = [0]  # steps taken so far: the learning-rate schedule's k

    def lr() -> float:
        return 1.0 - 0.9 * done[0] / 100

    if engine == "plain":
        from plain_moons import PlainMoonsMLP

        model = PlainMoonsMLP(MOONS_SIZES, weights)

        def step() -> float:
            return model.train_step(points, labels, lr(), ALPHA)
    elif engine == "ours":
        from tinygrad_edu import optim
        from tinygrad_edu.nn import functional as F
        from tinygrad_edu.nn.scalar import MLP

        net = MLP(2, MOONS_SIZES[1:])
        params = net.parameters()
        bench_scalar.load_weights(params, weights)
        opt = optim.SGD(params, lr=1.0)

        def step() -> float:  # demos/moons.py's step
            loss = F.hinge_loss([net(p) for p in points], labels) + ALPHA * sum(p * p for p in params)
            opt.zero_grad()
            loss.backward()
            opt.lr = lr()
            opt.step()
            return loss.data
    elif engine == "micrograd":
        from bench_common import load_micrograd

        micrograd = load_micrograd(install=spec.get("install", True))
        if micrograd is None:
            raise RuntimeError("micrograd is not installed")
        random.seed(0)
        net = micrograd.nn.MLP(2, MOONS_SIZES[1:])
        params = net.parameters()
        bench_scalar.load_weights(params, weights)
        Value = micrograd.engine.Value

        def step() -> float:  # micrograd's demo: inputs made into Values every step
            loss = bench_scalar.moons_loss(net, params, [list(map(Value, p)) for p in points], labels, ALPHA)
            net.zero_grad()
            loss.backward()
            rate = lr()
            for p in params:
                p.data -= rate * p.grad
            return loss.data
    else:
        raise ValueError(f"unknown moons engine {engine!r}")

    step()  # not timed: a warm-up step (every engine takes one, so their losses stay step for step comparable)
    done[0] += 1

    def one_round() -> Dict[str, Any]:
        seconds, losses = [], []
        scope = _policy() if spec.get("policy") else contextlib.nullcontext()
        gc.collect()  # not timed: start each round from a clean heap
        with scope:
            for _ in range(steps):
                start = time.perf_counter()
                losses.append(step())
                seconds.append(time.perf_counter() - start)
                done[0] += 1
        return {"seconds": seconds, "losses": losses}

    return one_round


def _policy():
    from tinygrad_edu.autograd import collector_policy

    return collector_policy()


def graph(spec: Dict[str, Any]) -> Round:
    """A round builds, backpropagates and frees the plan's graph at every size; reports seconds per op per size.

    engine "ours" (optionally inside `collector_policy()`), or "bare": the same graph of `bench_scalar.BareNode`s,
    one bare 3-slot object per op with no gradient machinery (built and freed; it has no backward): Python's floor.
    spec "reach" (default None: any earlier node): see `bench_scalar.graph_plan`.
    """
    import bench_scalar

    from tinygrad_edu import Value

    sizes = spec["sizes"]
    plans = {n: bench_scalar.graph_plan(n, reach=spec.get("reach")) for n in sizes}
    ops_per_size = spec.get("ops_per_size", 10**6)
    node_class = bench_scalar.BareNode if spec.get("engine") == "bare" else Value
    warm_root, _ = bench_scalar.build_graph(bench_scalar.graph_plan(100), node_class)  # not timed: first calls
    if node_class is Value:
        warm_root.backward()
    del warm_root

    def one_round() -> Dict[str, Any]:
        per_op, parts = {}, {}
        for n in sizes:
            plan = plans[n]
            reps = max(1, ops_per_size // n)
            build = back = free = 0.0
            gc.collect()  # not timed: each size starts from a clean heap
            with _policy() if spec.get("policy") else contextlib.nullcontext():
                for _ in range(reps):
                    t0 = time.perf_counter()
                    root, nodes = bench_scalar.build_graph(plan, node_class)
                    t1 = time.perf_counter()
                    if node_class is Value:
                        root.backward()
                    t2 = time.perf_counter()
                    del root, nodes
                    t3 = time.perf_counter()
                    build, back, free = build + t1 - t0, back + t2 - t1, free + t3 - t2
            ops = reps * n
            per_op[str(n)] = (build + back + free) / ops
            parts[str(n)] = [build / ops, back / ops, free / ops]
        return {"seconds": [sum(per_op.values())], "per_op": per_op, "parts": parts}

    return one_round


def chain(spec: Dict[str, Any]) -> Round:
    """x = x * 1.0001 + 0.0, `depth` times, then backward: a graph as deep as it is long (no recursion limit)."""
    from tinygrad_edu import Value

    depth = spec["depth"]

    def one_round() -> Dict[str, Any]:
        gc.collect()
        start = time.perf_counter()
        with _policy() if spec.get("policy") else contextlib.nullcontext():
            first = x = Value(1.0)
            for _ in range(depth):
                x = x * 1.0001 + 0.0
            x.backward()
            del x
        seconds = time.perf_counter() - start
        return {"seconds": [seconds], "grad": first.grad, "expected": 1.0001 ** depth}

    return one_round


def mnist(spec: Dict[str, Any]) -> Round:
    """A round is one epoch (training continues across rounds); reports its seconds and its per-batch losses."""
    import bench_mnist

    engine, batch, images = spec["engine"], spec["batch"], spec["images"]
    batches = bench_mnist.mnist_batches(images, batch)
    layers = bench_mnist.initial_layers()
    if engine == "ours":
        epoch = bench_mnist.ours_trainer(layers, batches)
    elif engine == "numpy":
        epoch = bench_mnist.numpy_trainer(layers, batches)
    elif engine == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        epoch = bench_mnist.torch_trainer(torch, layers, batches)
    elif engine == "jax":
        epoch = bench_mnist.jax_trainer(layers, batches)
    elif engine == "fit":
        epoch = bench_mnist.fit_trainer(layers, batches)
    else:
        raise ValueError(f"unknown mnist engine {engine!r}")
    # Not timed: the first epoch warms caches (and compiles JAX's step); every engine gets one. Its per-batch losses
    # are the ones compared: all engines start it from the same weights, whereas in later epochs float32 rounding
    # differences grow as training goes on (at batch 16 they pass 1e-4 after ~800 steps: chaos, not a bug).
    first = epoch()
    rounds = [0]

    def one_round() -> Dict[str, Any]:
        gc.collect()
        start = time.perf_counter()
        losses = epoch()
        seconds = time.perf_counter() - start
        rounds[0] += 1
        compared = first if engine != "fit" else losses  # fit(): every epoch's mean loss, 1 vs 2 threads: exact
        return {"seconds": [seconds], "losses": compared if rounds[0] == 1 or engine == "fit" else []}

    return one_round


WORKLOADS: Dict[str, Callable[[Dict[str, Any]], Round]] = {"moons": moons, "graph": graph, "chain": chain,
                                                            "mnist": mnist}


def setup(spec: Dict[str, Any]) -> Round:
    return WORKLOADS[spec["workload"]](spec)


def versions() -> List[str]:
    """What this worker runs on (for the table's header)."""
    import platform

    import numpy

    return [f"python {platform.python_version()}", f"numpy {numpy.__version__}"]
