"""The scenario registry: the one source of truth about the views the dashboard hammers.

URLs, the dashboard's choices and the run launcher's allow-list all come from SCENARIOS.
Adding a scenario is one view below plus one Scenario entry.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import iscoroutinefunction
from typing import Any, TypeAlias

import httpx
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from asyncviews.params import parse_delay
from asyncviews.upstream import async_client, upstream_url

SyncView: TypeAlias = Callable[[HttpRequest, float], HttpResponse]
AsyncView: TypeAlias = Callable[[HttpRequest, float], Awaitable[HttpResponse]]
# What Django's URLconf takes: a sync or async callable of the request.
View: TypeAlias = Callable[..., Any]


def _bad_delay(error: ValueError) -> JsonResponse:
    return JsonResponse({"error": str(error), "field": "delay"}, status=400)


def takes_delay(view: SyncView | AsyncView) -> View:
    """Parse ?delay= for the view, answering 400 when it is bad; keeps the view sync or async.

    Scenario views answer GET only and change nothing, so CSRF has nothing to protect: a
    POST gets the 405 that names the allowed method, not a 403 about a token.
    """
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(request: HttpRequest) -> HttpResponse:
            try:
                delay = parse_delay(request.GET.get("delay"))
            except ValueError as error:
                return _bad_delay(error)
            response: HttpResponse = await view(request, delay)
            return response

        return csrf_exempt(require_GET(async_wrapper))

    @functools.wraps(view)
    def sync_wrapper(request: HttpRequest) -> HttpResponse:
        try:
            delay = parse_delay(request.GET.get("delay"))
        except ValueError as error:
            return _bad_delay(error)
        return view(request, delay)  # type: ignore[return-value]

    return csrf_exempt(require_GET(sync_wrapper))


@takes_delay
def sync_sleep(request: HttpRequest, delay: float) -> HttpResponse:
    time.sleep(delay)
    return HttpResponse(f"slept {delay:g} s")


@takes_delay
async def async_sleep(request: HttpRequest, delay: float) -> HttpResponse:
    await asyncio.sleep(delay)
    return HttpResponse(f"slept {delay:g} s")


@takes_delay
async def async_blocking(request: HttpRequest, delay: float) -> HttpResponse:
    time.sleep(delay)  # noqa: ASYNC251 - the mistake this scenario exists to show
    return HttpResponse(f"slept {delay:g} s")


@takes_delay
def sync_http(request: HttpRequest, delay: float) -> HttpResponse:
    response = httpx.get(upstream_url(request, f"/delay/{delay:g}"), timeout=30)
    return HttpResponse(f"upstream answered {response.status_code}")


@takes_delay
async def async_http(request: HttpRequest, delay: float) -> HttpResponse:
    response = await async_client().get(upstream_url(request, f"/delay/{delay:g}"))
    return HttpResponse(f"upstream answered {response.status_code}")


def overlapping(n: int, delay: float) -> float:
    """Ideal wall time when all n calls wait at the same time."""
    return delay


def one_at_a_time(n: int, delay: float) -> float:
    """Ideal wall time when the calls cannot overlap."""
    return n * delay


@dataclass(frozen=True)
class Scenario:
    slug: str
    label: str
    view: View
    explanation: str
    # The best wall time for n concurrent calls with this delay, for comparing with the observed.
    ideal_wall_s: Callable[[int, float], float] = overlapping

    @property
    def is_async(self) -> bool:
        return iscoroutinefunction(self.view)

    @property
    def kind(self) -> str:
        return "async" if self.is_async else "sync"


SCENARIOS: dict[str, Scenario] = {
    s.slug: s
    for s in [
        Scenario(
            "sync-sleep",
            "Sync view, time.sleep",
            sync_sleep,
            "A plain sync view that sleeps. Under uvicorn Django runs each sync request in "
            "its own thread, so N calls overlap and finish in about one delay: watch the "
            "thread count climb with N. The sleep blocks one request, not the server.",
        ),
        Scenario(
            "async-sleep",
            "Async view, await asyncio.sleep",
            async_sleep,
            "An async view that awaits. All N calls wait together on the event loop, so the "
            "run takes about one delay and the loop lag stays near zero.",
        ),
        Scenario(
            "async-blocking",
            "Async view, time.sleep (the mistake)",
            async_blocking,
            "An async view that calls a blocking sleep. It runs on the event loop itself, so "
            "the calls go one at a time: in view never exceeds one, the run takes N times "
            "the delay, and the loop lag shoots up for everyone else on the server.",
            one_at_a_time,
        ),
        Scenario(
            "sync-http",
            "Sync view, blocking httpx GET",
            sync_http,
            "A sync view calling an upstream API with httpx.get. Each call holds a thread "
            "while it waits for the upstream: the threads gauge rises with N.",
        ),
        Scenario(
            "async-http",
            "Async view, awaited httpx.AsyncClient GET",
            async_http,
            "An async view awaiting a shared httpx.AsyncClient. The waits overlap on the "
            "event loop; the client's own overhead shows in the slowest calls.",
        ),
    ]
}
