"""An httpbin-compatible subset, so the http scenarios work offline: the mock upstream.

A plain Starlette application in a process of its own (`uvicorn asyncviews.mock_upstream:app`,
which the dashboard starts): the http scenarios call it as they would call a real external
API, and it shares neither a loop nor a GIL with the views being measured.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
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


app = Starlette(
    routes=[
        Route("/delay/{seconds}", delay, methods=["GET"]),
        Route("/get", get, methods=["GET"]),
    ]
)
