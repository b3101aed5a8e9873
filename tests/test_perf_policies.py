"""The library's speed policies leave the interpreter as they found it."""

from __future__ import annotations

import gc

import pytest

from tinygrad_edu import Value
from tinygrad_edu.autograd import GRAPH_GC_THRESHOLD, collector_policy


def test_collector_policy_sets_and_restores_the_users_thresholds_even_on_error():
    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    try:
        with collector_policy():
            assert gc.get_threshold() == GRAPH_GC_THRESHOLD
            x = Value(2.0)
            (x * x).backward()
            assert x.grad == 4.0
        assert gc.get_threshold() == (123, 4, 5)
        with pytest.raises(KeyError):
            with collector_policy((1000, 10, 10)):
                assert gc.get_threshold() == (1000, 10, 10)
                raise KeyError("boom")
        assert gc.get_threshold() == (123, 4, 5)
    finally:
        gc.set_threshold(*before)


def test_backward_restores_the_collector_state():
    x = Value(3.0)
    gc.disable()
    try:
        (x * 2.0).backward()
        assert not gc.isenabled()
    finally:
        gc.enable()
    (x * 2.0).backward()
    assert gc.isenabled()
