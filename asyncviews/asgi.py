"""The ASGI application: a Starlette router in front of Django.

Routes that must not pay for Django's per-request thread (the event stream, the health
figures, the mock upstream, static files) are matched first; everything else goes to Django.
Around all of them, dashboard/guard.py bounds request bodies and adds security headers.
Starlette owns the lifespan: it opens the shared upstream client, then starts the
instrument; on shutdown the views' background tasks are cancelled, then the instrument
saves its runs, then the client closes.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import cast

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncviews.settings")
django_app = get_asgi_application()

# Django must be set up before these are imported.
from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402
from starlette.types import ASGIApp  # noqa: E402

from asyncviews import background, mock_upstream, upstream  # noqa: E402
from asyncviews.scenarios import DEFAULT_EXECUTOR_THREADS  # noqa: E402
from dashboard import events, guard, health, instrument  # noqa: E402


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Where sync_to_async(thread_sensitive=False) runs: sized here, so the number the
    # sync-to-async-threads scenario states is the number it gets.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(DEFAULT_EXECUTOR_THREADS, thread_name_prefix="default-executor")
    )
    async with upstream.client_lifespan(), instrument.lifespan():
        try:
            yield
        finally:
            await background.cancel_all()


application = Starlette(
    routes=[
        Route("/events/", events.Events),
        Route("/health/", health.Health),
        Mount("/upstream", routes=mock_upstream.routes),
        Mount(
            "/" + settings.STATIC_URL.strip("/"),
            StaticFiles(directory=settings.STATIC_ROOT, check_dir=False),
            name="static",
        ),
        Mount("/", cast(ASGIApp, django_app)),
    ],
    middleware=[
        Middleware(guard.BodyLimit, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        Middleware(guard.SecurityHeaders, headers=guard.site_headers()),
    ],
    lifespan=lifespan,
)
