"""Fire-and-forget tasks started by views, kept until they end and cancelled on shutdown.

The event loop holds only weak references to tasks, so a task nobody references can be
garbage-collected mid-flight; this module holds the strong ones, logs how each ended, and
the ASGI lifespan cancels whatever is left when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

_tasks: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _tasks.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if task.cancelled():
        logger.warning("background task %s was cancelled", task.get_name())
    elif (error := task.exception()) is not None:
        logger.error("background task %s failed", task.get_name(), exc_info=error)
    else:
        logger.info("background task %s finished: %s", task.get_name(), task.result())


async def cancel_all() -> None:
    tasks = list(_tasks)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
