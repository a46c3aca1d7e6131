"""The load generator as the run manager sees it: a child process, its handshake, its lines.

dashboard/runs/loadgen.py is the other side of this protocol. What a generator reports goes
into its run's ActiveRun; what has arrived is saved every SAVE_EVERY_S.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys

from django.conf import settings

from dashboard.runs.active import ActiveRun
from dashboard.runs.volley import Volley
from dashboard.servers import children

logger = logging.getLogger(__name__)

SAVE_EVERY_S = 1.0
# How long a load generator may take to load and say it is ready.
READY_S = 30.0
# Lines from the load generator can hold a thousand results.
LINE_LIMIT = 16 * 1024 * 1024
SAVED_AS_IT_GOES = ["timings", "spans", "done", "errors", "error_kinds", "peaks", "start_at"]


async def spawn(active: ActiveRun, url: str) -> asyncio.subprocess.Process:
    run = active.run
    return await children.spawn(
        [
            *(sys.executable, "-m", "dashboard.runs.loadgen", url, str(run.n)),
            *(str(settings.RUN_TIME_LIMIT_S), str(run.pk)),
        ],
        cwd=settings.BASE_DIR,
        death_signal=signal.SIGKILL,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
    )


async def fire(active: ActiveRun, process: asyncio.subprocess.Process, volley: Volley) -> None:
    """Wait for the generator to be ready, then for the volley, and tell it when to fire."""
    assert process.stdin is not None
    assert process.stdout is not None
    async with asyncio.timeout(READY_S):
        line = await process.stdout.readline()
    if not line or not json.loads(line).get("ready"):
        raise RuntimeError(f"the load generator did not say it was ready: {line[:200]!r}")
    active.start_at = active.run.start_at = await volley.ready()
    process.stdin.write(json.dumps({"start_at": active.start_at}).encode() + b"\n")
    await process.stdin.drain()
    process.stdin.close()


async def read(active: ActiveRun, stdout: asyncio.StreamReader) -> float | None:
    """Take the load generator's lines until it closes them; its wall_s, if it got there."""
    async for raw in stdout:
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            logger.error("run %s: unreadable line from the load generator", active.run.pk)
            return None
        if "wall_s" in line:
            return float(line["wall_s"])
        active.take(line)
    return None


async def save_regularly(active: ActiveRun) -> None:
    """Keep what has arrived on disk, so a crash loses at most SAVE_EVERY_S of it."""
    saved = 0
    while True:
        await asyncio.sleep(SAVE_EVERY_S)
        if active.run.done == saved:
            continue
        saved = active.run.done
        active.fold()
        try:
            await active.run.asave(update_fields=SAVED_AS_IT_GOES)
        except Exception:
            logger.exception("run %s: saving its results so far failed", active.run.pk)
