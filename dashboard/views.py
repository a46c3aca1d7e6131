"""The dashboard's pages and the runs API."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asyncviews.params import MAX_DELAY_S
from asyncviews.scenarios import SCENARIOS
from dashboard.instrument import runs
from dashboard.launch import InvalidLaunch, Launch, parse_body, parse_launch, parse_race
from dashboard.models import Run

N_PRESETS = [1, 10, 50, 100, 500, 1000]
RECENT_RUNS = 50


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/index.html",
        {
            "scenarios": list(SCENARIOS.values()),
            "max_n": settings.MAX_RUN_N,
            "presets": [n for n in N_PRESETS if n <= settings.MAX_RUN_N],
            "default_delay": 1.0,
            "max_delay": MAX_DELAY_S,
        },
    )


def _error(field: str, message: str, status: int = HTTPStatus.BAD_REQUEST) -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=status)


def _csrf_failure(request: HttpRequest) -> HttpResponseBase | None:
    """Django's own CSRF check, for the form posts this view takes besides JSON."""
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda request: HttpResponse(), (), {})


def _self_url(request: HttpRequest) -> str:
    """This server's own address: the one it was started on, else the socket's (never Host)."""
    if settings.SELF_URL:
        return settings.SELF_URL
    host = request.META["SERVER_NAME"]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{request.META['SERVER_PORT']}"


def _fields(request: HttpRequest) -> Mapping[str, Any]:
    """The posted fields; InvalidLaunch when the body is not a JSON object."""
    return parse_body(request.content_type or "", request.body, request.POST)


async def _create(launch: Launch) -> Run:
    return await Run.objects.acreate(scenario=launch.scenario, n=launch.n, delay=launch.delay)


async def _start(request: HttpRequest, run: Run) -> None:
    await runs.start(run, f"{_self_url(request)}/scenarios/{run.scenario}/?delay={run.delay:g}")


def _created(request: HttpRequest, started: list[Run]) -> HttpResponseBase:
    if getattr(request, "htmx", False):
        cards = [{"run": run.as_dict(), "scenario": SCENARIOS[run.scenario]} for run in started]
        context: dict[str, Any] = {**cards[0], "cards": cards}
        return render(request, "dashboard/index.html#run-card", context, status=HTTPStatus.CREATED)
    if len(started) == 1:
        return JsonResponse(started[0].as_dict(), status=HTTPStatus.CREATED)
    return JsonResponse({"runs": [run.as_dict() for run in started]}, status=HTTPStatus.CREATED)


# JSON clients (the CLI, scripts) send no CSRF token: a cross-site page cannot send an
# application/json body without a CORS preflight this site never grants, so only form
# posts are checked, by _csrf_failure.
@csrf_exempt
@require_http_methods(["GET", "POST"])
async def runs_view(request: HttpRequest) -> HttpResponseBase:
    if request.method == "GET":
        recent = [
            run.as_dict(with_timings=False)
            async for run in Run.objects.defer("timings")[:RECENT_RUNS]
        ]
        return JsonResponse({"runs": recent})

    if request.content_type != "application/json" and (failure := _csrf_failure(request)):
        return failure
    try:
        launch = parse_launch(_fields(request))
    except InvalidLaunch as invalid:
        return _error(invalid.field, str(invalid))
    run = await _create(launch)
    await _start(request, run)
    return _created(request, [run])


@csrf_exempt  # as runs_view
@require_POST
async def races_view(request: HttpRequest) -> HttpResponseBase:
    """Fire two scenarios at once with the same n and delay."""
    if request.content_type != "application/json" and (failure := _csrf_failure(request)):
        return failure
    try:
        launch, versus = parse_race(_fields(request))
    except InvalidLaunch as invalid:
        return _error(invalid.field, str(invalid))
    # Both rows exist before either load generator starts, so the two start together.
    first, second = await _create(launch), await _create(versus)
    first.rival, second.rival = second, first
    await first.asave(update_fields=["rival"])
    await second.asave(update_fields=["rival"])
    await _start(request, first)
    await _start(request, second)
    return _created(request, [first, second])


@csrf_exempt  # GET only: a POST gets the 405 naming GET, not a 403 about a token
@require_GET
async def run_view(request: HttpRequest, run_id: int) -> JsonResponse:
    run = runs.get(run_id)
    if run is None:
        try:
            run = await Run.objects.aget(pk=run_id)
        except Run.DoesNotExist:
            return _error("id", f"no run with id {run_id}", HTTPStatus.NOT_FOUND)
    return JsonResponse(run.as_dict())
