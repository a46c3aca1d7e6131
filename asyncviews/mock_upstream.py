"""An httpbin-compatible subset served by this site, so the http scenarios work offline.

Plain Starlette endpoints, mounted at /upstream/ in asgi.py: they answer on the event loop
without Django's per-request thread, so the upstream is never the bottleneck being shown.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asyncviews.params import parse_delay


def _echo(request: Request) -> dict[str, Any]:
    return {
        "args": dict(request.query_params),
        "headers": dict(request.headers),
        "origin": request.client.host if request.client else "",
        "url": str(request.url),
    }


async def delay(request: Request) -> JSONResponse:
    try:
        seconds = parse_delay(request.path_params["seconds"], name="seconds")
    except ValueError as error:
        return JSONResponse({"error": str(error), "field": "seconds"}, status_code=400)
    await asyncio.sleep(seconds)
    return JSONResponse(_echo(request))


async def get(request: Request) -> JSONResponse:
    return JSONResponse(_echo(request))


routes = [
    Route("/delay/{seconds}", delay, methods=["GET"]),
    Route("/get", get, methods=["GET"]),
]
