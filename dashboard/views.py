"""The dashboard's pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from asyncviews.scenarios import SCENARIOS


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/index.html", {"scenarios": SCENARIOS.values()})
