"""Redis, the one bus between processes: the dashboard's own redis-server, unless one is named.

With ASYNCVIEWS_REDIS_URL set, that Redis is used (subjects on other machines publish to it);
otherwise the dashboard runs Debian's redis-server on a Unix socket in its data directory,
with persistence off (telemetry is news, not data), and starts it again if it dies: the
probes and the collector reconnect to the same socket by themselves.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import redis.asyncio as aioredis

from dashboard.servers.ports import StartFailed, log_tail
from dashboard.servers.supervised import Supervised

START_DEADLINE_S = 10.0


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
    """The bus's URL while it is up: the given one, or that of a redis-server run here."""
    if url:
        yield url
        return
    executable = shutil.which("redis-server")
    if executable is None:
        raise StartFailed("redis-server is not installed: `make run` installs Debian's package")
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    # Named by the dashboard's pid: a second dashboard on the same data directory (one that
    # then fails to bind its port, say) must not replace the first one's socket.
    socket = data_dir / f"redis-{os.getpid()}.sock"
    own_url = f"unix://{socket}"
    log = data_dir / "redis.log"

    async def ready(process: asyncio.subprocess.Process, since: int) -> None:
        deadline = time.monotonic() + START_DEADLINE_S
        while not await _answers(own_url):
            if process.returncode is not None or time.monotonic() > deadline:
                raise StartFailed(f"redis-server did not start on {socket}:\n{log_tail(log)}")
            await asyncio.sleep(0.05)

    redis = Supervised(
        "redis-server",
        [
            *(executable, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"),
            *("--save", "", "--appendonly", "no", "--dir", str(data_dir), "--loglevel", "warning"),
        ],
        log=log,
        ready=ready,
        cwd=data_dir,
    )
    async with redis.running():
        yield own_url
