"""The load generator: n concurrent GETs at one URL, each request's timing streamed back.

It runs as a child process of the server (`python -m dashboard.loadgen URL N DEADLINE_S`),
so its clock keeps honest time while the server's event loop is blocked, and its own work
never competes with the views for that loop. aiohttp was chosen by measuring (bench/):
httpx.AsyncClient with one pool took 7.0 s for 500 concurrent 1 s requests that `hey`
finished in 1.8 s and aiohttp in 1.7 s.

Protocol on stdout, one JSON object a line, written at most every BATCH_S:
    {"sent": <requests started since the last line>,
     "done": [[start_s, end_s, http_status, error_kind or null], ...]}
and last {"wall_s": <first start to last end>}. Times are seconds since the first request
started; http_status is 0 when no answer came (error_kind says why). Requests still open
at the deadline are cancelled and reported with error_kind "run time limit".
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp

BATCH_S = 0.05
# Set by the in-view middleware on the 500 of a scenario view that raised: the exception's
# class, so errors are counted by what went wrong, not only by status.
ERROR_KIND_HEADER = "X-Error-Kind"


class Batches:
    """Collects results and writes them in batches, so a big run is a few hundred lines."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.sent = 0
        self.done: list[list[Any]] = []
        self.last_end = 0.0

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def record(self, start: float, status: int, kind: str | None) -> None:
        self.last_end = self.now()
        self.done.append([start, self.last_end, status, kind])

    def flush(self) -> None:
        if self.sent or self.done:
            line = json.dumps({"sent": self.sent, "done": self.done}, separators=(",", ":"))
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            self.sent = 0
            self.done = []


def error_kind(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "timeout"
    if isinstance(error, aiohttp.ClientConnectorError):
        return "connection refused"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "disconnected"
    return type(error).__name__


async def request(session: aiohttp.ClientSession, url: str, batches: Batches) -> None:
    start = batches.now()
    batches.sent += 1
    try:
        async with session.get(url) as response:
            await response.read()
        kind = None
        if response.status >= 400:
            raised = response.headers.get(ERROR_KIND_HEADER)
            kind = f"http {response.status}" + (f" {raised}" if raised else "")
        batches.record(start, response.status, kind)
    except asyncio.CancelledError:
        batches.record(start, 0, "run time limit")
        raise
    except (TimeoutError, aiohttp.ClientError) as error:
        batches.record(start, 0, error_kind(error))


async def fire(url: str, n: int, deadline_s: float) -> None:
    batches = Batches()

    async def flush_regularly() -> None:
        while True:
            await asyncio.sleep(BATCH_S)
            batches.flush()

    flusher = asyncio.create_task(flush_regularly())
    # No connection limit and no keep-alive: n requests means n connections at once,
    # as n separate browsers would open.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [asyncio.create_task(request(session, url, batches)) for _ in range(n)]
        await asyncio.wait(tasks, timeout=deadline_s)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    flusher.cancel()
    batches.flush()
    sys.stdout.write(json.dumps({"wall_s": batches.last_end}) + "\n")
    sys.stdout.flush()


def main() -> None:
    url, n, deadline_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    asyncio.run(fire(url, n, deadline_s))


if __name__ == "__main__":
    main()
