"""Where the http views send their requests, and the shared client the async ones use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from django.conf import settings
from django.http import HttpRequest

_client: httpx.AsyncClient | None = None


def upstream_url(request: HttpRequest, path: str) -> str:
    """The upstream URL for path: the configured one, or this server's own mock upstream.

    The mock upstream is reached at the address the request arrived on (the socket's, from
    the ASGI scope), never at the Host header, which the client chooses.
    """
    if settings.UPSTREAM_URL:
        return settings.UPSTREAM_URL + path
    host = request.META["SERVER_NAME"]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{request.META['SERVER_PORT']}/upstream{path}"


def async_client() -> httpx.AsyncClient:
    if _client is None:
        raise RuntimeError("the shared upstream client is opened by the ASGI lifespan")
    return _client


@asynccontextmanager
async def client_lifespan() -> AsyncIterator[None]:
    """Open the shared client for the life of the server, then close its connections."""
    global _client
    # No connection limit: a pool cap would queue requests inside the client and hide
    # what the view itself does under load.
    _client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
        timeout=settings.UPSTREAM_TIMEOUT_S,
    )
    try:
        yield
    finally:
        await _client.aclose()
        _client = None
