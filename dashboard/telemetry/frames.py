"""The frame ticker: every TICK_S, one frame of what is happening, encoded once, broadcast.

A frame gathers what the load generators report (in flight, the timings of requests just
answered), what the probes report through the collector (in view, and per server its worker
processes: threads, CPU, memory, loop lag) and the state of the servers. The dashboard's own
loop runs no measured view, so frames keep coming while a subject's loop is blocked: the
probes' sampler threads report that block as it grows.

Frame keys: "t" (seconds since the dashboard started), "telemetry" (false while Redis is
gone), "in_flight" and "in_view" per "scenario@server", "servers" (slug -> state and
processes), "runs" (progress of those in progress), "timings" (run id -> timings of requests
answered since the last frame).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from dashboard.runs.manager import RunManager
from dashboard.servers.pool import ServerPool
from dashboard.telemetry.collector import Collector

logger = logging.getLogger(__name__)

TICK_S = 0.1
RUN_SUMMARY_EVERY_TICKS = 5


def in_view_by_key(servers: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Views executing per scenario@server, summed over the server's processes."""
    totals: dict[str, int] = {}
    for server, processes in servers.items():
        for process in processes:
            for label, n in process["in_view"].items():
                key = f"{label}@{server}"
                totals[key] = totals.get(key, 0) + n
    return totals


class Ticker:
    def __init__(
        self,
        runs: RunManager,
        collector: Collector,
        pool: ServerPool,
        publish_frame: Callable[[str, str], None],
        publish_run: Callable[[dict[str, Any]], None],
    ) -> None:
        self.runs = runs
        self.collector = collector
        self.pool = pool
        self.publish_frame = publish_frame
        self.publish_run = publish_run
        self.ticks = 0
        self.failed: set[type[Exception]] = set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        due = started + TICK_S
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            now = loop.time()
            self.tick(now - started)
            # Ticks keep to a fixed schedule; ones missed while the loop was busy are not
            # made up in a burst.
            due = due + TICK_S if due + TICK_S > now else now + TICK_S

    def frame(self, t: float) -> dict[str, Any]:
        processes = self.collector.take()
        servers = {
            slug: {**state, "processes": processes.get(slug, [])}
            for slug, state in self.pool.states.items()
        }
        return {
            "t": round(t, 3),
            "telemetry": self.collector.connected,
            "in_flight": self.runs.take_in_flight(),
            "in_view": in_view_by_key(processes),
            "servers": servers,
            "runs": self.runs.progress(),
            "timings": self.runs.take_recent(),
        }

    def tick(self, t: float) -> None:
        try:
            self._tick(t)
        except Exception as error:
            # One bad frame must not end the stream for the rest of the talk.
            if type(error) not in self.failed:
                self.failed.add(type(error))
                logger.exception("a frame could not be made (logged once per kind)")

    def _tick(self, t: float) -> None:
        self.ticks += 1
        frame = self.frame(t)
        self.runs.observe(frame, TICK_S)
        light = {key: value for key, value in frame.items() if key != "servers"}
        self.publish_frame(
            json.dumps(frame, separators=(",", ":")), json.dumps(light, separators=(",", ":"))
        )
        if self.ticks % RUN_SUMMARY_EVERY_TICKS == 0:
            for summary in self.runs.summaries():
                self.publish_run(summary)
