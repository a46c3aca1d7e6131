"""The scenario views: plain Django views, each the code a talk would put on a slide.

Every view takes the run's delay in seconds (parsed by takes_delay from ?delay=) and does
one thing that is worth watching under concurrent load. The registry in scenarios.py says
what each one shows.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction
from typing import Any, TypeAlias

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from asyncviews import background
from asyncviews.cpu import burn, process_pool
from asyncviews.models import Book, Sleep
from asyncviews.params import parse_delay
from asyncviews.upstream import async_client, sync_client, upstream_url

SyncView: TypeAlias = Callable[[HttpRequest, float], HttpResponse]
AsyncView: TypeAlias = Callable[[HttpRequest, float], Awaitable[HttpResponse]]
# What Django's URLconf takes: a sync or async callable of the request.
View: TypeAlias = Callable[..., Any]

UPSTREAM_CALLS = 3


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
    time.sleep(delay)  # the mistake: a blocking call inside an async view
    return HttpResponse(f"slept {delay:g} s")


@takes_delay
def sync_http(request: HttpRequest, delay: float) -> HttpResponse:
    with sync_client() as client:
        response = client.get(upstream_url(f"/delay/{delay:g}"))
    response.raise_for_status()
    return HttpResponse(f"upstream answered {response.status_code}")


@takes_delay
async def async_http(request: HttpRequest, delay: float) -> HttpResponse:
    async with async_client() as client:
        response = await client.get(upstream_url(f"/delay/{delay:g}"))
    response.raise_for_status()
    return HttpResponse(f"upstream answered {response.status_code}")


@takes_delay
async def async_gather(request: HttpRequest, delay: float) -> JsonResponse:
    async with async_client() as client:
        responses = await asyncio.gather(
            *(
                client.get(upstream_url(f"/delay/{delay:g}?call={call}"))
                for call in range(1, UPSTREAM_CALLS + 1)
            )
        )
    return JsonResponse({"calls": [r.raise_for_status().json()["args"]["call"] for r in responses]})


@takes_delay
def sync_sequential(request: HttpRequest, delay: float) -> JsonResponse:
    with sync_client() as client:
        responses = [
            client.get(upstream_url(f"/delay/{delay:g}?call={call}")).raise_for_status()
            for call in range(1, UPSTREAM_CALLS + 1)
        ]
    return JsonResponse({"calls": [r.json()["args"]["call"] for r in responses]})


def blocking_work(delay: float) -> float:
    """Stands for any blocking library call: a driver, an SDK, a file read."""
    time.sleep(delay)
    return delay


@takes_delay
async def sync_to_async_sensitive(request: HttpRequest, delay: float) -> HttpResponse:
    slept = await sync_to_async(blocking_work)(delay)
    return HttpResponse(f"slept {slept:g} s in a thread")


@takes_delay
async def sync_to_async_threads(request: HttpRequest, delay: float) -> HttpResponse:
    slept = await sync_to_async(blocking_work, thread_sensitive=False)(delay)
    return HttpResponse(f"slept {slept:g} s in a thread")


@takes_delay
def orm_sync(request: HttpRequest, delay: float) -> JsonResponse:
    slow = Book.objects.annotate(slept=Sleep(delay)).order_by("pk").first()
    count = Book.objects.count()
    titles = [book.title for book in Book.objects.filter(year__gte=2000)[:5]]
    return JsonResponse({"books": count, "first": slow and slow.title, "recent": titles})


@takes_delay
async def orm_async(request: HttpRequest, delay: float) -> JsonResponse:
    slow = await Book.objects.annotate(slept=Sleep(delay)).order_by("pk").afirst()
    count = await Book.objects.acount()
    titles = [book.title async for book in Book.objects.filter(year__gte=2000)[:5]]
    return JsonResponse({"books": count, "first": slow and slow.title, "recent": titles})


@takes_delay
async def orm_mistake(request: HttpRequest, delay: float) -> JsonResponse:
    count = Book.objects.count()  # the sync ORM in an async view: SynchronousOnlyOperation
    return JsonResponse({"books": count})


async def later(url: str, delay: float) -> int:
    await asyncio.sleep(delay)
    async with async_client() as client:
        response = await client.get(url)
    return response.status_code


@takes_delay
async def fire_and_forget(request: HttpRequest, delay: float) -> HttpResponse:
    background.spawn(later(upstream_url("/get"), delay), name="fire-and-forget")
    return HttpResponse("accepted: the work goes on in the background", status=202)


@takes_delay
def sync_cpu(request: HttpRequest, delay: float) -> HttpResponse:
    used = burn(delay)
    return HttpResponse(f"computed for {used:.3f} s of CPU")


@takes_delay
async def async_cpu(request: HttpRequest, delay: float) -> HttpResponse:
    used = burn(delay)  # computing on the event loop: it holds the loop like a blocking call
    return HttpResponse(f"computed for {used:.3f} s of CPU")


@takes_delay
async def async_cpu_thread(request: HttpRequest, delay: float) -> HttpResponse:
    used = await asyncio.to_thread(burn, delay)
    return HttpResponse(f"computed for {used:.3f} s of CPU in a thread")


@takes_delay
async def async_cpu_process(request: HttpRequest, delay: float) -> HttpResponse:
    loop = asyncio.get_running_loop()
    used = await loop.run_in_executor(process_pool(), burn, delay)
    return HttpResponse(f"computed for {used:.3f} s of CPU in another process")
