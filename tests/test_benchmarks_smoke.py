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

from tinygrad_edu import Tensor, Value, nn  # noqa: E402

TINY = run_all.Sizes(moons_steps=1, moons_reference_steps=1, graph_sizes=(500,), graph_reference_sizes=(500,),
                     graph_repeat=1, chain_depth=300, chain_repeat=1, mnist_images=128, mnist_epochs=1, memory_epochs=2)


def test_tiny_run_agrees_everywhere() -> None:
    rows, notes = run_all.run(TINY, install=False)  # offline: micrograd rows are skipped if it is not installed yet
    assert run_all.agreement_failures(notes) == []
    assert any("agreement with numpy" in n and "OK" in n for n in notes)
    assert len(rows) == 4 + len(TINY.graph_sizes)  # moons, graphs, chain, MNIST time, MNIST memory
    table = format_table(rows)
    assert table.count("\n") == len(rows) + 1  # header, rule, one line per row
    for row in rows:
        assert row.workload in table and row.ours


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
