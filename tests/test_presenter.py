"""Presenter-only controls: with a dashboard token, launching takes it; everyone else watches."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.server import ROOT, Server, start_server
from harness.sse import events
from tests.runs import finish

TOKEN = "presenter-s3cret-token"
LAUNCH = {"scenario": "async-sleep", "n": 3, "delay": 0}
NO_TOKEN = (
    "launching runs takes the presenter's token: enter it on the page, or send it as "
    "'Authorization: Bearer <token>' or 'X-Dashboard-Token: <token>'"
)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with a dashboard token."""
    server = start_server(
        tmp_path_factory.mktemp("guarded"), env={"ASYNCVIEWS_DASHBOARD_TOKEN": TOKEN}
    )
    yield server
    server.stop()


def _run_ids(server: Server) -> list[int]:
    return [run["id"] for run in httpx.get(server.url + "/runs/").json()["runs"]]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"X-Dashboard-Token": "wrong"},
        {"Cookie": "asyncviews_presenter=forged"},
    ],
)
def test_without_the_token_nothing_is_launched(guarded: Server, headers: dict[str, str]) -> None:
    before = _run_ids(guarded)

    run = httpx.post(guarded.url + "/runs/", json=LAUNCH, headers=headers)
    race = httpx.post(guarded.url + "/races/", json={**LAUNCH, "versus": "sync-sleep"})

    assert (run.status_code, race.status_code) == (403, 403)
    assert run.json() == {"error": NO_TOKEN, "field": "token"}
    assert _run_ids(guarded) == before


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {TOKEN}"}, {"X-Dashboard-Token": TOKEN}]
)
def test_the_token_in_a_header_launches(guarded: Server, headers: dict[str, str]) -> None:
    response = httpx.post(guarded.url + "/runs/", json=LAUNCH, headers=headers)

    assert response.status_code == 201
    assert finish(guarded.url, response.json()["id"])["status"] == "finished"


def test_the_page_form_keeps_the_token_for_this_browser(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url) as browser:
        browser.get("/")
        csrf = {"X-CSRFToken": browser.cookies["csrftoken"]}
        no_csrf = browser.post("/presenter/", data={"token": TOKEN})
        wrong = browser.post("/presenter/", data={"token": "guess"}, headers=csrf)
        entered = browser.post("/presenter/", data={"token": TOKEN}, headers=csrf)
        form = browser.post("/runs/", data={**LAUNCH, "delay": "0"}, headers=csrf)
        json_without_csrf = browser.post("/runs/", json=LAUNCH)
        # Another scenario: the form's run of LAUNCH's may still be going.
        other = {**LAUNCH, "scenario": "sync-sleep"}
        json_with_csrf = browser.post("/runs/", json=other, headers=csrf)

    assert no_csrf.status_code == 403
    assert wrong.status_code == 403
    assert wrong.json() == {"error": "that is not the dashboard token", "field": "token"}
    assert (entered.status_code, entered.headers["location"]) == (303, "/")
    cookie = entered.headers["set-cookie"]
    assert cookie.startswith("asyncviews_presenter=")
    assert TOKEN not in cookie
    assert {"HttpOnly", "SameSite=Strict"} <= {part.strip() for part in cookie.split(";")}
    assert form.status_code == 201
    # The cookie comes with any request the browser makes, even one another site causes.
    assert json_without_csrf.status_code == 403
    assert json_with_csrf.status_code == 201
    for launched in (form, json_with_csrf):
        assert finish(guarded.url, launched.json()["id"])["status"] == "finished"


def _page_controls(html: str) -> tuple[bool, bool]:
    """Whether the page shows the fire controls, and whether it asks for the token."""
    fire_form = re.search(r'<form id="fire-form"[^>]*>', html)
    assert fire_form is not None
    return " hidden>" not in fire_form.group(0), 'id="presenter-form"' in html


def test_only_the_presenter_gets_the_controls(guarded: Server, server: Server) -> None:
    with httpx.Client(base_url=guarded.url) as browser:
        viewer = browser.get("/").text
        browser.post(
            "/presenter/",
            data={"token": TOKEN},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        )
        presenter = browser.get("/").text

    assert _page_controls(viewer) == (False, True)
    assert _page_controls(presenter) == (True, False)
    assert _page_controls(httpx.get(server.url + "/").text) == (True, False)


def test_read_only_viewers_see_the_runs(guarded: Server) -> None:
    launched = httpx.post(
        guarded.url + "/runs/", json=LAUNCH, headers={"X-Dashboard-Token": TOKEN}
    ).json()
    finish(guarded.url, launched["id"])

    assert httpx.get(guarded.url + "/").status_code == 200
    assert launched["id"] in _run_ids(guarded)
    assert httpx.get(f"{guarded.url}/runs/{launched['id']}/").json()["status"] == "finished"


def test_the_servers_health_is_the_presenters(guarded: Server) -> None:
    refused = httpx.get(guarded.url + "/health/")
    shown = httpx.get(guarded.url + "/health/", headers={"Authorization": f"Bearer {TOKEN}"})

    assert refused.status_code == 403
    assert refused.json() == {
        "error": "the server's health is the presenter's: send the dashboard token",
        "field": "token",
    }
    assert shown.status_code == 200
    assert shown.json()["runs_in_progress"] >= 0


def test_the_event_stream_shows_only_what_the_runs_api_shows_everyone(guarded: Server) -> None:
    raw: list[Any] = []
    fired: dict[str, Any] = {}

    def fire() -> None:
        response = httpx.post(
            guarded.url + "/runs/",
            json={"scenario": "async-sleep", "n": 20, "delay": 0.5},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        fired.update(finish(guarded.url, response.json()["id"]))

    caller = threading.Thread(target=fire)
    for event in events(guarded.url, deadline_s=15):
        raw.append(event)
        if event.name == "history":
            caller.start()
        if event.name == "run" and event.data["status"] == "finished":
            break
    caller.join(timeout=30)

    public = httpx.get(f"{guarded.url}/runs/{fired['id']}/").json()
    servers = httpx.get(guarded.url + "/servers/").json()["servers"]
    public_states = {s["slug"]: s["state"] for s in servers if s["state"] is not None}
    run_events = [e.data for e in raw if e.name == "run"]
    assert run_events
    # Besides what the runs API shows: how long the run has been going, for the live chart.
    assert all(
        set(data) == set(public) - {"timings", "spans"} | {"elapsed_s"} for data in run_events
    )
    # The servers' states as GET /servers/ shows them to everyone; frames add their processes.
    history = next(e.data for e in raw if e.name == "history")
    assert history["servers"] == public_states
    frame_states = [e.data["servers"] for e in raw if e.name == "frame"]
    assert frame_states
    assert all(
        {slug: {k: v for k, v in state.items() if k != "processes"}} == {slug: public_states[slug]}
        for states in frame_states
        for slug, state in states.items()
    )
    assert {e.name for e in raw} <= {"history", "frame", "run", "server"}
    shown = repr([e.data for e in raw])
    assert TOKEN not in shown
    assert guarded.url.removeprefix("http://") not in shown


def test_fire_sends_the_token_from_the_environment(guarded: Server) -> None:
    def fire(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "fire", "async-sleep", "-n", "3", "--url", guarded.url],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "ASYNCVIEWS_DATA_DIR": str(guarded.data_dir), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    without = fire()
    with_token = fire(ASYNCVIEWS_DASHBOARD_TOKEN=TOKEN)

    assert without.stderr == f"CommandError: {NO_TOKEN}\n"
    assert with_token.returncode == 0, with_token.stderr


def test_listening_beyond_loopback_makes_and_prints_a_token(tmp_path: Path) -> None:
    server = start_server(tmp_path, host="0.0.0.0")
    try:
        printed = re.search(r"presenter token: (\S+)", server.log())
        assert printed is not None, server.log()
        token = printed.group(1)
        refused = httpx.post(server.url + "/runs/", json=LAUNCH)
        launched = httpx.post(
            server.url + "/runs/", json=LAUNCH, headers={"Authorization": f"Bearer {token}"}
        )
        assert launched.status_code == 201
        assert finish(server.url, launched.json()["id"])["status"] == "finished"
    finally:
        server.stop(signal.SIGINT)

    assert refused.status_code == 403
    assert len(token) >= 16
