"""Pure ASGI middleware around the whole site: bounded request bodies and security headers.

Both sit outside Django because Django does not see everything: the event stream, the health
figures and static files are Starlette routes, and Django's ASGI handler spools a whole
request body to a temporary file before any view or DATA_UPLOAD_MAX_MEMORY_SIZE check runs.

Design choices:
- A body over the limit is refused with 413 at its Content-Length, before it is read; a
  chunked one is counted as it arrives and cut off, Django seeing a disconnected client.
- Security headers are added only where the response has not set them, so Django's
  SecurityMiddleware (configured by settings) stays the authority for Django's pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.web.errors import envelope


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdecimal() or int(length) > self.max_bytes):
            await self._refuse(send, f"Content-Length {length}")
            return

        received = 0
        too_big = False
        responded = False

        async def counted_receive() -> Message:
            nonlocal received, too_big
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_big = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal responded
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if too_big and not responded:
            await self._refuse(send, f"more than {self.max_bytes} bytes")

    async def _refuse(self, send: Send, got: str) -> None:
        body = json.dumps(
            envelope("body", f"the request body must be at most {self.max_bytes} bytes, got {got}")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    def __init__(self, app: ASGIApp, headers: Iterable[tuple[str, str]]) -> None:
        self.app = app
        self.headers = [(name.lower().encode(), value.encode()) for name, value in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                missing = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", []), *missing]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def site_headers() -> list[tuple[str, str]]:
    """The headers every response gets, as Django's SecurityMiddleware sets them on its own."""
    return [
        ("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
    ]
