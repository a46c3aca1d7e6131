"""Settings of the asyncviews project as its users deploy it: the subject the dashboard measures.

The tutorial's views and the scenarios, with the probe as the last middleware. The dashboard
process runs with dashboard/settings.py, which starts from these. Values come from
ASYNCVIEWS_* environment variables with safe defaults.
"""

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

# Where the http scenarios send their requests: an httpbin. The dashboard starts its own mock
# upstream (asyncviews/mock_upstream.py) in a process of its own and sets this for the
# subjects it starts, so everything works offline.
UPSTREAM_URL = os.environ.get("ASYNCVIEWS_UPSTREAM_URL", "").rstrip("/")
# How long the http scenarios wait for the upstream: longer than the longest delay they ask for.
UPSTREAM_TIMEOUT_S = float(os.environ.get("ASYNCVIEWS_UPSTREAM_TIMEOUT_S", "15"))

# Measuring in-view counts, spans and loop lag; off only to measure what measuring costs (bench/).
TELEMETRY = os.environ.get("ASYNCVIEWS_TELEMETRY", "on").strip().lower() not in {"0", "off", "no"}

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "asyncviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Last, so it counts the view itself and not the middleware around it.
    *(["probe.middleware.ProbeMiddleware"] if TELEMETRY else []),
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "asyncviews": {"handlers": ["console"], "level": "INFO"},
        "probe": {"handlers": ["console"], "level": "INFO"},
        # Django sends the tracebacks of 500s here; without DEBUG nothing would show them.
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
