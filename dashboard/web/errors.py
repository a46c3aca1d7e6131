"""The one shape of an error answer: {"error": <what is wrong>, "field": <which input>, ...}.

The page shows the message next to the field it names; the CLI prints the message. Django
views answer with error(); Starlette endpoints and pure ASGI middleware send envelope().
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse


def envelope(field: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, "field": field, **extra}


def error(
    field: str,
    message: str,
    status: int = HTTPStatus.BAD_REQUEST,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    return JsonResponse(envelope(field, message, **extra), status=status, headers=headers)
