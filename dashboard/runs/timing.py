"""A request's timing: one shape from the load generator to the page.

[index, sent_s, answered_s, http_status, error_kind]: the request's index in its run (its
X-Request-Id is "<run id>.<index>"), when it was sent and when its answer (or failure) came,
in seconds after the run fired, the HTTP status (0: no answer), and what went wrong (None
when nothing did). The load generator writes it, the run stores it, frames carry it, the page
draws it and the exports write it.
"""

from __future__ import annotations

import math
from typing import Any

Timing = list[Any]

INDEX, SENT, ANSWERED, STATUS, KIND = range(5)


def duration(timing: Timing) -> float:
    return float(timing[ANSWERED] - timing[SENT])


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]
