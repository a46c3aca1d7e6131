"""The event stream, /events/: every frame and run event, as Server-Sent Events.

A Starlette endpoint (mounted in dashboard/asgi.py), so Django's middleware does not run
here: it serves only what the dashboard shows everyone, and reads nothing from the request.
On connect it first sends `history` (the recent frames, the runs in progress and the
servers' states), so a reloaded page redraws its charts so far. sse-starlette ends the
stream when the server shuts down, and send_timeout drops a browser that stopped reading.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request

from dashboard import instrument

PING_S = 15
SEND_TIMEOUT_S = 10


async def stream() -> AsyncGenerator[ServerSentEvent, None]:
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
            for event, data in await subscriber.next_batch():
                yield ServerSentEvent(data=data, event=event)
    finally:
        broadcaster.unsubscribe(subscriber)


class Events(HTTPEndpoint):
    """An endpoint class rather than a function: other methods get a 405, not Django's 404."""

    async def get(self, request: Request) -> EventSourceResponse:
        return EventSourceResponse(
            stream(),
            ping=PING_S,
            send_timeout=SEND_TIMEOUT_S,
            headers={"Cache-Control": "no-store"},
        )
