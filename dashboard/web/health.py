"""GET /health/: what the server process holds right now, for stress tests and operators.

Counts of tasks, stream subscribers, open file descriptors, threads and resident memory
show whether connections and runs leave anything behind. A Starlette endpoint (mounted in
dashboard/asgi.py), so reading it costs no thread. With a dashboard token it is the
presenter's only: these figures tell an attacker whether an attack is working.
"""

from __future__ import annotations

import asyncio
import os
from http import HTTPStatus

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse

from dashboard import instrument
from dashboard.web import presenter
from dashboard.web.errors import envelope
from probe import proc


class Health(HTTPEndpoint):
    """An endpoint class rather than a function: other methods get a 405, not Django's 404."""

    async def get(self, request: Request) -> JSONResponse:
        if not presenter.is_presenter(request.headers, request.cookies):
            return JSONResponse(
                envelope(
                    "token", "the server's health is the presenter's: send the dashboard token"
                ),
                status_code=HTTPStatus.FORBIDDEN,
            )
        parts = instrument.current()
        return JSONResponse(
            {
                "tasks": len(asyncio.all_tasks()),
                "subscribers": len(parts.broadcaster.subscribers),
                "open_fds": len(os.listdir("/proc/self/fd")),
                "threads": proc.threads(),
                "rss_bytes": proc.rss_bytes(),
                "runs_in_progress": len(parts.runs.active),
                "requests_in_flight": parts.runs.admission.open_requests(),
                "telemetry": parts.collector.connected,
            },
            headers={"Cache-Control": "no-store"},
        )
