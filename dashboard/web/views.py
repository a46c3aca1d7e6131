"""The dashboard's page, and the presenter's token form."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from asyncviews.params import MAX_DELAY_S
from asyncviews.scenarios import SCENARIOS
from dashboard import instrument
from dashboard.servers.registry import DEFAULT_SERVER, SERVERS
from dashboard.web import presenter
from dashboard.web.errors import error

N_PRESETS = [1, 10, 50, 100, 500, 1000]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    default = instrument.current().pool.get(DEFAULT_SERVER)
    return render(
        request,
        "dashboard/index.html",
        {
            "scenarios": list(SCENARIOS.values()),
            "servers": list(SERVERS.values()),
            "default_server": DEFAULT_SERVER,
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
def presenter_view(request: HttpRequest) -> HttpResponse:
    """Take the token from the page's form and remember this browser as the presenter's."""
    if not presenter.token_required():
        return error("token", "this server has no dashboard token: launching is open to all")
    if not presenter.is_token(request.POST.get("token", "")):
        return error("token", "that is not the dashboard token", HTTPStatus.FORBIDDEN)
    response = HttpResponseRedirect(reverse("index"), status=HTTPStatus.SEE_OTHER)
    presenter.grant(response)
    return response
