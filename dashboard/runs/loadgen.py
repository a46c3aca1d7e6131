"""The load generator: n concurrent GETs at one URL, each request's timing streamed back.

It runs as a child process of the dashboard
(`python -m dashboard.runs.loadgen URL N DEADLINE_S REQUEST_ID_PREFIX`), outside every
measured process, so its clock keeps honest time while a subject's event loop is blocked.
aiohttp was chosen by measuring (bench/): httpx.AsyncClient with one pool took 7.0 s for 500
concurrent 1 s requests that `hey` finished in 1.8 s and aiohttp in 1.7 s.

It fires on a handshake, not after a guessed start-up delay: once loaded it says
{"ready": true}, then reads {"start_at": <instant>} from stdin, an instant on the system-wide
monotonic clock that the dashboard chose once every generator of the run (two, in a race)
was ready. All fire at that instant however long their start-up took.

Every request carries X-Request-Id: <REQUEST_ID_PREFIX>.<index>, which the probe records with
its span of the view, so both sides of a request can be joined. Protocol on stdout, one JSON
object a line, written at most every BATCH_S:
    {"sent": <requests started since the last line>, "done": [timing, ...]}
with a timing [index, sent_s, answered_s, http_status, error_kind or null] (the shape of a
timing everywhere: dashboard/runs/timing.py), and last {"wall_s": <first sent to last
answered>}. Times are seconds since start_at; http_status is 0 when no answer came
(error_kind says why). Requests still open at the deadline are cancelled and reported with
error_kind "run time limit".
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import aiohttp

from probe.protocol import ERROR_KIND_HEADER, REQUEST_ID_HEADER

BATCH_S = 0.05
OPEN_FILES = 65536


def raise_open_file_limit() -> None:
    """Every request is a connection, a file descriptor: 1024, a common default, is too few."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def write(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class Batches:
    """Collects results and writes them in batches, so a big run is a few hundred lines."""

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.sent = 0
        self.done: list[list[Any]] = []
        self.first_sent: float | None = None
        self.last_answered = 0.0

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def record(self, index: int, sent: float, status: int, kind: str | None) -> None:
        self.last_answered = self.now()
        self.done.append([index, sent, self.last_answered, status, kind])

    def flush(self) -> None:
        if self.sent or self.done:
            write({"sent": self.sent, "done": self.done})
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


async def request(
    session: aiohttp.ClientSession, url: str, index: int, request_id: str, batches: Batches
) -> None:
    sent = batches.now()
    if batches.first_sent is None:
        batches.first_sent = sent
    batches.sent += 1
    try:
        async with session.get(url, headers={REQUEST_ID_HEADER: request_id}) as response:
            await response.read()
        kind = None
        if response.status >= 400:
            raised = response.headers.get(ERROR_KIND_HEADER)
            kind = f"http {response.status}" + (f" {raised}" if raised else "")
        batches.record(index, sent, response.status, kind)
    except asyncio.CancelledError:
        batches.record(index, sent, 0, "run time limit")
        raise
    except Exception as error:  # any failure is a result, counted by its kind
        batches.record(index, sent, 0, error_kind(error))


async def start_instant() -> float:
    """Say ready, then wait for the dashboard to name the instant to fire at."""
    loop = asyncio.get_running_loop()
    write({"ready": True})
    line = await loop.run_in_executor(None, sys.stdin.readline)
    if not line:
        raise SystemExit("the dashboard closed stdin before naming the instant to fire")
    return float(json.loads(line)["start_at"])


async def fire(url: str, n: int, deadline_s: float, prefix: str) -> None:
    # No connection limit and no keep-alive: n requests means n connections at once,
    # as n separate browsers would open.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # aiohttp sends a GET again, once, when the server drops its connection: the request
        # of a killed worker would come back as a slow success. An instrument counts the
        # failure. There is no public switch (aiohttp issue 10790); aiohttp's own test client
        # turns it off the same way.
        session._retry_connection = False
        start_at = await start_instant()
        batches = Batches(start_at)

        async def flush_regularly() -> None:
            while True:
                await asyncio.sleep(BATCH_S)
                batches.flush()

        flusher = asyncio.create_task(flush_regularly())
        await asyncio.sleep(start_at - time.monotonic())
        tasks = [
            asyncio.create_task(request(session, url, i, f"{prefix}.{i}", batches))
            for i in range(n)
        ]
        await asyncio.wait(tasks, timeout=deadline_s)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)
    batches.flush()
    write({"wall_s": round(batches.last_answered - (batches.first_sent or 0.0), 6)})


def main() -> None:
    url, n, deadline_s, prefix = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    raise_open_file_limit()
    asyncio.run(fire(url, n, deadline_s, prefix))


if __name__ == "__main__":
    main()
