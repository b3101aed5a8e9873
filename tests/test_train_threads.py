"""fit() trains with one BLAS thread (train.BLAS_THREADS) and restores numpy's setting: the same seed gives
bit-identical weights whatever the process's thread count (benchmarks/bench_threads.py measures the speed)."""

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from tinygrad_edu import nn, optim, train
from tinygrad_edu.data import DataLoader


def blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def trained_weights(outer_threads):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 784)).astype(np.float32)  # wide enough for BLAS to split the work across threads
    y = rng.integers(0, 10, 256)
    model = nn.MLP([784, 128, 10], seed=0)
    seen = []
    with threadpool_limits(limits=outer_threads, user_api="blas"):
        train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  DataLoader(X, y, batch_size=64, seed=0), 3, progress=False, warn_overfitting=False,
                  callbacks=[lambda *_: seen.append(blas_threads())])
        after = blas_threads()
    return [p.data for p in model.parameters()], seen, after


def test_fit_uses_one_blas_thread_and_restores_the_setting():
    _, seen, after = trained_weights(2)
    assert all(threads == [1] * len(threads) for threads in seen)
    assert after == [2] * len(after) or after == []  # restored (no BLAS found: nothing to do)


def test_weights_do_not_depend_on_the_process_thread_count():
    one, _, _ = trained_weights(1)
    two, _, _ = trained_weights(2)
    assert all(np.array_equal(a, b) for a, b in zip(one, two))


def test_thread_benchmark_runs_and_checks_the_weights(capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_threads

    bench_threads.main(["--quick"])
    out = capsys.readouterr().out
    assert out.count("1 thread       weights after 1 epoch(s) identical with the process at 1 and") == 2
    assert "identical with the process at 1 and 1 threads: yes" in out or out.count(": yes") >= 2
