"""The probe's middleware: counts the views executing and records one span per request.

Last in MIDDLEWARE: its process_view runs the view itself, counted, and returns the view's
response, so Django skips calling the view again. Counting in __call__ would also count the
other middlewares' hooks and, under ASGI, the wait for a thread: requests waiting for those
would show as "in view".

Design choices:
- Sync and async capable (as django-htmx's middleware): under ASGI its process_view is a
  coroutine, so it adds no sync_to_async; under WSGI it is a plain method, so it adds no
  event loop. A sync view under ASGI is run in the request's own thread, as Django does, and
  is counted from inside that thread: the time it waited for the thread is waiting, not view.
- A view that raises answers a 500 naming the exception in X-Error-Kind, so the load
  generator counts errors by kind; the traceback is logged once per view and kind, not once
  per request from the event loop being measured. Django's own HTTP exceptions (Http404,
  PermissionDenied, ...) are left to Django, which answers them with their 4xx.
- The probe of a process starts with its first middleware instance, in the worker process
  itself (gunicorn forks its workers before they load the application).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import async_to_sync, markcoroutinefunction, sync_to_async
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse

from probe.counters import Counters
from probe.looplag import LoopLag
from probe.protocol import ERROR_KIND_HEADER, REQUEST_ID_HEADER
from probe.sampler import Sampler

logger = logging.getLogger(__name__)

REQUEST_ID_META = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")

View = Callable[..., Any]
# Exceptions Django itself turns into 4xx answers: the probe leaves them to Django.
HTTP_EXCEPTIONS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


class Probe:
    """One per worker process: its counters, its loop lag, and its sampler if it publishes."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.counters = Counters()
        self.lag = LoopLag()
        self.logged: set[tuple[str, str]] = set()
        redis_url = os.environ.get("ASYNCVIEWS_REDIS_URL", "")
        server = os.environ.get("ASYNCVIEWS_PROBE_SERVER") or f"pid-{self.pid}"
        self.sampler = (
            Sampler(self.counters, self.lag, server=server, redis_url=redis_url)
            if redis_url
            else None
        )
        if self.sampler is None:
            logger.warning("probe: no ASYNCVIEWS_REDIS_URL, so it counts but publishes nothing")
        else:
            self.sampler.start()


_probe: Probe | None = None


def this_process() -> Probe:
    global _probe
    if _probe is None or _probe.pid != os.getpid():
        _probe = Probe()
    return _probe


class ProbeMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.probe = this_process()
        self.process_view: Callable[..., Any]
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)
            self.process_view = self._process_view_async
        else:
            self.process_view = self._process_view_sync

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        return self.get_response(request)  # type: ignore[no-any-return]

    async def _process_view_async(
        self, request: HttpRequest, view: View, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponseBase:
        self.probe.lag.watch(asyncio.get_running_loop())
        if not iscoroutinefunction(view):
            return await sync_to_async(self._run_sync, thread_sensitive=True)(
                request, view, args, kwargs
            )
        label, request_id = _label(request), request.META.get(REQUEST_ID_META)
        counters = self.probe.counters
        entered = counters.enter(label)
        try:
            response: HttpResponseBase = await view(request, *args, **kwargs)
        except HTTP_EXCEPTIONS:
            raise  # Django answers these with their own status: 404, 403, 400
        except Exception as error:
            response = self._failed(label, error)
        finally:
            counters.leave(label, request_id, entered)
        return response

    def _process_view_sync(
        self, request: HttpRequest, view: View, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponseBase:
        if iscoroutinefunction(view):
            # What Django's WSGI handler does with an async view: a new event loop per call.
            view = async_to_sync(view)
        return self._run_sync(request, view, args, kwargs)

    def _run_sync(
        self, request: HttpRequest, view: View, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponseBase:
        label, request_id = _label(request), request.META.get(REQUEST_ID_META)
        counters = self.probe.counters
        entered = counters.enter(label)
        try:
            response: HttpResponseBase = view(request, *args, **kwargs)
        except HTTP_EXCEPTIONS:
            raise  # Django answers these with their own status: 404, 403, 400
        except Exception as error:
            response = self._failed(label, error)
        finally:
            counters.leave(label, request_id, entered)
        return response

    def _failed(self, label: str, error: Exception) -> JsonResponse:
        kind = type(error).__name__
        if (label, kind) not in self.probe.logged:
            self.probe.logged.add((label, kind))
            logger.error(
                "view %s raised %s (logged once; runs count them)", label, kind, exc_info=error
            )
        return JsonResponse(
            {"error": f"{kind}: {error}", "view": label},
            status=500,
            headers={ERROR_KIND_HEADER: kind},
        )


def _label(request: HttpRequest) -> str:
    """The view's URL name: a scenario's slug, or the tutorial's api, sync, async."""
    match = request.resolver_match
    return (match.url_name if match else None) or request.path
