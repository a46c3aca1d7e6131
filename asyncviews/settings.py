"""Settings for asyncviews, read from ASYNCVIEWS_* environment variables with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Everything the site writes (database, generated secret key, collected static files)
# lives in one directory, so a test or a second server can use its own.
DATA_DIR = Path(os.environ.get("ASYNCVIEWS_DATA_DIR", BASE_DIR / "var")).resolve()


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The given key, or one generated once and kept in DATA_DIR, so sessions survive restarts."""
    given = os.environ.get("ASYNCVIEWS_SECRET_KEY")
    if given:
        return given
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


DEBUG = _truthy("ASYNCVIEWS_DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ASYNCVIEWS_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]

# Where the http scenarios send their requests. Empty means this server's own mock
# upstream (/upstream/), so everything works offline; set it to a real httpbin instead.
UPSTREAM_URL = os.environ.get("ASYNCVIEWS_UPSTREAM_URL", "").rstrip("/")
# How long the http scenarios wait for the upstream: longer than the longest delay they ask for.
UPSTREAM_TIMEOUT_S = float(os.environ.get("ASYNCVIEWS_UPSTREAM_TIMEOUT_S", "15"))

# The dashboard's instrument.
# Measuring in-view counts and loop lag; off only to measure what measuring costs (bench/).
TELEMETRY = os.environ.get("ASYNCVIEWS_TELEMETRY", "on").strip().lower() not in {"0", "off", "no"}
# The most concurrent calls one run may fire.
MAX_RUN_N = int(os.environ.get("ASYNCVIEWS_MAX_RUN_N", "1000"))
# The most requests all runs together may have in flight; a launch past it is refused (409).
MAX_IN_FLIGHT = int(os.environ.get("ASYNCVIEWS_MAX_IN_FLIGHT", "2000"))
# Requests of a run still open after this many seconds are cancelled and counted as errors.
RUN_TIME_LIMIT_S = float(os.environ.get("ASYNCVIEWS_RUN_TIME_LIMIT_S", "120"))
# This server's own base URL, the only place the load generator sends requests to.
# `manage.py serve` sets it from the address it listens on; another ASGI server needs it set.
# Never taken from a request: Host and X-Forwarded-* are the client's to choose.
SELF_URL = os.environ.get("ASYNCVIEWS_SELF_URL", "").rstrip("/")
# The presenter's token: when set, launching runs takes it (dashboard/presenter.py).
# `manage.py serve` generates one when it listens beyond loopback and none is set.
DASHBOARD_TOKEN = os.environ.get("ASYNCVIEWS_DASHBOARD_TOKEN", "")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "asyncviews",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it counts the view itself and not the middleware around it.
    *(["dashboard.middleware.InViewMiddleware"] if TELEMETRY else []),
]

ROOT_URLCONF = "asyncviews.urls"
ASGI_APPLICATION = "asyncviews.asgi.application"
WSGI_APPLICATION = "asyncviews.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        # Write-ahead logging: the ORM scenarios' slow reads must not block the dashboard's
        # writes of its runs, nor those writes the reads being measured.
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# Production: served over HTTPS by a TLS proxy in front (which sets X-Forwarded-Proto;
# uvicorn trusts it from 127.0.0.1, or from FORWARDED_ALLOW_IPS). `manage.py check --deploy`
# is clean with ASYNCVIEWS_HTTPS=on and a dashboard token.
HTTPS = _truthy("ASYNCVIEWS_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
# The load generator calls this server over plain HTTP on loopback (settings.SELF_URL).
SECURE_REDIRECT_EXEMPT = [r"^scenarios/"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("ASYNCVIEWS_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SILENCED_SYSTEM_CHECKS = [
    # Asking browsers to preload HTTPS-only for a whole domain is its owner's decision, made
    # at hstspreload.org, not this site's: no `preload` directive.
    "security.W021",
    # X-Frame-Options (X_FRAME_OPTIONS, DENY) is on every response, the stream and static
    # files included, from dashboard/guard.py: Django's XFrameOptionsMiddleware would only
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "asyncviews": {"handlers": ["console"], "level": "INFO"},
        "dashboard": {"handlers": ["console"], "level": "INFO"},
        # Django sends the tracebacks of 500s here; without DEBUG nothing would show them.
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
