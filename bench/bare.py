"""A bare Django project, generated with `django-admin startproject` at bench time.

It keeps what startproject generates (apps, database, USE_I18N, its plain asgi.py), serves
the same async-sleep view as asyncviews' scenarios (delay parsed and bounded the same way,
GET only, CSRF-exempt), and has the same three Django middlewares as asyncviews' settings, no
probe. DEBUG and ALLOWED_HOSTS are set as asyncviews' defaults.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

NAME = "bare"
APP = f"{NAME}.asgi:application"

VIEWS = '''"""The async-sleep view, as asyncviews/scenario_views.py has it."""

import asyncio
import math

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET


async def _async_sleep(request, delay):
    await asyncio.sleep(delay)
    return HttpResponse(f"slept {delay:g} s")


@csrf_exempt
@require_GET
async def async_sleep(request):
    try:
        delay = float(request.GET.get("delay", "1"))
    except ValueError:
        delay = math.nan
    if not 0 <= delay <= 10:
        return JsonResponse({"error": "delay must be 0 to 10 s", "field": "delay"}, status=400)
    return await _async_sleep(request, delay)
'''

URLS = """from django.contrib import admin
from django.urls import path

from bare.views import async_sleep

urlpatterns = [
    path("admin/", admin.site.urls),
    path("scenarios/async-sleep/", async_sleep, name="async-sleep"),
]
"""

SETTINGS = """
# The benchmark's changes: asyncviews' defaults and its three middlewares.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
"""


def generate(directory: Path) -> Path:
    """startproject into directory; the directory to serve APP from."""
    django_admin = Path(sys.executable).with_name("django-admin")
    command = str(django_admin) if django_admin.exists() else shutil.which("django-admin")
    if command is None:
        raise SystemExit("django-admin is not installed: `make install`")
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([command, "startproject", NAME, str(directory)], check=True)
    package = directory / NAME
    (package / "views.py").write_text(VIEWS)
    (package / "urls.py").write_text(URLS)
    with (package / "settings.py").open("a") as settings:
        settings.write(SETTINGS)
    return directory
