"""Python calls per request of an ASGI application, driven in-process (no server, no socket).

Run by bench/request_path.py as `python -m bench.asgi_calls MODULE:APP N` with the
project's settings in the environment; prints one JSON object: the calls per request in all
threads (sync middleware hooks run in threads of their own under ASGI) and, per function, the
calls per request. Deterministic, unlike a time: it needs no alternation. A coroutine's every
resumption counts as a call, as sys.setprofile reports it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import threading
from collections import Counter
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Message

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/scenarios/async-sleep/",
    "raw_path": b"/scenarios/async-sleep/",
    "query_string": b"delay=0",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1"), (b"x-request-id", b"bench.0")],
    "client": ("127.0.0.1", 40000),
    "server": ("127.0.0.1", 8000),
}
CONCURRENT = 50
WARM_UP = 200


async def _request(app: ASGIApp) -> None:
    sent: list[Message] = []
    pending = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if pending:
            return pending.pop()
        # Like a client that stays connected: Django cancels this once it has answered.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(dict(SCOPE), receive, send)
    if sent[0].get("status") != 200:
        raise SystemExit(f"the application answered {sent[0]}")


async def _requests(app: ASGIApp, n: int) -> None:
    for start in range(0, n, CONCURRENT):
        await asyncio.gather(*(_request(app) for _ in range(min(CONCURRENT, n - start))))


def main() -> None:
    module, _, attribute = sys.argv[1].partition(":")
    n = int(sys.argv[2])
    app: ASGIApp = getattr(importlib.import_module(module), attribute)
    calls: Counter[str] = Counter()
    counting = False

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if counting and event == "call":
            code = frame.f_code
            calls[f"{code.co_filename.rpartition('site-packages/')[2]}:{code.co_name}"] += 1

    # Before the first request: the threads Django's sync hops start get the profile too.
    threading.setprofile(profile)
    sys.setprofile(profile)
    asyncio.run(_requests(app, WARM_UP))
    counting = True
    asyncio.run(_requests(app, n))
    counting = False
    sys.setprofile(None)
    threading.setprofile(None)
    by_function = {name: count / n for name, count in calls.items()}
    print(json.dumps({"calls": sum(calls.values()) / n, "by_function": by_function}))


if __name__ == "__main__":
    main()
