"""The dashboard's ASGI application: a Starlette router in front of Django.

Routes that must not pay for Django's per-request thread (the event stream, the health
figures, static files) are matched first; everything else goes to Django (the page and the
runs API). Around all of them, dashboard/web/guard.py bounds request bodies and adds security
headers. Starlette owns the lifespan, which starts and stops the instrument
(dashboard/instrument.py): Redis, the collector, the mock upstream, the subjects, the runs.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
django_app = get_asgi_application()

# Django must be set up before these are imported.
from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402
from starlette.types import ASGIApp  # noqa: E402

from dashboard import instrument  # noqa: E402
from dashboard.web import events, guard, health  # noqa: E402


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with instrument.lifespan():
        yield


application = Starlette(
    routes=[
        Route("/events/", events.Events),
        Route("/health/", health.Health),
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
