"""The runs API against a real server: what a run measures, and what it refuses."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.server import Server, start_server
from tests.runs import finish, get_run, launch, launch_and_finish, wait_all_in_flight


def test_async_sleep_200_overlap_on_the_loop(server: Server) -> None:
    run = launch_and_finish(server.url, "async-sleep", 200, 1.0)

    assert run["status"] == "finished"
    assert (run["server"], run["workers"], run["threads"]) == ("uvicorn", 1, 1)
    assert len(run["timings"]) == 200
    # One timing per request, by its index: [index, sent_s, answered_s, status, error kind].
    assert sorted(index for index, *_ in run["timings"]) == list(range(200))
    assert {(status, kind) for *_, status, kind in run["timings"]} == {(200, None)}
    assert all(0 <= sent < answered for _, sent, answered, *_ in run["timings"])
    assert run["errors"] == 0
    # The overlap itself is in_view below; the wall only has to be far from a queue's (200
    # serialised calls take 200 s, even 40 threads 5 s): the overhead grows with n under load.
    assert run["wall_s"] < 5.0
    assert run["peaks"]["in_view"] >= 150
    assert run["p50_s"] <= run["p95_s"] <= run["p99_s"] <= run["max_s"] <= run["wall_s"]
    assert run["ideal_wall_s"] == 1.0


def test_the_probe_spans_each_view_inside_its_request(server: Server) -> None:
    run = launch_and_finish(server.url, "async-sleep", 20, 0.5)

    # [index, entered_s, left_s, pid, thread id], on the run's clock like the timings.
    spans = {index: span for index, *span in run["spans"]}
    timings = {index: timing for index, *timing in run["timings"]}
    assert sorted(spans) == list(range(20))
    assert len({pid for _, _, pid, _ in spans.values()}) == 1
    for index, (entered, left, _, _) in spans.items():
        sent, answered, _, _ = timings[index]
        assert sent <= entered < left <= answered
        assert left - entered > 0.45  # the loop may wake a hair early


def test_sync_sleep_50_runs_in_50_threads(server: Server) -> None:
    run = launch_and_finish(server.url, "sync-sleep", 50, 1.0)

    assert run["status"] == "finished"
    assert run["errors"] == 0
    assert run["peaks"]["threads"] >= 40
    assert run["wall_s"] < 2.5


def test_async_blocking_runs_one_at_a_time_and_blocks_the_loop(server: Server) -> None:
    run = launch_and_finish(server.url, "async-blocking", 10, 0.2)

    assert run["status"] == "finished"
    assert run["errors"] == 0
    assert run["peaks"]["in_view"] <= 2
    assert run["wall_s"] >= 1.8
    assert run["peaks"]["loop_lag_ms"] >= 150
    assert run["ideal_wall_s"] == pytest.approx(2.0)


def test_a_run_is_listed_newest_first_without_timings(server: Server) -> None:
    first = launch_and_finish(server.url, "async-sleep", 2, 0)
    second = launch_and_finish(server.url, "sync-sleep", 3, 0)

    listed = httpx.get(server.url + "/runs/").json()["runs"]

    ids = [run["id"] for run in listed]
    assert ids.index(second["id"]) < ids.index(first["id"])
    assert "timings" not in listed[0]
    assert listed[ids.index(second["id"])]["done"] == 3


def test_a_running_run_answers_live(server: Server) -> None:
    run = launch(server.url, "async-sleep", 30, 2.0)

    wait_all_in_flight(server.url, run)
    live = get_run(server.url, run["id"])
    ended = finish(server.url, run["id"])

    assert (live["status"], live["done"], live["wall_s"]) == ("running", 0, None)
    assert (ended["status"], ended["done"]) == ("finished", 30)


BAD_LAUNCHES = [
    ({"scenario": "nope", "n": 1}, "scenario", "scenario must be one of 'sync-sleep'"),
    ({"n": 1}, "scenario", "got None"),
    ({"scenario": "async-sleep"}, "n", "n is required: a whole number from 1 to 1000"),
    ({"scenario": "async-sleep", "n": 0}, "n", "n must be a whole number from 1 to 1000, got 0"),
    ({"scenario": "async-sleep", "n": 1001}, "n", "got 1001"),
    ({"scenario": "async-sleep", "n": 2.5}, "n", "got 2.5"),
    ({"scenario": "async-sleep", "n": "ten"}, "n", "got 'ten'"),
    ({"scenario": "async-sleep", "n": True}, "n", "got True"),
    ({"scenario": "async-sleep", "n": 1, "delay": 11}, "delay", "from 0 to 10, got '11'"),
    ({"scenario": "async-sleep", "n": 1, "delay": "soon"}, "delay", "got 'soon'"),
    ({"scenario": "async-sleep", "n": 1, "delay": [1]}, "delay", "got [1]"),
]


@pytest.mark.parametrize(("body", "field", "message"), BAD_LAUNCHES)
def test_bad_launches_are_400s_naming_the_field(
    server: Server, body: dict[str, object], field: str, message: str
) -> None:
    before = httpx.get(server.url + "/runs/").json()["runs"]

    response = httpx.post(server.url + "/runs/", json=body)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert message in response.json()["error"]
    assert httpx.get(server.url + "/runs/").json()["runs"] == before


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b"\xff", b"null"])
def test_malformed_json_is_a_400(server: Server, body: bytes) -> None:
    response = httpx.post(
        server.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert response.json()["error"].startswith("body must be a JSON object")


def test_wrong_methods_are_405(server: Server) -> None:
    assert httpx.put(server.url + "/runs/", json={}).status_code == 405
    assert httpx.delete(server.url + "/runs/1/").status_code == 405
    assert httpx.post(server.url + "/runs/1/", json={}).status_code == 405


def test_unknown_run_is_a_404(server: Server) -> None:
    response = httpx.get(server.url + "/runs/999999/")

    assert response.status_code == 404
    assert response.json()["error"] == "no run with id 999999"


def test_form_posts_need_the_csrf_token(server: Server) -> None:
    form = {"scenario": "async-sleep", "n": "2", "delay": "0"}
    with httpx.Client(base_url=server.url) as browser:
        assert browser.post("/runs/", data=form).status_code == 403

        page = browser.get("/")
        token = browser.cookies["csrftoken"]
        response = browser.post("/runs/", data=form, headers={"X-CSRFToken": token})

    assert page.status_code == 200
    assert response.status_code == 201
    assert finish(server.url, response.json()["id"])["status"] == "finished"


def test_the_server_stays_healthy_after_bad_input(server: Server) -> None:
    for body in [b"{", b"[]", b'{"n": "x"}']:
        httpx.post(
            server.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
        )

    assert launch_and_finish(server.url, "async-sleep", 5, 0)["status"] == "finished"


def _stopped_mid_run(
    tmp_path: Path, sig: signal.Signals
) -> tuple[Server, dict[str, Any], dict[str, Any], float]:
    """Serve from tmp_path, finish one run, then stop the server with sig while another goes.

    The server, the finished run, the run going when it stopped, and the seconds it took.
    """
    server = start_server(tmp_path)
    before = launch_and_finish(server.url, "async-sleep", 10, 0)
    # Views sleeping 10 s: a shutdown that waited them out would be plain in the seconds.
    run = launch(server.url, "sync-sleep", 20, 10)
    wait_all_in_flight(server.url, run)
    return server, before, run, server.stop(sig)


def _after_restart(tmp_path: Path, *run_ids: int) -> list[dict[str, Any]]:
    """The runs as a server started again from tmp_path answers them."""
    again = start_server(tmp_path)
    try:
        return [get_run(again.url, run_id) for run_id in run_ids]
    finally:
        again.stop()


def test_a_run_going_at_shutdown_is_saved_as_interrupted(tmp_path: Path) -> None:
    server, before, run, exit_s = _stopped_mid_run(tmp_path, signal.SIGINT)

    # The subject's sleeping sync views cost its whole grace period (1.2 s) before it is
    # killed; waiting them out would take about 10 s. 4 s leaves room for a busy machine.
    assert exit_s < 4.0
    saved, kept = _after_restart(tmp_path, run["id"], before["id"])
    assert (saved["status"], saved["done"], saved["n"]) == ("interrupted", 0, 20)
    assert kept == before
    assert f"run {run['id']} interrupted with 0 results" in server.log()


def test_a_run_left_running_by_a_crash_is_interrupted_at_start(tmp_path: Path) -> None:
    _, before, run, _ = _stopped_mid_run(tmp_path, signal.SIGKILL)

    crashed, kept = _after_restart(tmp_path, run["id"], before["id"])
    assert (crashed["status"], crashed["done"]) == ("interrupted", 0)
    assert kept == before


def test_a_run_without_its_timings_for_polling(server: Server) -> None:
    run = launch_and_finish(server.url, "async-sleep", 5, 0)

    light = httpx.get(f"{server.url}/runs/{run['id']}/", params={"timings": "no"}).json()
    bad = httpx.get(f"{server.url}/runs/{run['id']}/", params={"timings": "maybe"})

    assert light == {key: value for key, value in run.items() if key not in {"timings", "spans"}}
    assert bad.status_code == 400
    assert bad.json() == {"error": "timings must be 'yes' or 'no', got 'maybe'", "field": "timings"}
