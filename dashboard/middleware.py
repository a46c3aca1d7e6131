"""Counts the scenario views executing right now, without touching the views themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction

from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

from asyncviews.scenarios import SCENARIOS
from dashboard import telemetry

SCENARIO_PREFIX = "/scenarios/"


def scenario_of(path: str) -> str | None:
    if not path.startswith(SCENARIO_PREFIX):
        return None
    slug = path[len(SCENARIO_PREFIX) :].split("/", 1)[0]
    return slug if slug in SCENARIOS else None


@sync_and_async_middleware
def in_view_middleware(
    get_response: Callable[[HttpRequest], HttpResponseBase]
    | Callable[[HttpRequest], Awaitable[HttpResponseBase]],
) -> (
    Callable[[HttpRequest], HttpResponseBase] | Callable[[HttpRequest], Awaitable[HttpResponseBase]]
):
    """Innermost middleware: in_view counts from just before the view to just after it.

    Under ASGI this runs on the event loop, where the telemetry counters live; the sync
    branch is for WSGI servers, where it runs in the request's thread.
    """
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            slug = scenario_of(request.path)
            if slug is None:
                return await get_response(request)  # type: ignore[no-any-return]
            telemetry.in_view.add(slug, 1)
            try:
                return await get_response(request)  # type: ignore[no-any-return]
            finally:
                telemetry.in_view.add(slug, -1)

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        slug = scenario_of(request.path)
        if slug is None:
            return get_response(request)  # type: ignore[return-value]
        with telemetry.sync_lock:
            telemetry.in_view.add(slug, 1)
        try:
            return get_response(request)  # type: ignore[return-value]
        finally:
            with telemetry.sync_lock:
                telemetry.in_view.add(slug, -1)

    return middleware
