"""Launching runs when the server is busy, big, or low on file descriptors."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.server import Server, start_server, wait_for
from tests.runs import finish, launch, race, wait_all_in_flight


def test_a_scenario_runs_once_at_a_time(server: Server) -> None:
    first = launch(server.url, "async-sleep", 5, 2)

    second = httpx.post(
        server.url + "/runs/", json={"scenario": "async-sleep", "n": 5, "delay": 0}, timeout=10
    )
    race = httpx.post(
        server.url + "/races/",
        json={"scenario": "sync-sleep", "versus": "async-sleep", "n": 5, "delay": 0},
        timeout=10,
    )

    for refused in (second, race):
        assert refused.status_code == 409
        assert refused.json()["field"] == "scenario"
        assert refused.json()["error"].startswith(
            f"scenario is busy on that server: run {first['id']} of async-sleep@uvicorn "
            "(0 of 5 done);"
        )
        assert int(refused.headers["Retry-After"]) >= 1
    assert finish(server.url, first["id"])["status"] == "finished"
    assert launch(server.url, "async-sleep", 5, 0)["status"] == "running"
    wait_for(
        lambda: not httpx.get(server.url + "/health/").json()["runs_in_progress"],
        deadline_s=10,
        what="the runs to end",
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b'{"scenario": "async-sleep", "n": ' + b"9" * 5000 + b"}", "body", "JSON object"),
        (b'{"scenario": "async-sleep", "n": 1, "delay": 1' + b"0" * 400 + b"}", "delay", "..."),
    ],
)
def test_huge_numbers_are_400s(server: Server, body: bytes, field: str, message: str) -> None:
    response = httpx.post(
        server.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert message in response.json()["error"]
    assert len(response.json()["error"]) < 200


def test_a_huge_n_in_a_form_is_a_400(server: Server) -> None:
    with httpx.Client(base_url=server.url) as browser:
        browser.get("/")
        response = browser.post(
            "/runs/",
            data={"scenario": "async-sleep", "n": "1" * 5000},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        )

    assert response.status_code == 400
    assert response.json()["error"] == (
        "n must be a whole number from 1 to 1000, got '111111111111111111111111111111111111..."
    )


def test_the_two_runs_of_a_race_fire_at_the_same_instant(server: Server) -> None:
    started = race(server.url, "async-sleep", 20, 0.5, versus="sync-sleep")
    runs = [finish(server.url, run["id"]) for run in started]

    # Timings count from the instant both load generators were told to fire: the same one.
    assert runs[0]["start_at"] == runs[1]["start_at"]
    first_sent = [min(sent for _, sent, *_ in run["timings"]) for run in runs]
    # Each sent its first request at that instant, give or take waking its process: two
    # generators sleeping on two busy cores can wake a few hundred ms apart. (One that fired
    # as soon as it was ready, not at the instant, would have sent before it: below 0.)
    assert all(0 <= sent < 1.0 for sent in first_sent)
    assert abs(first_sent[0] - first_sent[1]) < 0.3


def test_slow_orm_queries_do_not_hold_up_launches(server: Server) -> None:
    slow = launch(server.url, "orm-sync", 3, 3)
    wait_all_in_flight(server.url, slow)

    started = time.monotonic()
    quick = launch(server.url, "async-sleep", 1, 0)
    launch_s = time.monotonic() - started

    assert launch_s < 1.5
    assert finish(server.url, quick["id"])["status"] == "finished"
    assert finish(server.url, slow["id"])["errors"] == 0


@pytest.fixture
def few_open_files() -> Iterator[None]:
    """Processes started meanwhile get a soft limit of 1024 descriptors, a common default."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, soft), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_thousand_calls_fit_under_a_1024_descriptor_limit(
    tmp_path: Path, few_open_files: None
) -> None:
    server = start_server(tmp_path)
    try:
        run = finish(server.url, launch(server.url, "async-sleep", 1000, 3)["id"])
    finally:
        server.stop()

    assert run["status"] == "finished"
    assert run["errors"] == 0
    # Nearly all open at once: three seconds in view leave a busy machine time to let the
    # thousand in before the first leave (with one second, early ones could leave first).
    assert run["peaks"]["in_view"] >= 900
