"""WSGI entry point, for comparing servers; the site itself is served over ASGI (asgi.py)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncviews.settings")

application = get_wsgi_application()
