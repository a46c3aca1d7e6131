"""Where the http views send their requests, and the client the async ones use.

Design choices:
- One shared httpx.AsyncClient per server process, opened by the ASGI lifespan on the server's
  loop: reused connections, as a real deployment would. A call on any other loop (an async
  view under WSGI runs on a new loop per call; daphne sends no lifespan) opens a client of its
  own, since a client's connections belong to the loop that opened them.
- Its idle connections expire after KEEPALIVE_S, well before the upstream closes them (the
  mock upstream keeps them 30 s, httpbin-style servers 5 s or more): a request never goes out
  on a connection the server is closing at that moment.
- No limit on connections: a pool cap would queue requests inside the client and hide what
  the view itself does under load. Up to KEEPALIVE_CONNECTIONS stay open between runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEEPALIVE_S = 2.0
KEEPALIVE_CONNECTIONS = 1000

_shared: httpx.AsyncClient | None = None
_shared_loop: asyncio.AbstractEventLoop | None = None


def upstream_url(path: str) -> str:
    if not settings.UPSTREAM_URL:
        raise ImproperlyConfigured(
            "ASYNCVIEWS_UPSTREAM_URL is not set: the http views need an httpbin to call "
            "(the dashboard starts one and sets it for the servers it starts)"
        )
    return settings.UPSTREAM_URL + path


def new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        limits=httpx.Limits(
            max_connections=None,
            max_keepalive_connections=KEEPALIVE_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_S,
        ),
        timeout=settings.UPSTREAM_TIMEOUT_S,
    )


def open_shared_client() -> None:
    global _shared, _shared_loop
    _shared, _shared_loop = new_client(), asyncio.get_running_loop()


async def close_shared_client() -> None:
    global _shared, _shared_loop
    if _shared is not None:
        await _shared.aclose()
    _shared = _shared_loop = None


@asynccontextmanager
async def async_client() -> AsyncIterator[httpx.AsyncClient]:
    """The shared client when this loop has one, else a client for this call alone."""
    if _shared is not None and _shared_loop is asyncio.get_running_loop():
        yield _shared
        return
    async with new_client() as client:
        yield client
