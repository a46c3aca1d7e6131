"""Where a run's requests spent their time: the load generator's and the probe's sides joined.

A request's timing (dashboard/runs/timing.py) says when it was sent and answered; its span,
from the probe, when its view was entered and left, by which process and thread. Joined by
the request's index: waiting is sent to entered (for a worker, a thread, or a blocked loop),
in view is entered to left. Requests that never reached a view have no span and count in
neither.
"""

from __future__ import annotations

from typing import Any

from dashboard.runs.timing import INDEX, SENT, Timing, percentile

Span = list[Any]
ENTERED, LEFT, PID, THREAD = 1, 2, 3, 4


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    values.sort()
    return {
        "p50": round(percentile(values, 0.5) or 0.0, 6),
        "p95": round(percentile(values, 0.95) or 0.0, 6),
        "max": round(values[-1], 6),
    }


def phases(timings: list[Timing], spans: list[Span]) -> dict[str, Any]:
    by_index = {span[INDEX]: span for span in spans}
    waiting, in_view = [], []
    for timing in timings:
        span = by_index.get(timing[INDEX])
        if span is not None:
            waiting.append(max(0.0, span[ENTERED] - timing[SENT]))
            in_view.append(span[LEFT] - span[ENTERED])
    return {
        "waiting_s": _spread(waiting),
        "in_view_s": _spread(in_view),
        "reached_view": len(in_view),
        "processes": len({span[PID] for span in spans}),
        "threads": len({(span[PID], span[THREAD]) for span in spans}),
    }
