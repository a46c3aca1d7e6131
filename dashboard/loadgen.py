"""The load generator: n concurrent GETs at one URL, each request's timing streamed back.

It runs as a child process of the server
(`python -m dashboard.loadgen URL N DEADLINE_S START_AT`), so its clock keeps honest time
while the server's event loop is blocked, and its own work never competes with the views
for that loop. It fires at START_AT, an instant on the system-wide monotonic clock that the
server chose: the server knows when the run starts on its own clock, and the two load
generators of a race fire at the same instant, whatever their start-up took. aiohttp was
chosen by measuring (bench/): httpx.AsyncClient with one pool took 7.0 s for 500 concurrent
1 s requests that `hey` finished in 1.8 s and aiohttp in 1.7 s.

Protocol on stdout, one JSON object a line, written at most every BATCH_S:
    {"sent": <requests started since the last line>,
     "done": [[start_s, end_s, http_status, error_kind or null], ...]}
and last {"wall_s": <first start to last end>}. Times are seconds since START_AT;
http_status is 0 when no answer came (error_kind says why). Requests still open
at the deadline are cancelled and reported with error_kind "run time limit".
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import aiohttp

BATCH_S = 0.05
OPEN_FILES = 65536
# Set by the in-view middleware on the 500 of a scenario view that raised: the exception's
# class, so errors are counted by what went wrong, not only by status.
ERROR_KIND_HEADER = "X-Error-Kind"


def raise_open_file_limit() -> None:
    """Every request is a connection, a file descriptor: 1024, a common default, is too few."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Batches:
    """Collects results and writes them in batches, so a big run is a few hundred lines."""

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.sent = 0
        self.done: list[list[Any]] = []
        self.first_start: float | None = None
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
    if batches.first_start is None:
        batches.first_start = start
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


async def fire(url: str, n: int, deadline_s: float, start_at: float) -> None:
    batches = Batches(start_at)

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
        await asyncio.sleep(start_at - time.monotonic())
        tasks = [asyncio.create_task(request(session, url, batches)) for _ in range(n)]
        await asyncio.wait(tasks, timeout=deadline_s)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    flusher.cancel()
    batches.flush()
    wall_s = batches.last_end - (batches.first_start or 0.0)
    sys.stdout.write(json.dumps({"wall_s": round(wall_s, 6)}) + "\n")
    sys.stdout.flush()


def main() -> None:
    url, n, deadline_s, start_at = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:5])
    raise_open_file_limit()
    asyncio.run(fire(url, n, deadline_s, start_at))


if __name__ == "__main__":
    main()
