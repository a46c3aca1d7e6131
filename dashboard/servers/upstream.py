"""The mock upstream's process: the httpbin the http scenarios call, as an external API.

Unless ASYNCVIEWS_UPSTREAM_URL names a real one, the dashboard serves
asyncviews/mock_upstream.py with uvicorn on a free loopback port. It keeps idle connections
KEEPALIVE_S, longer than the views' clients keep theirs (asyncviews/upstream.py), so a client
never sends on a connection the upstream is closing.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from dashboard.servers import children
from dashboard.servers.ports import free_port, wait_until_answers

KEEPALIVE_S = 30


@asynccontextmanager
async def mock_upstream(url: str, data_dir: Path) -> AsyncIterator[str]:
    """The upstream's URL while it is up: the given one, or that of a mock started here."""
    if url:
        yield url
        return
    port = free_port()
    log = data_dir / "upstream.log"
    process = await children.spawn(
        [
            *(sys.executable, "-m", "uvicorn", "asyncviews.mock_upstream:app"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
            *("--timeout-keep-alive", str(KEEPALIVE_S), "--backlog", "4096"),
        ],
        log=log,
    )
    own_url = f"http://127.0.0.1:{port}"
    try:
        await wait_until_answers(f"{own_url}/get", process, log, what="the mock upstream")
        yield own_url
    finally:
        await children.stop(process)
