"""The probe in-process: what it counts on the request path, and loop lag seen from outside."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import ResolverMatch

from harness.server import wait_for
from probe import proc
from probe.counters import MAX_SPANS, Counters
from probe.looplag import LoopLag
from probe.middleware import ProbeMiddleware, this_process
from probe.protocol import ERROR_KIND_HEADER


def test_peaks_hold_the_most_seen_since_the_last_take() -> None:
    counters = Counters()
    first = counters.enter("async-sleep")
    second = counters.enter("async-sleep")
    counters.leave("async-sleep", "7.0", first)

    peaks, spans, dropped = counters.take()

    assert peaks == {"async-sleep": 2}
    assert [span[0] for span in spans] == ["7.0"]
    assert dropped == 0
    # Still one in view: the next take starts from it.
    assert counters.take()[0] == {"async-sleep": 1}
    counters.leave("async-sleep", None, second)
    assert counters.take() == ({"async-sleep": 1}, [], 0)
    assert counters.take() == ({}, [], 0)


def test_a_span_is_entered_left_and_the_thread_that_ran_it() -> None:
    counters = Counters()
    entered = counters.enter("sync-sleep")
    counters.leave("sync-sleep", "3.12", entered)

    ((request_id, span_entered, left, thread),) = counters.take()[1]

    assert request_id == "3.12"
    assert span_entered == entered <= left <= time.monotonic()
    assert thread == threading.get_native_id()


def test_spans_beyond_the_limit_are_counted_as_dropped_not_kept() -> None:
    counters = Counters()
    for i in range(MAX_SPANS + 5):
        counters.leave("x", str(i), counters.enter("x"))

    _, spans, dropped = counters.take()

    assert (len(spans), dropped) == (MAX_SPANS, 5)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, as a server's loop runs."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def test_loop_lag_grows_while_the_loop_is_blocked(loop: asyncio.AbstractEventLoop) -> None:
    lag = LoopLag()
    lag.watch(loop)
    # Posts the first callback. (The loop's thread may run it, counting the tasks, before
    # sample() returns: the count is a race, the lag not.)
    assert lag.sample()[0] == 0.0
    wait_for(lambda: lag.sample()[1] is not None, deadline_s=5, what="the loop to run it")
    released = threading.Event()
    loop.call_soon_threadsafe(released.wait, 10)
    lag.sample()  # posted behind the block

    seen: list[float] = []

    def grown() -> bool:
        ms, _ = lag.sample()
        seen.append(ms or 0.0)
        return (ms or 0.0) >= 300

    wait_for(grown, deadline_s=10, what="the lag to grow past 300 ms")
    released.set()

    # Seen growing while the loop was held, not only once it was free again (the first
    # samples may still see a callback posted before the block).
    held = [ms for ms in seen if ms >= 50]
    assert len(held) >= 2
    assert held == sorted(held)
    wait_for(lambda: (lag.sample()[0] or 0) < 300, deadline_s=10, what="the lag to fall")


def test_no_loop_no_lag() -> None:
    assert LoopLag().sample() == (None, None)


def test_threads_are_the_operating_systems_count() -> None:
    before = proc.threads()
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert proc.threads() == before + 1
    finally:
        release.set()
        thread.join()
    assert proc.rss_bytes() > 0
    assert proc.cpu_s() > 0


def test_cpu_seconds_count_finer_than_the_kernels_ticks() -> None:
    # Counted in ticks (1/CLK_TCK s, 10 ms), a 100 ms sample of a busy process would read
    # anywhere from 90 to 110 %. The CPU clock counts what was used, not whole ticks of it.
    before = proc.cpu_s()
    started = time.thread_time()
    while time.thread_time() - started < 0.003:
        pass
    ticks = (proc.cpu_s() - before) * proc.CLOCK_TICKS
    assert ticks > 0
    assert round(ticks, 6) % 1 != 0, ticks


def _request(url_name: str, request_id: str | None = None) -> HttpRequest:
    headers = {"X-Request-Id": request_id} if request_id else {}
    request = RequestFactory().get("/scenarios/x/", headers=headers)
    request.resolver_match = ResolverMatch(lambda r: HttpResponse(), (), {}, url_name=url_name)
    return request


def test_under_wsgi_the_view_runs_counted_in_the_calling_thread() -> None:
    middleware = ProbeMiddleware(lambda request: HttpResponse())
    this_process().counters.take()
    inside: list[int] = []

    def view(request: HttpRequest) -> HttpResponse:
        inside.append(threading.get_native_id())
        return HttpResponse("ok")

    response = middleware.process_view(_request("sync-sleep", "9.4"), view, (), {})
    peaks, spans, _ = this_process().counters.take()

    assert response.content == b"ok"
    assert peaks == {"sync-sleep": 1}
    assert [(s[0], s[3]) for s in spans] == [("9.4", inside[0])]
    assert inside == [threading.get_native_id()]


def test_under_asgi_process_view_is_a_coroutine_and_async_views_run_on_the_loop() -> None:
    async def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    middleware = ProbeMiddleware(get_response)
    this_process().counters.take()

    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(threading.get_native_id()))

    async def call() -> HttpResponse:
        request = _request("async-sleep")
        response: HttpResponse = await middleware.process_view(request, view, (), {})
        return response

    assert asyncio.iscoroutinefunction(middleware.process_view)
    response = asyncio.run(call())
    assert response.content == str(threading.get_native_id()).encode()
    assert this_process().counters.take()[0] == {"async-sleep": 1}


def test_a_view_that_raises_is_a_500_naming_the_error_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    middleware = ProbeMiddleware(lambda request: HttpResponse())

    def view(request: HttpRequest) -> HttpResponse:
        raise LookupError("no such book")

    with caplog.at_level(logging.ERROR, logger="probe.middleware"):
        responses = [
            middleware.process_view(_request("orm-mistake-test"), view, (), {}) for _ in range(3)
        ]

    assert [r.status_code for r in responses] == [500] * 3
    assert {r[ERROR_KIND_HEADER] for r in responses} == {"LookupError"}
    assert [r.message for r in caplog.records].count(
        "view orm-mistake-test raised LookupError (logged once; runs count them)"
    ) == 1
