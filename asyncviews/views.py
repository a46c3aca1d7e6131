"""The tutorial's views: a slow mock API, a blocking view and a non-blocking one."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from asyncviews import background
from asyncviews.upstream import async_client, upstream_url

logger = logging.getLogger(__name__)


@require_GET
def api(request: HttpRequest) -> JsonResponse:
    time.sleep(1)
    payload = {"message": "Hello from asyncviews!"}
    if "task_id" in request.GET:
        payload["task_id"] = request.GET["task_id"]
    return JsonResponse(payload)


async def http_call_async(url: str) -> int:
    for num in range(1, 6):
        await asyncio.sleep(1)
        logger.info("http_call_async: %d", num)
    async with async_client() as client:
        response = await client.get(url)
    return response.status_code


def http_call_sync(url: str) -> int:
    for num in range(1, 6):
        time.sleep(1)
        logger.info("http_call_sync: %d", num)
    response = httpx.get(url)
    return response.status_code


@require_GET
async def async_view(request: HttpRequest) -> HttpResponse:
    background.spawn(http_call_async(upstream_url("/get")), name="http_call_async")
    return HttpResponse("Non-blocking HTTP request")


@require_GET
def sync_view(request: HttpRequest) -> HttpResponse:
    http_call_sync(upstream_url("/get"))
    return HttpResponse("Blocking HTTP request")
