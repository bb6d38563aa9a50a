"""Pooling runs into one load test: the bench's prune row compares pooled p99s."""

from __future__ import annotations

from bench.load import Measure, pooled_percentile


def _run(requests: int, tail: list[list[float]]) -> Measure:
    return Measure(requests, 10.0, requests / 10, 0.0, 0.0, 0, {"tail": tail})


def test_one_run_pooled_is_itself() -> None:
    run = _run(1000, [[50, 1000], [99, 5000], [100, 9000]])
    assert abs(pooled_percentile([run], 99) - 5.0) < 0.001
    assert abs(pooled_percentile([run], 50) - 1.0) < 0.001


def test_a_slow_run_weighs_by_its_requests() -> None:
    fast = _run(9900, [[50, 1000], [99, 2000], [100, 2000]])
    slow = _run(100, [[50, 50_000], [99, 60_000], [100, 60_000]])
    # 1% of all requests are the slow run's, all slower than every fast one: the pooled p99
    # sits at the top of the fast run, well below the slow run's own p99.
    pooled = pooled_percentile([fast, slow], 99)
    assert 1.9 < pooled < 2.1
    # A larger share of slow requests moves the pooled p99 into the slow run's range.
    heavier = _run(1000, [[50, 50_000], [99, 60_000], [100, 60_000]])
    assert pooled_percentile([fast, heavier], 99) > 40


def test_runs_without_requests_are_left_out() -> None:
    assert pooled_percentile([], 99) == 0.0
    assert pooled_percentile([_run(0, [[100, 5]])], 99) == 0.0
