"""The dashboard's page, and the presenter's token form."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from asyncviews.params import MAX_DELAY_S
from asyncviews.scenarios import SCENARIOS
from dashboard import instrument
from dashboard.servers.registry import DEFAULT_SERVER, SERVERS
from dashboard.web import presenter
from dashboard.web.errors import error
from dashboard.web.refusals import client_address, too_many_attempts

N_PRESETS = [1, 10, 50, 100, 500, 1000]
# The kind badge beside each choice says it already: the rows show what follows.
KIND_PREFIXES = ("Async view, ", "Async view ", "Sync view, ", "Sync view ")


def choice_label(label: str) -> tuple[str, str]:
    """A scenario's label as (prefix, rest): the page shows the rest, screen readers both."""
    for prefix in KIND_PREFIXES:
        if label.startswith(prefix):
            return prefix, label.removeprefix(prefix)
    return "", label


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    default = instrument.current().pool.get(DEFAULT_SERVER)
    return render(
        request,
        "dashboard/index.html",
        {
            "scenarios": list(SCENARIOS.values()),
            "choices": [(s, *choice_label(s.label)) for s in SCENARIOS.values()],
            "servers": list(SERVERS.values()),
            "default_server": DEFAULT_SERVER,
            "default_server_label": SERVERS[DEFAULT_SERVER].label,
            # Where the tutorial's views are served: the default subject's address.
            "subject_url": default.url if default is not None else "",
            "max_n": settings.MAX_RUN_N,
            "presets": [n for n in N_PRESETS if n <= settings.MAX_RUN_N],
            "default_delay": 1.0,
            "max_delay": MAX_DELAY_S,
            "can_launch": presenter.is_presenter(request.headers, request.COOKIES),
            "chartjs_cdn_url": settings.CHARTJS_CDN_URL,
        },
    )


@require_POST
async def presenter_view(request: HttpRequest) -> HttpResponseBase:
    """Take the token from the page's form and remember this browser as the presenter's.

    Async, so that the count of attempts is only ever touched on the event loop's thread.
    """
    if not presenter.token_required():
        return error("token", "this server has no dashboard token: launching is open to all")
    if refusal := too_many_attempts(request):
        return refusal
    # Made either way: a wrong token is answered no faster than a right one.
    response = HttpResponseRedirect(reverse("index"), status=HTTPStatus.SEE_OTHER)
    presenter.grant(response)
    if not presenter.is_token(request.POST.get("token", "")):
        instrument.current().attempts.failed(client_address(request))
        return error("token", "that is not the dashboard token", HTTPStatus.FORBIDDEN)
    return response
