"""The scenario registry: the one source of truth about the views the dashboard hammers.

URLs, the dashboard's choices, the run launcher's allow-list and the docs all come from
SCENARIOS. Adding a scenario is one view in scenario_views.py plus one Scenario entry here.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from inspect import iscoroutinefunction
from typing import Literal

from asyncviews import scenario_views as views
from asyncviews.scenario_views import View

# The best wall time for n concurrent calls with this delay, on a server that takes every
# call at once and runs them on `loops` event loops (its worker processes under ASGI; under
# WSGI each call runs on a loop of its own). dashboard/servers/ideal.py adds the server's limits.


def overlapping(n: int, delay: float, loops: int) -> float:
    """All n calls wait at the same time."""
    return delay


def one_at_a_time(n: int, delay: float, loops: int) -> float:
    """The calls block their event loop: one at a time on each loop."""
    return math.ceil(n / loops) * delay


def three_in_a_row(n: int, delay: float, loops: int) -> float:
    """Each call makes three upstream calls one after another."""
    return views.UPSTREAM_CALLS * delay


# asyncio's default executor, where sync_to_async(thread_sensitive=False) runs its calls: the
# standard library's own default size, per event loop.
DEFAULT_EXECUTOR_THREADS = min(32, (os.cpu_count() or 1) + 4)


def at_once(n: int, delay: float, loops: int) -> float:
    """The view answers before the work is done."""
    return 0.0


def in_default_executor(n: int, delay: float, loops: int) -> float:
    """The calls share each loop's default executor and its few threads."""
    return math.ceil(n / (DEFAULT_EXECUTOR_THREADS * loops)) * delay


@dataclass(frozen=True)
class Scenario:
    slug: str
    label: str
    view: View
    explanation: str
    # The best wall time for n calls with this delay on `loops` event loops (see above).
    ideal_wall_s: Callable[[int, float, int], float] = overlapping
    # What a call spends its delay on: waiting (a timer, a socket, a query), or computing,
    # in the server's own process ("cpu": one core at a time per process, the GIL) or in a
    # pool of processes ("cpu-pool": one core each). dashboard/servers/ideal.py reads it.
    work: Literal["wait", "cpu", "cpu-pool"] = "wait"

    @property
    def is_async(self) -> bool:
        return iscoroutinefunction(self.view)

    @property
    def kind(self) -> str:
        return "async" if self.is_async else "sync"

    @cached_property
    def source(self) -> str:
        """The view's own code, read from the view itself, so it can never drift."""
        return inspect.getsource(inspect.unwrap(self.view))


SCENARIOS: dict[str, Scenario] = {
    s.slug: s
    for s in [
        Scenario(
            "sync-sleep",
            "Sync view, time.sleep",
            views.sync_sleep,
            "A plain sync view that sleeps. Under uvicorn Django runs each sync request in "
            "its own thread, so N calls overlap and finish in about one delay: watch the "
            "thread count climb with N. The sleep blocks one request, not the server.",
        ),
        Scenario(
            "async-sleep",
            "Async view, await asyncio.sleep",
            views.async_sleep,
            "An async view that awaits. All N calls wait together on the event loop, so the "
            "run takes about one delay and the loop lag stays near zero.",
        ),
        Scenario(
            "async-blocking",
            "Async view, time.sleep (the mistake)",
            views.async_blocking,
            "An async view that calls a blocking sleep. It runs on the event loop itself, so "
            "the calls go one at a time: in view never exceeds one, the run takes N times "
            "the delay, and the loop lag shoots up for everyone else on the server.",
            one_at_a_time,
        ),
        Scenario(
            "sync-http",
            "Sync view, blocking httpx GET",
            views.sync_http,
            "A sync view calling an upstream API with a blocking httpx client. Each call holds "
            "a thread while it waits for the upstream: the threads gauge rises with N.",
        ),
        Scenario(
            "async-http",
            "Async view, awaited httpx.AsyncClient GET",
            views.async_http,
            "An async view awaiting a shared httpx.AsyncClient. The waits overlap on the "
            "event loop; the client's own overhead shows in the slowest calls.",
        ),
        Scenario(
            "async-gather",
            "Async view, three upstream calls with asyncio.gather",
            views.async_gather,
            "An async view that fetches three upstream endpoints at once and combines them. "
            "The three waits overlap, so each call takes one delay, not three.",
        ),
        Scenario(
            "sync-sequential",
            "Sync view, three upstream calls one after another",
            views.sync_sequential,
            "The same three upstream calls from a sync view, one after another: each call "
            "takes three delays. Compare it with async-gather in a race.",
            three_in_a_row,
        ),
        Scenario(
            "sync-to-async",
            "Async view, sync_to_async (thread_sensitive=True)",
            views.sync_to_async_sensitive,
            "An async view handing a blocking function to sync_to_async with the default "
            "thread_sensitive=True. Under ASGI, Django gives each request its own thread for "
            "such calls, so they overlap: one thread per call in flight.",
        ),
        Scenario(
            "sync-to-async-threads",
            "Async view, sync_to_async (thread_sensitive=False)",
            views.sync_to_async_threads,
            "The same with thread_sensitive=False: the calls go to asyncio's default "
            f"executor, which has only {DEFAULT_EXECUTOR_THREADS} threads per event loop here. "
            f"They run {DEFAULT_EXECUTOR_THREADS} at a time and the rest queue: in view is N, "
            "but the wall time grows in steps of one delay.",
            in_default_executor,
        ),
        Scenario(
            "orm-sync",
            "Sync view, the sync ORM",
            views.orm_sync,
            "A sync view running a slow query (delay seconds) and two quick ones against "
            "SQLite. Each request gets its own thread and its own connection.",
        ),
        Scenario(
            "orm-async",
            "Async view, the async ORM",
            views.orm_async,
            "The same queries through aget-style calls (afirst, acount, async for). Django's "
            "async ORM still runs the database driver in a thread per request: the numbers "
            "match orm-sync, which is the point.",
        ),
        Scenario(
            "orm-mistake",
            "Async view calling the sync ORM (the mistake)",
            views.orm_mistake,
            "An async view calling Book.objects.count() directly. Django refuses to run a "
            "blocking query on the event loop and raises SynchronousOnlyOperation: every "
            "call fails, and the errors are counted by kind.",
            at_once,
        ),
        Scenario(
            "fire-and-forget",
            "Async view, work left in the background",
            views.fire_and_forget,
            "The tutorial's /async/ pattern: the view starts a background task and answers "
            "at once. The calls finish in milliseconds while the tasks on the worker's event "
            "loop show the work still going on for a delay after. Under WSGI the work dies "
            "with the call's own loop.",
            at_once,
        ),
        Scenario(
            "sync-cpu",
            "Sync view, CPU-bound work",
            views.sync_cpu,
            "A sync view that computes for delay seconds of CPU. Each call has a thread of its "
            "own, but the GIL lets one thread of a process compute at a time: in view is N, the "
            "calls take turns, and one process sits at 100 % of one core. Only more processes "
            "(gunicorn workers) spread the work over the cores.",
            work="cpu",
        ),
        Scenario(
            "async-cpu",
            "Async view, CPU-bound work on the loop",
            views.async_cpu,
            "The same computation inside an async view. It holds the event loop as a blocking "
            "call would: in view stays at 1 and the loop lag grows for everyone on the server. "
            "Async does not help CPU-bound work.",
            work="cpu",
        ),
        Scenario(
            "async-cpu-thread",
            "Async view, CPU-bound work in a thread",
            views.async_cpu_thread,
            "The async view hands the computation to a thread (asyncio.to_thread). The loop "
            "stays free and the lag low, but the GIL still lets one thread compute at a time: "
            "the wall time is still N times the delay in one process.",
            work="cpu",
        ),
        Scenario(
            "async-cpu-process",
            "Async view, CPU-bound work in a process pool",
            views.async_cpu_process,
            "The async view hands the computation to a pool of processes, one per core "
            "(run_in_executor with a ProcessPoolExecutor). Each process has its own GIL: the "
            "work really spreads over the cores, and the loop stays free.",
            work="cpu-pool",
        ),
    ]
}
