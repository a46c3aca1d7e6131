"""Where the http views send their requests, and the client the async ones use.

Design choices:
- One shared httpx.AsyncClient per server process, opened by the ASGI lifespan on the server's
  loop, as a real deployment would share one. A call on any other loop (an async
  view under WSGI runs on a new loop per call; daphne sends no lifespan) opens a client of its
  own, since a client's connections belong to the loop that opened them.
- It keeps no idle connection: each call opens its own, as the load generator's calls do.
  Measured here with httpx 0.28 against the mock upstream, 60 concurrent 0.5 s GETs took a
  median 0.63 s on fresh connections and 1.37 s on kept-alive ones from the burst before
  (single bursts 1.1 to 2.1 s); async-gather x20 took 0.76 s after an idle pause and 1.69 s
  right after another run. A run's figures must not depend on what ran before it, and a
  request can never go out on a connection the upstream is closing at that moment (the
  ReadError and RemoteProtocolError of a keep-alive race).
- No limit on connections: a pool cap would queue requests inside the client and hide what
  the view itself does under load.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_shared: httpx.AsyncClient | None = None
_shared_loop: asyncio.AbstractEventLoop | None = None


def upstream_url(path: str) -> str:
    if not settings.UPSTREAM_URL:
        raise ImproperlyConfigured(
            "ASYNCVIEWS_UPSTREAM_URL is not set: the http views need an httpbin to call "
            "(the dashboard starts one and sets it for the servers it starts)"
        )
    return settings.UPSTREAM_URL + path


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Loading the certificates takes 40 ms of CPU, most of it holding the GIL: once per
    process, not once per client (twenty sync views each making their own starved the event
    loop of a server for over a second)."""
    return ssl.create_default_context()


def sync_client() -> httpx.Client:
    """A client for one sync view's calls: its connections are its own, its certificates not."""
    return httpx.Client(timeout=settings.UPSTREAM_TIMEOUT_S, verify=_ssl_context())


def new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=_ssl_context(),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
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
