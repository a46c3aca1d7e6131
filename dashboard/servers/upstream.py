"""The mock upstream's process: the httpbin the http scenarios call, as an external API.

Unless ASYNCVIEWS_UPSTREAM_URL names a real one, the dashboard serves
asyncviews/mock_upstream.py with uvicorn on a free loopback port, and starts it again on the
same port if it dies.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from dashboard.servers.ports import BACKLOG, free_port, on_a_free_port, wait_until_answers
from dashboard.servers.supervised import Supervised


@asynccontextmanager
async def mock_upstream(url: str, data_dir: Path) -> AsyncIterator[str]:
    """The upstream's URL while it is up: the given one, or that of a mock run here."""
    if url:
        yield url
        return
    log = data_dir / "upstream.log"

    async def start(port: int) -> tuple[Supervised, str]:
        own_url = f"http://127.0.0.1:{port}"
        upstream = _upstream(own_url, port, log)
        await upstream.start()
        return upstream, own_url

    upstream, own_url = await on_a_free_port(start, free_port(), what="the mock upstream")
    async with upstream.running():
        yield own_url


def _upstream(url: str, port: int, log: Path) -> Supervised:
    """Started again on the same port when it exits: the subjects were given its URL."""

    async def ready(process: asyncio.subprocess.Process, since: int) -> None:
        await wait_until_answers(f"{url}/get", process, log, what="the mock upstream", since=since)

    return Supervised(
        "the mock upstream",
        [
            *(sys.executable, "-m", "uvicorn", "asyncviews.mock_upstream:app"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--no-access-log", "--backlog", str(BACKLOG)),
        ],
        log=log,
        ready=ready,
    )
