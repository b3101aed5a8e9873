"""The benchmark pipeline on tiny sizes: every engine computes the same numbers, and the table comes out whole.

No timing is asserted here (times depend on the machine); `make bench` measures.
"""

from __future__ import annotations

import gc
import math
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import bench_scalar  # noqa: E402
import run_all  # noqa: E402
from bench_table import format_table  # noqa: E402
from numpy_mlp import NumpyMLP  # noqa: E402

from tinygrad_edu import Tensor, Value, autograd, nn  # noqa: E402

TINY = run_all.Plan(rounds=1, moons_steps=1, graph_sizes=(50, 100), graph_ops=100, graph_rounds=1, chain_depth=300,
                    mnist_images=64,
                    mnist_batches=(32,), mnist_rounds=1, own_loop_busy=True)


def test_tiny_run_agrees_everywhere() -> None:
    """Every section, each contender in its own worker process; offline (micrograd and JAX rows are skipped if they
    are not installed yet)."""
    rows, notes = run_all.run(TINY, ["moons", "graph", "mnist"], install=False)
    assert run_all.agreement_failures(notes) == []
    assert any("ours vs numpy" in n and "OK" in n for n in notes)
    assert any("ours vs plain floats" in n and "OK" in n for n in notes)
    # moons; graphs (random: policy, default, bare floor; local: policy, bare floor; chain); MNIST: 1 thread, fit busy,
    # own loop busy
    assert len(rows) == 1 + 6 + 3
    table = format_table(rows)
    assert table.count("\n") == len(rows) + 1  # header, rule, one line per row
    for row in rows:
        assert row.workload in table and row.ours


def test_plain_float_moons_step_is_our_step() -> None:
    """The hand-written reference computes our loss to 1e-12, step after step (so its time is a fair floor)."""
    from plain_moons import PlainMoonsMLP

    from tinygrad_edu import optim
    from tinygrad_edu.nn import functional as F

    model = nn.scalar.MLP(2, [4, 3, 1])
    weights = bench_scalar.moons_weights([2, 4, 3, 1], seed=2)
    bench_scalar.load_weights(model.parameters(), weights)
    plain = PlainMoonsMLP([2, 4, 3, 1], weights)
    points, labels = [[0.5, -1.0], [2.0, 0.25], [-0.3, 0.8]], [1.0, -1.0, 1.0]
    opt = optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        loss = F.hinge_loss([model(p) for p in points], labels) + 1e-4 * sum(p * p for p in model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert plain.train_step(points, labels, 0.5) == pytest.approx(loss.data, abs=1e-12)
    assert plain.parameters() == pytest.approx([p.data for p in model.parameters()], abs=1e-12)


def test_harness_reports_median_ratio_and_range() -> None:
    from harness import Rounds, spread

    r = Rounds({"a": [{"seconds": [2.0, 4.0, 3.0]}, {"seconds": [1.0]}], "b": [{"seconds": [1.0]}, {"seconds": [2.0]}]})
    assert r.seconds("a") == [3.0, 1.0]
    assert r.ratios("a", "b") == [3.0, 0.5]
    assert spread([3.0, 0.5, 1.0]) == "1.00 (0.50-3.00)"


def test_graph_plan_stays_bounded_and_our_engine_reproduces_it() -> None:
    plan = bench_scalar.graph_plan(2000, seed=3)
    assert plan.n_ops == 2000
    assert all(-1.0 <= v <= 1.0 for v in plan.values)
    root, nodes = bench_scalar.build_graph(plan, Value)
    assert len(nodes) == len(plan.values)
    assert [n.data for n in nodes] == list(plan.values)
    assert [n.data for n in bench_scalar.build_graph(plan, bench_scalar.BareNode)[1]] == list(plan.values)
    for part in (plan.ops, plan.lhs, plan.rhs, plan.values):  # raw numbers: a collection does not visit them
        assert not any(isinstance(x, (int, float)) for x in gc.get_referents(part))
    assert math.isclose(root.data, sum(plan.values[-plan.window:]), rel_tol=1e-12, abs_tol=1e-12)


def test_local_graph_plan_reads_only_recent_nodes_and_every_node_reaches_the_root() -> None:
    plan = bench_scalar.graph_plan(3000, seed=4, reach=50)
    assert plan.n_ops == 3000 and plan.window == 8
    firsts = [k + plan.window - i for k, i in enumerate(plan.lhs)]
    seconds_ = [k + plan.window - j for k, j in enumerate(plan.rhs)]
    assert set(firsts) == {plan.window} and min(seconds_) == 1 and max(seconds_) == 50
    assert bench_scalar.graph_plan(3000, seed=4).rhs != plan.rhs  # reach changes the graph
    root, nodes = bench_scalar.build_graph(plan, Value)
    assert [n.data for n in nodes] == list(plan.values)
    assert len(autograd.toposort(root)) == len(nodes) + plan.window - 1  # all of them, and the add tree's nodes


def test_moons_loss_is_micrograds_demo_loss() -> None:
    model = nn.scalar.MLP(2, [3, 1])
    weights = bench_scalar.moons_weights([2, 3, 1], seed=1)
    bench_scalar.load_weights(model.parameters(), weights)
    points, labels = [[0.5, -1.0], [2.0, 0.25]], [1.0, -1.0]
    loss = bench_scalar.moons_loss(model, model.parameters(), points, labels, alpha=1e-4)
    scores = [model(p).data for p in points]
    expected = sum(max(0.0, 1 - y * s) for y, s in zip(labels, scores)) / 2 + 1e-4 * sum(w * w for w in weights)
    assert math.isclose(loss.data, expected, rel_tol=1e-12)


def test_numpy_mlp_step_matches_our_gradients() -> None:
    rng = np.random.default_rng(0)
    layers = [(rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)),
              (rng.standard_normal((3, 5)).astype(np.float32), rng.standard_normal(3).astype(np.float32))]
    X = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.integers(0, 3, 6)
    params = [Tensor(a.copy(), requires_grad=True) for layer in layers for a in layer]
    W1, b1, W2, b2 = params
    loss = nn.functional.cross_entropy((Tensor(X) @ W1.T + b1).relu() @ W2.T + b2, y)
    loss.backward()
    ref = NumpyMLP(layers)
    assert ref.train_step(X, y, lr=0.5) == pytest.approx(loss.item(), rel=1e-5)
    for p, (W, b) in zip([(W1, b1), (W2, b2)], ref.layers):
        np.testing.assert_allclose(W, p[0].data - 0.5 * p[0].grad, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b, p[1].data - 0.5 * p[1].grad, rtol=1e-4, atol=1e-5)


def test_mnist_cpu_prints_ratios_and_our_phases():
    import mnist_cpu

    line = mnist_cpu.measure(32, rounds=2, images=64)
    assert line.startswith("batch 32: ours / numpy, CPU time ") and "forward" in line and "load" in line
