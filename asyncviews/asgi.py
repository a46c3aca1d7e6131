"""The ASGI application, as the project is deployed: `uvicorn asyncviews.asgi:application`.

Django's own ASGI handler, plus the lifespan it lacks: on startup it opens the shared upstream
client on the server's event loop; on shutdown it cancels the views' background tasks, then
closes the client and stops the CPU scenarios' process pool. Under servers that send no
lifespan events (daphne) the http views open a client per call, and the pool stops at exit.
"""

from __future__ import annotations

import os
from typing import cast

from django.core.asgi import get_asgi_application
from starlette.types import ASGIApp, Receive, Scope, Send

from asyncviews import background, cpu, upstream

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncviews.settings")
django_application = cast(ASGIApp, get_asgi_application())


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            upstream.open_shared_client()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await background.cancel_all()
            await upstream.close_shared_client()
            cpu.shutdown_pool()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
    else:
        await django_application(scope, receive, send)
