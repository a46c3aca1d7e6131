"""The collector: folds the probes' messages from Redis into what the next frame shows.

Each worker process of each subject publishes one message per 100 ms (probe/sampler.py). The
collector keeps, per server and process, the latest figures and the peaks of views executing
since the last frame was taken, and hands each message's spans on as they arrive.

Design choices:
- It only subscribes: nothing here can slow a subject down or reach into it.
- Redis going away is a state, not an error: `connected` turns false (the page says that
  server telemetry is missing), and the collector reconnects every RETRY_S until it is back.
  Runs do not depend on it: their timings come from the load generator.
- A process silent for STALE_S is dropped: a stopped worker must not count as a live one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from probe.protocol import CHANNEL

logger = logging.getLogger(__name__)

RETRY_S = 0.5
STALE_S = 1.0
READ_TIMEOUT_S = 1.0

Spans = Callable[[str, int, list[list[Any]]], None]


# What a probe's message holds, and of which types (probe/sampler.py writes it).
FIELDS: dict[str, tuple[type, ...]] = {
    "server": (str,),
    "pid": (int,),
    "in_view": (dict,),
    "threads": (int,),
    "cpu_pct": (int, float),
    "rss_bytes": (int,),
    "loop_lag_ms": (int, float, type(None)),
    "tasks": (int, type(None)),
    "spans": (list,),
    "spans_dropped": (int,),
}


def probe_message(message: Any) -> dict[str, Any]:
    """message, if it is a probe's; ValueError naming what is wrong otherwise."""
    if not isinstance(message, dict):
        raise ValueError(f"not an object: {type(message).__name__}")
    for name, types in FIELDS.items():
        if not isinstance(message.get(name), types):
            raise ValueError(f"{name} is {message.get(name)!r}")
    if not all(isinstance(n, int) for n in message["in_view"].values()):
        raise ValueError("in_view counts are not whole numbers")
    return message


@dataclass
class Process:
    server: str
    pid: int
    first_seen: float
    latest: dict[str, Any] = field(default_factory=dict)
    received_at: float = 0.0
    in_view_peaks: dict[str, int] = field(default_factory=dict)
    lag_worst_ms: float | None = None
    cpu_worst_pct: float = 0.0


class Collector:
    def __init__(self, redis_url: str, on_spans: Spans) -> None:
        self.redis_url = redis_url
        self.on_spans = on_spans
        self.connected = False
        self.processes: dict[tuple[str, int], Process] = {}
        self.malformed = 0

    def probes_seen(self, server: str, since: float) -> int:
        """Processes of server heard from, whose first message came after `since`."""
        now = time.monotonic()
        return sum(
            1
            for p in self.processes.values()
            if p.server == server and p.first_seen >= since and now - p.received_at < STALE_S
        )

    def fold(self, message: dict[str, Any]) -> None:
        now = time.monotonic()
        key = (message["server"], message["pid"])
        process = self.processes.get(key)
        if process is None:
            process = self.processes[key] = Process(message["server"], message["pid"], now)
        process.latest = message
        process.received_at = now
        for label, peak in message["in_view"].items():
            process.in_view_peaks[label] = max(process.in_view_peaks.get(label, 0), peak)
        lag = message["loop_lag_ms"]
        if lag is not None:
            process.lag_worst_ms = max(process.lag_worst_ms or 0.0, lag)
        process.cpu_worst_pct = max(process.cpu_worst_pct, message["cpu_pct"])
        if message["spans"]:
            self.on_spans(message["server"], message["pid"], message["spans"])
        if message["spans_dropped"]:
            # Past the probe's bound in one tick: those requests are missing from the timelines.
            logger.warning(
                "%s pid %d dropped %d spans in one tick",
                message["server"],
                message["pid"],
                message["spans_dropped"],
            )

    def take(self) -> dict[str, list[dict[str, Any]]]:
        """Per server, its live processes: the worst since the last take, and the latest."""
        now = time.monotonic()
        servers: dict[str, list[dict[str, Any]]] = {}
        for key, process in list(self.processes.items()):
            if now - process.received_at > STALE_S:
                del self.processes[key]
                continue
            latest = process.latest
            servers.setdefault(process.server, []).append(
                {
                    "pid": process.pid,
                    "in_view": process.in_view_peaks,
                    "threads": latest["threads"],
                    "cpu_pct": process.cpu_worst_pct,
                    "rss_bytes": latest["rss_bytes"],
                    "loop_lag_ms": process.lag_worst_ms,
                    "tasks": latest["tasks"],
                    "age_ms": round((now - process.received_at) * 1000),
                }
            )
            process.in_view_peaks = {label: n for label, n in latest["in_view"].items() if n}
            process.lag_worst_ms = latest["loop_lag_ms"]
            process.cpu_worst_pct = latest["cpu_pct"]
        for processes in servers.values():
            processes.sort(key=lambda p: p["pid"])
        return servers

    def _take(self, data: bytes) -> None:
        """Fold one message; one that is not a probe's is logged (once) and left out, before
        it touches anything a frame reads (a shared Redis may carry an older probe's)."""
        try:
            self.fold(probe_message(json.loads(data)))
        except (ValueError, KeyError, TypeError) as error:
            if not self.malformed:
                logger.error("telemetry: left out a message that is not a probe's: %r", error)
            self.malformed += 1

    async def run(self) -> None:
        """Subscribe and fold, reconnecting whenever Redis goes away; ends when cancelled."""
        while True:
            client = aioredis.Redis.from_url(self.redis_url, socket_connect_timeout=RETRY_S)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    if not self.connected:
                        logger.info("telemetry: subscribed to the probes on %s", self.redis_url)
                    self.connected = True
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=READ_TIMEOUT_S
                        )
                        if message is not None:
                            self._take(message["data"])
            except (aioredis.RedisError, OSError) as error:
                if self.connected:
                    logger.warning("telemetry: lost Redis (%s); reconnecting", error)
                self.connected = False
            finally:
                await client.aclose()
            await asyncio.sleep(RETRY_S)
