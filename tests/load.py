"""Concurrent GETs for tests of concurrency facts, with their wall time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx


@dataclass
class Burst:
    wall_s: float
    statuses: list[int]


def burst(url: str, n: int, *, timeout_s: float = 60.0) -> Burst:
    """GET url n times at once and wait for every answer."""

    async def run() -> Burst:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=timeout_s) as client:
            started = time.monotonic()
            responses = await asyncio.gather(*(client.get(url) for _ in range(n)))
            return Burst(time.monotonic() - started, [r.status_code for r in responses])

    return asyncio.run(run())
