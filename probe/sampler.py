"""The probe's sampler: one thread per worker process, publishing every TICK_S.

Design choices:
- A thread, not a task on the event loop: a blocked loop must not silence its own
  measurement, and WSGI workers have no loop at all.
- One message per tick per process, whatever the load: peaks of views executing, the
  spans since the last message, threads, CPU, memory and loop lag. The request path only
  ever touches counters.py.
- Redis going away costs the messages of that time, nothing else: a publish that fails is
  dropped (logged once per outage), and redis-py reconnects on the next one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time

import redis

from probe import proc
from probe.counters import Counters
from probe.looplag import LoopLag
from probe.protocol import CHANNEL

logger = logging.getLogger(__name__)

TICK_S = 0.1
REDIS_TIMEOUT_S = 0.5


class Sampler:
    def __init__(self, counters: Counters, lag: LoopLag, *, server: str, redis_url: str) -> None:
        self.counters = counters
        self.lag = lag
        self.server = server
        self.redis = redis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="asyncviews-probe", daemon=True)
        self._outage = False

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        pid = os.getpid()
        cpu_before, at_before = proc.cpu_s(), time.monotonic()
        due = at_before + TICK_S
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            now = time.monotonic()
            # A fixed schedule; ticks missed while this process was starved are not made up.
            due = due + TICK_S if due + TICK_S > now else now + TICK_S
            cpu = proc.cpu_s()
            in_view, spans, dropped = self.counters.take()
            loop_lag_ms, tasks = self.lag.sample()
            message = {
                "server": self.server,
                "pid": pid,
                "in_view": in_view,
                "threads": proc.threads(),
                # Never below 0: a child that exits between two reads can take a tick's share.
                "cpu_pct": max(
                    0.0, round(100 * (cpu - cpu_before) / max(now - at_before, 1e-6), 1)
                ),
                "rss_bytes": proc.rss_bytes(),
                "loop_lag_ms": loop_lag_ms,
                "tasks": tasks,
                "spans": spans,
                "spans_dropped": dropped,
            }
            cpu_before, at_before = cpu, now
            self._publish(json.dumps(message, separators=(",", ":")))

    def _publish(self, data: str) -> None:
        try:
            self.redis.publish(CHANNEL, data)
        except redis.RedisError as error:
            if not self._outage:
                logger.warning(
                    "probe: Redis unreachable, telemetry dropped until it is back: %s", error
                )
            self._outage = True
            return
        if self._outage:
            logger.warning("probe: Redis is back, telemetry flows again")
        self._outage = False
