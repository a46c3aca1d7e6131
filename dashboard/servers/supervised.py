"""A child the dashboard keeps running: started, awaited until it answers, started again
whenever it exits, and stopped with the dashboard.

For the helpers of the measured servers, Redis and the mock upstream: a presenter who kills
one by mistake, or the kernel's OOM killer, costs the runs of that moment their telemetry or
their upstream calls (counted as errors by kind), not the rest of the talk.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from dashboard.servers import children
from dashboard.servers.ports import log_size

logger = logging.getLogger(__name__)

RETRY_S = 1.0

# Waits until the started process answers; since: the log's size before it started.
Ready = Callable[[asyncio.subprocess.Process, int], Awaitable[None]]


class Supervised:
    def __init__(
        self, name: str, argv: Sequence[str], *, log: Path, ready: Ready, cwd: Path | None = None
    ) -> None:
        self.name = name
        self.argv = argv
        self.log = log
        self.ready = ready
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start it and wait until it answers; StartFailed if it does not."""
        since = log_size(self.log)
        self.process = await children.spawn(self.argv, log=self.log, cwd=self.cwd)
        try:
            await self.ready(self.process, since)
        except BaseException:
            await children.stop(self.process)
            raise

    async def supervise(self) -> None:
        """Start it again each time it exits, until cancelled."""
        while True:
            assert self.process is not None
            returncode = await self.process.wait()
            logger.warning("%s exited with %s; starting it again", self.name, returncode)
            try:
                await self.start()
            except Exception:
                logger.exception("%s did not start again; next try in %g s", self.name, RETRY_S)
                await asyncio.sleep(RETRY_S)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start it (unless started already), keep it running, and stop it at the end."""
        if self.process is None:
            await self.start()
        supervisor = asyncio.create_task(self.supervise(), name=f"{self.name} supervisor")
        try:
            yield
        finally:
            supervisor.cancel()
            await asyncio.gather(supervisor, return_exceptions=True)
            if self.process is not None:
                await children.stop(self.process, signal.SIGTERM)
