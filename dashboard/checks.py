"""System checks of the dashboard's settings: limits that fit together, a token in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register()
def check_limits(**kwargs: Any) -> list[CheckMessage]:
    if settings.MAX_IN_FLIGHT < settings.MAX_RUN_N:
        return [
            Error(
                f"ASYNCVIEWS_MAX_IN_FLIGHT ({settings.MAX_IN_FLIGHT}) is below "
                f"ASYNCVIEWS_MAX_RUN_N ({settings.MAX_RUN_N}): the largest run could never start",
                id="dashboard.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_dashboard_token(**kwargs: Any) -> list[CheckMessage]:
    if not settings.DASHBOARD_TOKEN:
        return [
            Warning(
                "ASYNCVIEWS_DASHBOARD_TOKEN is not set: anyone who reaches the server may fire "
                "runs at it",
                hint="Set it to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe())') and enter it on the page.",
                id="dashboard.W001",
            )
        ]
    return []
