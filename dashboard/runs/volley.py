"""The load generators of one launch fire together: at one instant, once all are ready.

A race's two generators start as separate processes, whose start-up takes what it takes on a
busy machine. Each says when it is ready; when the last one has, the instant is chosen a
little ahead (MARGIN_S, time for the dashboard to tell them all) and every generator sleeps
until exactly that instant on the system-wide monotonic clock.
"""

from __future__ import annotations

import asyncio
import time

MARGIN_S = 0.1


class Volley:
    def __init__(self, size: int) -> None:
        self.waiting = size
        self.instant: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def ready(self) -> float:
        """Count one generator ready; the instant to fire at, once all of them are."""
        self.waiting -= 1
        if self.waiting == 0 and not self.instant.done():
            self.instant.set_result(time.monotonic() + MARGIN_S)
        return await asyncio.shield(self.instant)

    def fail(self, error: BaseException) -> None:
        """One generator will never be ready: the others stop waiting, with its error."""
        if not self.instant.done():
            self.instant.set_exception(error)
            self.instant.exception()  # retrieved here: with no one else waiting, no warning
