"""The runs API: launch runs and races on a server, follow them, list them; list the servers.

POST /runs/ and /races/ admit the launch first (one run per scenario and server, requests in
flight bounded), then make sure its servers are up in the configuration asked for (starting
one takes a second or two; the page shows "starting…" from the stream meanwhile), then fire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asyncviews.params import shown
from asyncviews.scenarios import SCENARIOS
from dashboard import instrument
from dashboard.models import Run
from dashboard.runs.admission import AtCapacity
from dashboard.servers.ports import StartFailed
from dashboard.servers.registry import SERVERS
from dashboard.web.errors import error
from dashboard.web.launch import InvalidLaunch, Launch, parse_body, parse_launch, parse_race
from dashboard.web.refusals import launch_refusal

RECENT_RUNS = 50


def _at_capacity(busy: AtCapacity) -> JsonResponse:
    return error(
        busy.field,
        str(busy),
        HTTPStatus.CONFLICT,
        headers={"Retry-After": str(busy.retry_after_s)},
        retry_after_s=busy.retry_after_s,
    )


def _fields(request: HttpRequest) -> Mapping[str, Any]:
    """The posted fields; InvalidLaunch when the body is not a JSON object."""
    return parse_body(request.content_type or "", request.body, request.POST)


def _created(request: HttpRequest, started: list[Run]) -> HttpResponseBase:
    if getattr(request, "htmx", False):
        # The card shows the first run; in a race, the page draws the rival beside it.
        first = started[0]
        context: dict[str, Any] = {"run": first.as_dict(), "scenario": SCENARIOS[first.scenario]}
        return render(request, "dashboard/index.html#run-card", context, status=HTTPStatus.CREATED)
    if len(started) == 1:
        return JsonResponse(started[0].as_dict(), status=HTTPStatus.CREATED)
    return JsonResponse({"runs": [run.as_dict() for run in started]}, status=HTTPStatus.CREATED)


async def _launch(request: HttpRequest, launches: Sequence[Launch]) -> HttpResponseBase:
    """Admit, start the servers, create the runs and fire them together."""
    parts = instrument.current()
    try:
        with parts.runs.admission.admitting(
            [(launch.scenario, launch.config) for launch in launches],
            sum(launch.n for launch in launches),
        ):
            # A race's two servers start side by side, not one after the other.
            subjects = await asyncio.gather(*(parts.pool.ensure(one.config) for one in launches))
            urls = [
                f"{subject.url}/scenarios/{launch.scenario}/?delay={launch.delay:g}"
                for subject, launch in zip(subjects, launches, strict=True)
            ]
            runs = [
                await Run.objects.acreate(
                    scenario=launch.scenario,
                    n=launch.n,
                    delay=launch.delay,
                    server=launch.config.server,
                    workers=launch.config.workers,
                    threads=launch.config.threads,
                )
                for launch in launches
            ]
            if len(runs) == 2:
                runs[0].rival, runs[1].rival = runs[1], runs[0]
                for run in runs:
                    await run.asave(update_fields=["rival"])
            parts.runs.start(list(zip(runs, urls, strict=True)))
    except AtCapacity as busy:
        return _at_capacity(busy)
    except StartFailed as failed:
        return error(
            "server",
            f"could not start {failed}",
            HTTPStatus.SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return _created(request, runs)


@csrf_exempt  # checked by launch_refusal, which knows who needs a CSRF token
@require_http_methods(["GET", "POST"])
async def runs_view(request: HttpRequest) -> HttpResponseBase:
    if request.method == "GET":
        recent = [
            run.as_dict(with_timings=False)
            async for run in Run.objects.defer("timings", "spans")[:RECENT_RUNS]
        ]
        return JsonResponse({"runs": recent})
    if refusal := launch_refusal(request):
        return refusal
    try:
        launch = parse_launch(_fields(request))
    except InvalidLaunch as invalid:
        return error(invalid.field, str(invalid))
    return await _launch(request, [launch])


@csrf_exempt  # as runs_view
@require_POST
async def races_view(request: HttpRequest) -> HttpResponseBase:
    """Fire two runs at the same instant with the same n and delay."""
    if refusal := launch_refusal(request):
        return refusal
    try:
        launches = parse_race(_fields(request))
    except InvalidLaunch as invalid:
        return error(invalid.field, str(invalid))
    return await _launch(request, launches)


@csrf_exempt  # GET only: a POST gets the 405 naming GET, not a 403 about a token
@require_GET
async def run_view(request: HttpRequest, run_id: int) -> JsonResponse:
    """The run; `?timings=no` leaves out the per-request timings and spans, for polling."""
    timings = request.GET.get("timings", "yes")
    if timings not in {"yes", "no"}:
        return error("timings", f"timings must be 'yes' or 'no', got {shown(timings)}")
    run = instrument.current().runs.get(run_id)
    if run is None:
        try:
            run = await Run.objects.aget(pk=run_id)
        except Run.DoesNotExist:
            return error("id", f"no run with id {run_id}", HTTPStatus.NOT_FOUND)
    return JsonResponse(run.as_dict(with_timings=timings == "yes"))


@csrf_exempt  # as run_view
@require_GET
def servers_view(request: HttpRequest) -> JsonResponse:
    """The server registry, with each server's bounds and what it is doing now."""
    states = instrument.current().pool.states
    return JsonResponse(
        {
            "servers": [
                {
                    "slug": server.slug,
                    "label": server.label,
                    "protocol": server.protocol,
                    "explanation": server.explanation,
                    "workers": {"default": server.workers[0], "max": server.workers[1]},
                    "threads": {"default": server.threads[0], "max": server.threads[1]},
                    "state": states.get(server.slug),
                }
                for server in SERVERS.values()
            ]
        }
    )
