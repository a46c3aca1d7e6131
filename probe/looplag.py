"""Event-loop lag, measured from outside the loop.

A callback is posted with call_soon_threadsafe and timed until the loop runs it. While the
loop is blocked the callback waits, so its age is the lag so far: it grows live, tick after
tick ("blocked for 1.3 s... 1.4 s..."), instead of appearing only once the loop is free, as a
timer on the loop itself would. Every TASKS_EVERY samples the callback also counts the
loop's tasks, which only the loop's own thread may do safely: counting walks every task
(about 3000 during a burst of 1000 requests, 1.5 to 2.5 ms of the loop's time), so it is not
done every 100 ms.
"""

from __future__ import annotations

import asyncio
import time

TASKS_EVERY = 5


class LoopLag:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._posted_at: float | None = None
        self._worst_s = 0.0
        self._tasks: int | None = None
        self._samples = 0

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Measure this loop from now on (the worker's one loop, seen on its first request)."""
        if loop is not self.loop:
            self.loop = loop
            self._posted_at = None

    def _ran(self, posted_at: float, count_tasks: bool) -> None:
        self._worst_s = max(self._worst_s, time.monotonic() - posted_at)
        if count_tasks:
            self._tasks = len(asyncio.all_tasks())
        self._posted_at = None

    def sample(self) -> tuple[float | None, int | None]:
        """The worst lag in ms since the last sample (None: no loop), and the loop's tasks."""
        loop = self.loop
        if loop is None:
            return None, None
        now = time.monotonic()
        posted_at = self._posted_at
        if posted_at is not None:
            # Still waiting for the loop: it has been held at least this long.
            worst_s = max(self._worst_s, now - posted_at)
        else:
            worst_s = self._worst_s
            try:
                self._posted_at = now
                count_tasks = self._samples % TASKS_EVERY == 0
                self._samples += 1
                loop.call_soon_threadsafe(self._ran, now, count_tasks)
            except RuntimeError:  # the loop was closed: the server is stopping
                self.loop = None
                return None, None
        self._worst_s = 0.0
        return round(worst_s * 1000, 1), self._tasks
