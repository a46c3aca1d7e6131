"""The WSGI application, as the project is deployed: `gunicorn asyncviews.wsgi:application`."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncviews.settings")
application = get_wsgi_application()
