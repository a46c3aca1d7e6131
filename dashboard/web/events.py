"""The event stream, /events/: every frame and run event, as Server-Sent Events.

A Starlette endpoint (mounted in dashboard/asgi.py), so Django's middleware does not run
here: it serves only what the dashboard shows everyone. The request matters only when the
stream has its most viewers (MAX_VIEWERS): the presenter, holding the token, still gets in.
On connect it first sends `history` (the recent frames, the runs in progress and the
servers' states), so a reloaded page redraws its charts so far. sse-starlette ends the
stream when the server shuts down, and send_timeout drops a browser that stopped reading.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from http import HTTPStatus

from django.conf import settings
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dashboard import instrument
from dashboard.web import presenter
from dashboard.web.errors import envelope

PING_S = 15
SEND_TIMEOUT_S = 10
RETRY_VIEWERS_S = 10


async def stream() -> AsyncGenerator[ServerSentEvent | bytes, None]:
    parts = instrument.current()
    broadcaster = parts.broadcaster
    subscriber = broadcaster.subscribe()
    try:
        # Nothing is awaited between subscribing and taking the snapshot, so no frame falls
        # between the history and the live frames.
        history = (
            '{"frames":'
            + broadcaster.history_json()
            + ',"runs":'
            + json.dumps(parts.runs.summaries())
            + ',"servers":'
            + json.dumps(parts.pool.states)
            + "}"
        )
        yield ServerSentEvent(data=history, event="history")
        while not subscriber.cut_off:
            yield await subscriber.next_batch()
    finally:
        broadcaster.unsubscribe(subscriber)


class Events(HTTPEndpoint):
    """An endpoint class rather than a function: other methods get a 405, not Django's 404."""

    async def get(self, request: Request) -> Response:
        viewers = len(instrument.current().broadcaster.subscribers)
        # The presenter's own page (holding the token) is never the one left out; a viewer's
        # browser retries by itself after Retry-After.
        holds_token = presenter.token_required() and presenter.is_presenter(
            request.headers, request.cookies
        )
        if viewers >= settings.MAX_VIEWERS and not holds_token:
            return JSONResponse(
                envelope(
                    "viewers",
                    f"the dashboard has its most viewers, {settings.MAX_VIEWERS}: try again "
                    f"in {RETRY_VIEWERS_S} s",
                ),
                status_code=HTTPStatus.SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(RETRY_VIEWERS_S)},
            )
        return EventSourceResponse(
            stream(),
            ping=PING_S,
            send_timeout=SEND_TIMEOUT_S,
            headers={"Cache-Control": "no-store"},
        )
