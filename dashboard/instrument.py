"""The instrument: the dashboard's long-lived parts, built in its lifespan, stopped in order.

Startup: the Redis bus, the collector subscribed to it, the mock upstream, the run manager
(which marks runs a crash left running), the default subject (uvicorn), ready before the first
click, and last the frame ticker. Shutdown goes the other way round: runs are stopped and saved
first, while the database is there, then the ticker, the subjects and the upstream together,
the collector and Redis. Ctrl-C (stop_soon) interrupts the runs, ends the event streams and
starts stopping the subjects at once, while uvicorn still closes the dashboard's connections:
it must return within two seconds, and a subject mid-request takes most of them. Nothing is
built at import time; Django views reach the parts through current().
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from dashboard.runs.manager import RunManager
from dashboard.servers.bus import redis_bus
from dashboard.servers.pool import ServerPool
from dashboard.servers.ports import StartFailed
from dashboard.servers.registry import DEFAULT_SERVER, SERVERS
from dashboard.servers.upstream import mock_upstream
from dashboard.telemetry.broadcast import Broadcaster
from dashboard.telemetry.collector import Collector
from dashboard.telemetry.frames import Ticker
from dashboard.web.attempts import Attempts

logger = logging.getLogger(__name__)


@dataclass
class Instrument:
    broadcaster: Broadcaster
    runs: RunManager
    pool: ServerPool
    collector: Collector
    attempts: Attempts = field(default_factory=Attempts)

    def stop_soon(self) -> None:
        """Ctrl-C: stop the runs, the event streams and the subjects now; the lifespan's
        shutdown then waits for each."""
        self.runs.interrupt_all()
        self.broadcaster.close()
        self.pool.begin_stop_all()


_current: Instrument | None = None


def current() -> Instrument:
    if _current is None:
        raise RuntimeError("the instrument is started by the dashboard's ASGI lifespan")
    return _current


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("%s stopped", task.get_name(), exc_info=error)


@contextlib.asynccontextmanager
async def _task(coro: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """Run coro as a task for the life of the block, then cancel it and wait for it."""
    task = asyncio.create_task(coro, name=name)
    task.add_done_callback(_log_end)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[Instrument]:
    global _current
    data_dir = settings.DATA_DIR
    broadcaster = Broadcaster()

    def announce(name: str) -> Any:
        return lambda data: broadcaster.publish_event(name, json.dumps(data))

    async with contextlib.AsyncExitStack() as stack:
        redis_url = await stack.enter_async_context(redis_bus(settings.REDIS_URL, data_dir))
        runs = RunManager(announce("run"))
        collector = Collector(redis_url, on_spans=runs.take_spans)
        await stack.enter_async_context(_task(collector.run(), "telemetry collector"))
        # Stopped together with the subjects, not after them (see stop_servers below).
        upstream = contextlib.AsyncExitStack()
        stack.push_async_callback(upstream.aclose)
        upstream_url = await upstream.enter_async_context(
            mock_upstream(settings.UPSTREAM_URL, data_dir)
        )
        pool = ServerPool(
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "asyncviews.settings",
                "ASYNCVIEWS_REDIS_URL": redis_url,
                "ASYNCVIEWS_UPSTREAM_URL": upstream_url,
                "PYTHONUNBUFFERED": "1",
            },
            data_dir=data_dir,
            announce=announce("server"),
            probes_seen=collector.probes_seen if settings.TELEMETRY else None,
        )

        async def stop_servers() -> None:
            # At once: Ctrl-C must return within two seconds, and a subject whose sync views
            # still sleep takes its whole grace period to go.
            await asyncio.gather(pool.stop_all(), upstream.aclose())

        stack.push_async_callback(stop_servers)
        await runs.recover()
        try:
            await pool.ensure(SERVERS[DEFAULT_SERVER].default())
        except StartFailed:
            # Announced with why; the page and every launch on it say so, the rest works.
            logger.exception("the default subject did not start")
        ticker = Ticker(runs, collector, pool, broadcaster.publish_frame, announce("run"))
        await stack.enter_async_context(_task(ticker.run(), "frame ticker"))
        stack.push_async_callback(runs.shutdown)
        _current = Instrument(broadcaster, runs, pool, collector)
        try:
            yield _current
        finally:
            _current = None
