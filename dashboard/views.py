"""The dashboard's pages and the runs API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asyncviews.params import MAX_DELAY_S, shown
from asyncviews.scenarios import SCENARIOS
from dashboard import presenter
from dashboard.instrument import runs
from dashboard.launch import InvalidLaunch, Launch, parse_body, parse_launch, parse_race
from dashboard.models import Run
from dashboard.runs import START_DELAY_S, AtCapacity

N_PRESETS = [1, 10, 50, 100, 500, 1000]
RECENT_RUNS = 50
LAUNCH_CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
)


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
            "can_launch": presenter.is_presenter(request.headers, request.COOKIES),
            "chartjs_cdn_url": settings.CHARTJS_CDN_URL,
        },
    )


@require_POST
def presenter_view(request: HttpRequest) -> HttpResponse:
    """Take the token from the page's form and remember this browser as the presenter's."""
    if not presenter.token_required():
        return _error("token", "this server has no dashboard token: launching is open to all")
    if not presenter.is_token(request.POST.get("token", "")):
        return _error("token", "that is not the dashboard token", HTTPStatus.FORBIDDEN)
    response = HttpResponseRedirect(reverse("index"), status=HTTPStatus.SEE_OTHER)
    presenter.grant(response)
    return response


def _error(field: str, message: str, status: int = HTTPStatus.BAD_REQUEST) -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=status)


def _csrf_failure(request: HttpRequest) -> HttpResponseBase | None:
    """Django's own CSRF check, for the form posts this view takes besides JSON."""
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda request: HttpResponse(), (), {})


def _launch_refusal(request: HttpRequest) -> HttpResponseBase | None:
    """The answer to a request that may not launch runs; None when it may."""
    if request.content_type not in LAUNCH_CONTENT_TYPES:
        allowed = ", ".join(repr(t) for t in LAUNCH_CONTENT_TYPES)
        return _error(
            "body",
            f"Content-Type must be one of {allowed}; got {request.content_type!r}",
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        )
    by_header = False
    if presenter.token_required():
        sent = presenter.header_token(request.headers)
        by_header = sent is not None and presenter.is_token(sent)
        if not by_header and not presenter.has_cookie(request.COOKIES):
            return _error(
                "token",
                "launching runs takes the presenter's token: enter it on the page, or send "
                f"it as 'Authorization: Bearer <token>' or '{presenter.HEADER_NAME}: <token>'",
                HTTPStatus.FORBIDDEN,
            )
    # Another site's page can make a browser send its cookies and a form, never a header:
    # only a request that proves itself by a header needs no CSRF token. A JSON body cannot
    # come cross-site without a CORS preflight this site never grants, so without a token
    # (on loopback) the CLI's JSON posts need none either.
    needs_csrf = not by_header and (
        request.content_type != "application/json" or presenter.token_required()
    )
    if needs_csrf and (failure := _csrf_failure(request)):
        return failure
    if not settings.SELF_URL:
        return JsonResponse(
            {
                "error": "this server does not know its own address, the only one the load "
                "generator calls: serve with `manage.py serve` or set ASYNCVIEWS_SELF_URL"
            },
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )
    return None


def _at_capacity(busy: AtCapacity) -> JsonResponse:
    return JsonResponse(
        {"error": str(busy), "field": busy.field, "retry_after_s": busy.retry_after_s},
        status=HTTPStatus.CONFLICT,
        headers={"Retry-After": str(busy.retry_after_s)},
    )


def _fields(request: HttpRequest) -> Mapping[str, Any]:
    """The posted fields; InvalidLaunch when the body is not a JSON object."""
    return parse_body(request.content_type or "", request.body, request.POST)


async def _create(launch: Launch) -> Run:
    return await Run.objects.acreate(scenario=launch.scenario, n=launch.n, delay=launch.delay)


def _start(run: Run, start_at: float | None = None) -> None:
    url = f"{settings.SELF_URL}/scenarios/{run.scenario}/?delay={run.delay:g}"
    runs.start(run, url, start_at)


def _created(request: HttpRequest, started: list[Run]) -> HttpResponseBase:
    if getattr(request, "htmx", False):
        # The card shows the first run; in a race, the page draws the rival beside it.
        first = started[0]
        context: dict[str, Any] = {"run": first.as_dict(), "scenario": SCENARIOS[first.scenario]}
        return render(request, "dashboard/index.html#run-card", context, status=HTTPStatus.CREATED)
    if len(started) == 1:
        return JsonResponse(started[0].as_dict(), status=HTTPStatus.CREATED)
    return JsonResponse({"runs": [run.as_dict() for run in started]}, status=HTTPStatus.CREATED)


@csrf_exempt  # checked by _launch_refusal, which knows who needs a CSRF token
@require_http_methods(["GET", "POST"])
async def runs_view(request: HttpRequest) -> HttpResponseBase:
    if request.method == "GET":
        recent = [
            run.as_dict(with_timings=False)
            async for run in Run.objects.defer("timings")[:RECENT_RUNS]
        ]
        return JsonResponse({"runs": recent})

    if refusal := _launch_refusal(request):
        return refusal
    try:
        launch = parse_launch(_fields(request))
    except InvalidLaunch as invalid:
        return _error(invalid.field, str(invalid))
    try:
        with runs.admitting([launch.scenario], launch.n):
            run = await _create(launch)
            _start(run)
    except AtCapacity as busy:
        return _at_capacity(busy)
    return _created(request, [run])


@csrf_exempt  # as runs_view
@require_POST
async def races_view(request: HttpRequest) -> HttpResponseBase:
    """Fire two scenarios at once with the same n and delay."""
    if refusal := _launch_refusal(request):
        return refusal
    try:
        launch, versus = parse_race(_fields(request))
    except InvalidLaunch as invalid:
        return _error(invalid.field, str(invalid))
    try:
        with runs.admitting([launch.scenario, versus.scenario], launch.n + versus.n):
            first, second = await _create(launch), await _create(versus)
            first.rival, second.rival = second, first
            await first.asave(update_fields=["rival"])
            await second.asave(update_fields=["rival"])
            # Both load generators fire at the same instant, whatever their start-up takes.
            start_at = time.monotonic() + START_DELAY_S
            _start(first, start_at)
            _start(second, start_at)
    except AtCapacity as busy:
        return _at_capacity(busy)
    return _created(request, [first, second])


@csrf_exempt  # GET only: a POST gets the 405 naming GET, not a 403 about a token
@require_GET
async def run_view(request: HttpRequest, run_id: int) -> JsonResponse:
    """The run; `?timings=no` leaves out the per-request timings, for polling a big run."""
    timings = request.GET.get("timings", "yes")
    if timings not in {"yes", "no"}:
        return _error("timings", f"timings must be 'yes' or 'no', got {shown(timings)}")
    run = runs.get(run_id)
    if run is None:
        try:
            run = await Run.objects.aget(pk=run_id)
        except Run.DoesNotExist:
            return _error("id", f"no run with id {run_id}", HTTPStatus.NOT_FOUND)
    return JsonResponse(run.as_dict(with_timings=timings == "yes"))
