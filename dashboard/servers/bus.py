"""Redis, the one bus between processes: the dashboard's own redis-server, unless one is named.

With ASYNCVIEWS_REDIS_URL set, that Redis is used (subjects on other machines publish to it);
otherwise the dashboard starts Debian's redis-server on a Unix socket in its data directory,
with persistence off: telemetry is news, not data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import redis.asyncio as aioredis

from dashboard.servers import children

START_DEADLINE_S = 10.0


class BusError(RuntimeError):
    pass


async def _answers(url: str) -> bool:
    client = aioredis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(await client.ping())
    except (aioredis.RedisError, OSError):
        return False
    finally:
        await client.aclose()


@asynccontextmanager
async def redis_bus(url: str, data_dir: Path) -> AsyncIterator[str]:
    """The bus's URL while it is up: the given one, or that of a redis-server started here."""
    if url:
        yield url
        return
    executable = shutil.which("redis-server")
    if executable is None:
        raise BusError("redis-server is not installed: `make run` installs Debian's package")
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    # Named by the dashboard's pid: a second dashboard on the same data directory (one that
    # then fails to bind its port, say) must not replace the first one's socket.
    socket = data_dir / f"redis-{os.getpid()}.sock"
    own_url = f"unix://{socket}"
    process = await children.spawn(
        [
            *(executable, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"),
            *("--save", "", "--appendonly", "no", "--dir", str(data_dir), "--loglevel", "warning"),
        ],
        log=data_dir / "redis.log",
        cwd=data_dir,
    )
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while not await _answers(own_url):
            if process.returncode is not None or time.monotonic() > deadline:
                log = (data_dir / "redis.log").read_text(errors="replace")[-2000:]
                raise BusError(f"redis-server did not start on {socket}:\n{log}")
            await asyncio.sleep(0.05)
        yield own_url
    finally:
        await children.stop(process, signal.SIGTERM)
