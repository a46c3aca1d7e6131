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

from dashboard.servers.ports import free_port, wait_until_answers
from dashboard.servers.supervised import Supervised


@asynccontextmanager
async def mock_upstream(url: str, data_dir: Path) -> AsyncIterator[str]:
    """The upstream's URL while it is up: the given one, or that of a mock run here."""
    if url:
        yield url
        return
    port = free_port()
    own_url = f"http://127.0.0.1:{port}"
    log = data_dir / "upstream.log"

    async def ready(process: asyncio.subprocess.Process) -> None:
        await wait_until_answers(f"{own_url}/get", process, log, what="the mock upstream")

    upstream = Supervised(
        "the mock upstream",
        [
            *(sys.executable, "-m", "uvicorn", "asyncviews.mock_upstream:app"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--backlog", "4096"),
        ],
        log=log,
        ready=ready,
    )
    async with upstream.running():
        yield own_url
