"""What the server measures about itself, and the sampler that turns it into frames.

Counters are only touched on the event loop thread (the in-view middleware runs there under
ASGI, the run manager reads the load generator there), so they need no lock. Each counter
also keeps its peak since the last frame: a frame reports the most that happened in its
100 ms, so a burst shorter than a frame, or one during which the loop could not sample
(a blocked loop), still shows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from asyncviews import background
from asyncviews.scenarios import SCENARIOS

if TYPE_CHECKING:
    from dashboard.broadcast import Broadcaster
    from dashboard.runs import RunManager

logger = logging.getLogger(__name__)

TICK_S = 0.1
RUN_PROGRESS_EVERY_TICKS = 5


class PeakCounter:
    """Counts per scenario, with the maximum each reached since the last read_peaks()."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.now = dict.fromkeys(keys, 0)
        self.peak = dict(self.now)

    def add(self, key: str, delta: int) -> None:
        value = self.now[key] + delta
        self.now[key] = value
        if value > self.peak[key]:
            self.peak[key] = value

    def read_peaks(self) -> dict[str, int]:
        peaks = self.peak
        self.peak = dict(self.now)
        return peaks


in_view = PeakCounter(SCENARIOS)
in_flight = PeakCounter(SCENARIOS)


class Sampler:
    """Every TICK_S: measure loop lag, build one frame, encode it once, hand it on."""

    def __init__(self, runs: RunManager, broadcaster: Broadcaster) -> None:
        self.runs = runs
        self.broadcaster = broadcaster
        self.ticks = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        due = started + TICK_S
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            now = loop.time()
            # How late the timer fired: time the loop spent on something else.
            lag_ms = max(0.0, (now - due) * 1000)
            self.tick(now - started, lag_ms)
            # Ticks keep to a fixed schedule; ones missed while the loop was blocked are
            # not made up in a burst.
            due = due + TICK_S if due + TICK_S > now else now + TICK_S

    def tick(self, t: float, loop_lag_ms: float) -> None:
        self.ticks += 1
        frame: dict[str, Any] = {
            "t": round(t, 3),
            "in_flight": in_flight.read_peaks(),
            "in_view": in_view.read_peaks(),
            "threads": threading.active_count(),
            "loop_lag_ms": round(loop_lag_ms, 1),
            "background": background.running(),
            "runs": self.runs.progress(),
            "durations": self.runs.take_durations(),
        }
        self.runs.observe(frame)
        self.broadcaster.publish_frame(json.dumps(frame, separators=(",", ":")))
        if self.ticks % RUN_PROGRESS_EVERY_TICKS == 0:
            for run in self.runs.active_summaries():
                self.broadcaster.publish_run(run)
