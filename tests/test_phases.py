"""Where requests spent their time: the load generator's timings joined with the probe's spans."""

from __future__ import annotations

from typing import Any

from dashboard.runs.phases import phases


def test_a_staircase_waits_longer_for_each_request_and_spends_the_delay_in_view() -> None:
    # Five requests sent together at 0; each view starts when the one before it left.
    timings = [[i, 0.0, 0.2 * (i + 1) + 0.01, 200, None] for i in range(5)]
    spans = [[i, 0.2 * i, 0.2 * (i + 1), 41, 41] for i in range(5)]

    result = phases(timings, spans)

    assert result["waiting_s"] == {"p50": 0.4, "p95": 0.8, "max": 0.8}
    assert result["in_view_s"] == {"p50": 0.2, "p95": 0.2, "max": 0.2}
    assert (result["reached_view"], result["processes"], result["threads"]) == (5, 1, 1)


def test_requests_that_never_reached_a_view_count_in_neither() -> None:
    timings: list[list[Any]] = [[0, 0.0, 1.0, 200, None], [1, 0.0, 0.1, 0, "connection refused"]]
    spans = [[0, 0.1, 0.9, 7, 8], [9, 0.0, 0.5, 7, 9]]

    result = phases(timings, spans)

    assert result["reached_view"] == 1
    assert result["waiting_s"] == {"p50": 0.1, "p95": 0.1, "max": 0.1}
    assert (result["processes"], result["threads"]) == (1, 2)


def test_no_spans_no_figures() -> None:
    assert phases([[0, 0.0, 1.0, 200, None]], []) == {
        "waiting_s": None,
        "in_view_s": None,
        "reached_view": 0,
        "processes": 0,
        "threads": 0,
    }
