"""Settings of the dashboard process: the page, the runs API, the event stream, the run history.

It starts from the subject project's settings (same database, same secret key) and serves the
dashboard's URLs instead of the measured views, without the probe: this process is never
measured. `manage.py` uses these settings.
"""

from __future__ import annotations

import os

from asyncviews.settings import *  # noqa: F403
from asyncviews.settings import BASE_DIR, DATA_DIR, INSTALLED_APPS, _truthy

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
ASGI_APPLICATION = "dashboard.asgi.application"

# The most concurrent calls one run may fire.
MAX_RUN_N = int(os.environ.get("ASYNCVIEWS_MAX_RUN_N", "1000"))
# The most requests all runs together may have in flight; a launch past it is refused (409).
MAX_IN_FLIGHT = int(os.environ.get("ASYNCVIEWS_MAX_IN_FLIGHT", "2000"))
# Requests of a run still open after this many seconds are cancelled and counted as errors.
RUN_TIME_LIMIT_S = float(os.environ.get("ASYNCVIEWS_RUN_TIME_LIMIT_S", "120"))
# The Redis the dashboard listens on and passes to the subjects it starts (whose probes read
# ASYNCVIEWS_REDIS_URL themselves); empty: a redis-server of the dashboard's own.
REDIS_URL = os.environ.get("ASYNCVIEWS_REDIS_URL", "")
# The most browsers on the event stream at once; one more gets a 503 with Retry-After.
MAX_VIEWERS = int(os.environ.get("ASYNCVIEWS_MAX_VIEWERS", "2000"))
# The presenter's token: when set, launching runs takes it (dashboard/web/presenter.py).
# `manage.py serve` generates one when it listens beyond loopback and none is set.
DASHBOARD_TOKEN = os.environ.get("ASYNCVIEWS_DASHBOARD_TOKEN", "")
# The default subject (uvicorn) listens here, so the tutorial's /api/, /sync/ and /async/
# are where a newcomer expects them; `manage.py serve` sets it to its own port + 1, and falls
# back to a free port when that one is taken. A port given here is used or the subject fails,
# saying why. Other servers get a free loopback port when first used.
SUBJECT_PORT_GIVEN = "ASYNCVIEWS_SUBJECT_PORT" in os.environ
SUBJECT_PORT = int(os.environ.get("ASYNCVIEWS_SUBJECT_PORT", "8001"))

# Production: served over HTTPS by a TLS proxy in front (which sets X-Forwarded-Proto;
# uvicorn trusts it from 127.0.0.1, or from FORWARDED_ALLOW_IPS). `manage.py check --deploy`
# is clean with ASYNCVIEWS_HTTPS=on and a dashboard token.
HTTPS = _truthy("ASYNCVIEWS_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("ASYNCVIEWS_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SILENCED_SYSTEM_CHECKS = [
    # Asking browsers to preload HTTPS-only for a whole domain is its owner's decision, made
    # at hstspreload.org, not this site's: no `preload` directive.
    "security.W021",
    # X-Frame-Options (X_FRAME_OPTIONS, DENY) is on every response, the stream and static
    # files included, from dashboard/web/guard.py: Django's XFrameOptionsMiddleware would only
    # repeat it on Django's pages, at the cost of a thread hop per request under ASGI.
    "security.W002",
]

# The runs API takes a few small fields; bigger bodies are refused (413) before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

# The page's own files; Chart.js from its pinned CDN URL, or else its local copy; the event
# stream and the API on this origin. Nothing inline, nothing framed.
CHARTJS_CDN_URL = "https://cdn.jsdelivr.net/npm/chart.js@4.6.1/dist/chart.umd.min.js"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' {CHARTJS_CDN_URL}",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

STATIC_URL = "static/"
# The dashboard's local copy of Chart.js (`npm ci`), served when its CDN does not load.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/chart.js", BASE_DIR / "node_modules/chart.js/dist"),
]
STATIC_ROOT = DATA_DIR / "static"
