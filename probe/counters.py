"""What the probe records on the request path: views executing now, and one span per request.

Touched from whichever thread runs the view (the event loop's under ASGI, a worker thread
under WSGI), so every change takes one lock; the sampler thread takes the peaks and spans
under the same lock once a tick. An uncontended lock costs well under a microsecond.
"""

from __future__ import annotations

import threading
import time

# A span: [request id, view entered, view left, thread id], on the system-wide monotonic clock
# that the load generator shares, so the dashboard can join both sides by request id.
Span = tuple[str, float, float, int]

# Spans kept between two ticks at most; the rest are counted as dropped, never held unbounded.
MAX_SPANS = 20_000


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now: dict[str, int] = {}
        self._peak: dict[str, int] = {}
        self._spans: list[Span] = []
        self._dropped = 0

    def enter(self, label: str) -> float:
        """Count a view entered now; answers the instant, for leave()."""
        with self._lock:
            value = self._now.get(label, 0) + 1
            self._now[label] = value
            if value > self._peak.get(label, 0):
                self._peak[label] = value
        return time.monotonic()

    def leave(self, label: str, request_id: str | None, entered: float) -> None:
        left = time.monotonic()
        with self._lock:
            self._now[label] -= 1
            if request_id is None:
                return
            if len(self._spans) < MAX_SPANS:
                self._spans.append((request_id, entered, left, threading.get_native_id()))
            else:
                self._dropped += 1

    def take(self) -> tuple[dict[str, int], list[Span], int]:
        """The peaks since the last take (labels seen in that time), the spans, the dropped."""
        with self._lock:
            peaks = self._peak
            self._peak = {label: n for label, n in self._now.items() if n}
            spans, self._spans = self._spans, []
            dropped, self._dropped = self._dropped, 0
        return peaks, spans, dropped
