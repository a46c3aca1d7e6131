"""Counts the scenario views executing right now, without touching the views themselves."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from asyncviews.scenarios import SCENARIOS
from dashboard import telemetry
from dashboard.loadgen import ERROR_KIND_HEADER

logger = logging.getLogger(__name__)

SCENARIO_VIEWS = {scenario.view: slug for slug, scenario in SCENARIOS.items()}

GetResponse = Callable[[HttpRequest], Any]

_logged: set[tuple[str, str]] = set()


class InViewMiddleware:
    """Must be last in MIDDLEWARE: its process_view runs the scenario view itself, counted.

    Counting in __call__ would also count the other middlewares' process_view hooks, which
    Django runs in threads under ASGI: requests waiting for those would show as "in view"
    while the event loop is blocked by another. Returning the view's response from the last
    process_view counts from just before the view to just after it, and Django then skips
    calling the view again.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        return self.get_response(request)  # type: ignore[no-any-return]

    async def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        slug = SCENARIO_VIEWS.get(view)
        if slug is None:
            return None
        if not iscoroutinefunction(view):
            # As Django itself runs sync views under ASGI: in the request's own thread.
            view = sync_to_async(view, thread_sensitive=True)
        telemetry.in_view.add(slug, 1)
        try:
            response: HttpResponseBase = await view(request, *args, **kwargs)
        except Exception as error:
            kind = type(error).__name__
            # Counted by kind in the run: the traceback once is enough, and a thousand of
            # them written from the event loop would add to the lag being measured.
            if (slug, kind) not in _logged:
                _logged.add((slug, kind))
                logger.exception(
                    "scenario %s raised %s (logged once; the run counts them)", slug, kind
                )
            return JsonResponse(
                {"error": f"{kind}: {error}", "scenario": slug},
                status=500,
                headers={ERROR_KIND_HEADER: kind},
            )
        finally:
            telemetry.in_view.add(slug, -1)
        return response
