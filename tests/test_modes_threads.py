"""`no_grad()` and `detect_anomaly()` hold for the thread (or asyncio task) that entered them, as in PyTorch.

Each test forces one interleaving with events, so it fails deterministically if a mode leaks across threads.
"""

import asyncio
import math
import threading

import numpy as np

from tinygrad_edu import Tensor, Value, detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad


def _run_in_thread(fn):
    """Start `fn` in a thread; return (thread, box) where box holds its result or exception."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as e:  # handed back to the test, which re-raises it
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    return t, box


def _join(t, box):
    t.join(timeout=30)
    assert not t.is_alive(), "thread did not finish"
    if "error" in box:
        raise box["error"]
    return box.get("result")


def test_forward_in_one_thread_records_while_another_is_in_no_grad():
    inside, done = threading.Event(), threading.Event()

    def a():
        with no_grad():
            inside.set()
            assert done.wait(30)
            return is_grad_enabled()

    ta, box_a = _run_in_thread(a)
    assert inside.wait(30)
    w = Tensor([[0.5, -1.0]], requires_grad=True)
    x = Tensor([[2.0], [3.0]])
    loss = (w @ x).tanh().sum()  # this thread's graph is recorded although thread A is inside no_grad()
    loss.backward()
    done.set()
    assert _join(ta, box_a) is False
    expected = (1 - math.tanh(-2.0) ** 2) * np.array([[2.0, 3.0]])
    np.testing.assert_allclose(w.grad, expected, rtol=1e-6)


def test_interleaved_enter_and_exit_leave_recording_on_everywhere():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with no_grad():
            a_in.set()
            assert b_in.wait(30)
        a_out.set()  # A leaves first, although B entered after it
        return is_grad_enabled()

    def b():
        assert a_in.wait(30)
        with no_grad():
            b_in.set()
            assert a_out.wait(30)
            inside = is_grad_enabled()
        return inside, is_grad_enabled()

    ta, box_a = _run_in_thread(a)
    tb, box_b = _run_in_thread(b)
    assert _join(ta, box_a) is True
    assert _join(tb, box_b) == (False, True)
    assert is_grad_enabled()
    assert Value(1.0) * 2.0 is not None and (Value(1.0) * 2.0).requires_grad


def test_anomaly_mode_of_one_thread_does_not_reach_another():
    inside, done = threading.Event(), threading.Event()

    def a():
        with detect_anomaly():
            inside.set()
            assert done.wait(30)
            return is_anomaly_enabled()

    ta, box_a = _run_in_thread(a)
    assert inside.wait(30)
    try:
        assert not is_anomaly_enabled()
        assert math.isnan(Value(-1.0).log().data)  # no AnomalyError here: this thread is not in anomaly mode
        assert np.isnan(Tensor([-1.0]).log().data).all()
    finally:
        done.set()
    assert _join(ta, box_a) is True


def test_new_threads_start_with_recording_on_even_when_started_inside_no_grad():
    with no_grad():
        t, box = _run_in_thread(lambda: (is_grad_enabled(), (Value(2.0) * 3.0).requires_grad))
        assert _join(t, box) == (True, True)


def test_asyncio_tasks_keep_their_own_mode():
    async def quiet(started: asyncio.Event, release: asyncio.Event) -> bool:
        with no_grad():
            started.set()
            await release.wait()
            return is_grad_enabled()

    async def loud(started: asyncio.Event, release: asyncio.Event) -> bool:
        await started.wait()
        recorded = (Value(2.0) * Value(3.0)).requires_grad  # runs while the other task sits inside no_grad()
        release.set()
        return recorded

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(quiet(started, release), loud(started, release))

    assert asyncio.run(main()) == [False, True]
    assert is_grad_enabled()
