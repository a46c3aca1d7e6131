"""The instrument's parts that live as long as the server, and their lifespan.

One broadcaster, one run manager and one sampler per server process. The lifespan starts
the sampler after marking crashed runs, and on shutdown stops the runs first (so they are
saved while the database is still there), then the sampler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from django.conf import settings

from dashboard.broadcast import Broadcaster
from dashboard.runs import RunManager
from dashboard.telemetry import Sampler

logger = logging.getLogger(__name__)

broadcaster = Broadcaster()
runs = RunManager(broadcaster)


def _log_sampler_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the telemetry sampler stopped", exc_info=task.exception())


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    await runs.recover()
    sampler: asyncio.Task[None] | None = None
    if settings.TELEMETRY:
        sampler = asyncio.create_task(Sampler(runs, broadcaster).run(), name="telemetry sampler")
        sampler.add_done_callback(_log_sampler_end)
    try:
        yield
    finally:
        await runs.shutdown()
        if sampler is not None:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
