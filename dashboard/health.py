"""GET /health/: what the server process holds right now, for stress tests and operators.

Counts of tasks, stream subscribers, open file descriptors, threads and resident memory
show whether connections and runs leave anything behind. A Starlette endpoint (mounted in
asyncviews/asgi.py), so reading it costs no thread. With a dashboard token it is the
presenter's only: these figures tell an attacker whether an attack is working.
"""

from __future__ import annotations

import asyncio
import os
import threading
from http import HTTPStatus

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse

from dashboard import presenter
from dashboard.instrument import broadcaster, runs

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident memory now (not the peak that getrusage reports)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


class Health(HTTPEndpoint):
    """An endpoint class rather than a function: other methods get a 405, not Django's 404."""

    async def get(self, request: Request) -> JSONResponse:
        if not presenter.is_presenter(request.headers, request.cookies):
            return JSONResponse(
                {
                    "error": "the server's health is the presenter's: send the dashboard token",
                    "field": "token",
                },
                status_code=HTTPStatus.FORBIDDEN,
            )
        return JSONResponse(
            {
                "tasks": len(asyncio.all_tasks()),
                "subscribers": len(broadcaster.subscribers),
                "open_fds": len(os.listdir("/proc/self/fd")),
                "threads": threading.active_count(),
                "rss_bytes": rss_bytes(),
                "runs_in_progress": len(runs.active),
                "requests_in_flight": runs.open_requests(),
            },
            headers={"Cache-Control": "no-store"},
        )
