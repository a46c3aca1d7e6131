"""Who may launch runs, checked before a launch's fields are read: the content type, the
presenter's token, and Django's CSRF check where a browser's cookies could be abused."""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware

from dashboard import instrument
from dashboard.web import presenter
from dashboard.web.errors import error

LAUNCH_CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
)


def _csrf_failure(request: HttpRequest) -> HttpResponseBase | None:
    """Django's own CSRF check, for the form posts a launch takes besides JSON."""
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda request: HttpResponse(), (), {})


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def too_many_attempts(request: HttpRequest) -> HttpResponseBase | None:
    """A 429 for an address that sent too many wrong tokens lately (dashboard/web/attempts.py)."""
    address = client_address(request)
    wait_s = instrument.current().attempts.retry_after_s(address)
    if wait_s is None:
        return None
    return error(
        "token",
        f"too many wrong tokens from {address}: try again in {wait_s} s",
        HTTPStatus.TOO_MANY_REQUESTS,
        headers={"Retry-After": str(wait_s)},
    )


def launch_refusal(request: HttpRequest) -> HttpResponseBase | None:
    """The answer to a request that may not launch runs; None when it may."""
    if request.content_type not in LAUNCH_CONTENT_TYPES:
        allowed = ", ".join(repr(t) for t in LAUNCH_CONTENT_TYPES)
        return error(
            "body",
            f"Content-Type must be one of {allowed}; got {request.content_type!r}",
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        )
    by_header = False
    if presenter.token_required():
        sent = presenter.header_token(request.headers)
        if sent is not None and (refusal := too_many_attempts(request)):
            return refusal
        by_header = sent is not None and presenter.is_token(sent)
        if sent is not None and not by_header:
            instrument.current().attempts.failed(client_address(request))
        if not by_header and not presenter.has_cookie(request.COOKIES):
            return error(
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
    return None
