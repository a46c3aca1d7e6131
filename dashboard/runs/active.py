"""A run in progress: what its load generator reported so far, and the peaks seen meanwhile.

Touched only on the dashboard's event loop (the run's follow task, the frame ticker), so it
needs no lock.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from dashboard.models import Run
from dashboard.runs.phases import phases
from dashboard.runs.timing import Timing, duration, percentile

PEAKS = ("in_flight", "in_view", "threads", "cpu_pct")


class ActiveRun:
    def __init__(self, run: Run) -> None:
        self.run = run
        # The instant it fired, on the system-wide monotonic clock: None until its load
        # generator (and its rival's, in a race) said it was ready.
        self.start_at: float | None = None
        self.ended: float | None = None
        self.in_flight = 0
        self.in_flight_peak = 0  # since the last frame
        # Timings of the requests completed since the last frame.
        self.recent: list[Timing] = []
        self.error_kinds: Counter[str] = Counter()
        # loop_lag_ms stays None on servers without an event loop (WSGI).
        self.peaks: dict[str, float | None] = {**dict.fromkeys(PEAKS, 0), "loop_lag_ms": None}

    @property
    def key(self) -> str:
        """Its series on the page and in frames: scenario@server, one run of each at a time."""
        return f"{self.run.scenario}@{self.run.server}"

    def elapsed_s(self) -> float:
        if self.start_at is None:
            return 0.0
        return round(max(0.0, (self.ended or time.monotonic()) - self.start_at), 3)

    def fold(self) -> None:
        """Copy what is counted here onto the run, for saving or showing it."""
        self.run.errors = sum(self.error_kinds.values())
        self.run.error_kinds = dict(self.error_kinds)
        self.run.peaks = dict(self.peaks)

    def summary(self) -> dict[str, Any]:
        self.fold()
        return {**self.run.as_dict(with_timings=False), "elapsed_s": self.elapsed_s()}

    def progress(self) -> dict[str, Any]:
        return {
            "id": self.run.pk,
            "key": self.key,
            "done": self.run.done,
            "errors": sum(self.error_kinds.values()),
            "elapsed_s": self.elapsed_s(),
        }

    def take(self, line: dict[str, Any]) -> None:
        """One line of the load generator's: requests sent, timings of those answered."""
        self.in_flight += line.get("sent", 0)
        self.in_flight_peak = max(self.in_flight_peak, self.in_flight)
        self.peaks["in_flight"] = max(self.peaks["in_flight"] or 0, self.in_flight)
        done = line.get("done", [])
        for timing in done:
            if timing[4] is not None:
                self.error_kinds[timing[4]] += 1
        self.run.timings.extend(done)
        self.recent.extend(done)
        self.run.done += len(done)
        self.in_flight -= len(done)

    def take_in_flight_peak(self) -> int:
        peak, self.in_flight_peak = self.in_flight_peak, self.in_flight
        return peak

    def take_recent(self) -> list[Timing]:
        recent, self.recent = self.recent, []
        return recent

    def observe(self, in_view: int, processes: list[dict[str, Any]] | None, tick_s: float) -> None:
        """Fold one frame's view of the run's server into the run's peaks.

        processes is None when no probe of the server reported: telemetry missing.
        """
        peaks = self.peaks
        peaks["in_view"] = max(peaks["in_view"] or 0, in_view)
        if processes is None:
            self.run.telemetry_missing_s = round(self.run.telemetry_missing_s + tick_s, 3)
            return
        peaks["threads"] = max(peaks["threads"] or 0, sum(p["threads"] for p in processes))
        cpu_pct = round(sum(p["cpu_pct"] for p in processes), 1)
        peaks["cpu_pct"] = max(peaks["cpu_pct"] or 0, cpu_pct)
        lags = [p["loop_lag_ms"] for p in processes if p["loop_lag_ms"] is not None]
        if lags:
            peaks["loop_lag_ms"] = max(peaks["loop_lag_ms"] or 0.0, *lags)

    def conclude(self, status: str, wall_s: float | None) -> None:
        self.ended = time.monotonic()
        self.in_flight = 0
        durations = sorted(duration(t) for t in self.run.timings)
        self.run.status = status
        self.run.wall_s = wall_s
        self.run.p50_s = percentile(durations, 0.50)
        self.run.p95_s = percentile(durations, 0.95)
        self.run.p99_s = percentile(durations, 0.99)
        self.run.max_s = durations[-1] if durations else None
        self.run.phases = phases(self.run.timings, self.run.spans)
        self.fold()
