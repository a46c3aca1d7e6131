"""Limits: requests in flight across runs, the run time limit, a frozen load generator."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator

import httpx
import pytest

from dashboard.runs.admission import OVERRUN_S
from harness.server import Server, child_pids, start_server, wait_for
from tests.runs import finish, get_run, launch, wait_all_in_flight

MAX_IN_FLIGHT = 30
# Long enough that a test acting on a run once it has fired (SIGSTOP to its load generator)
# does so well before the load generator ends the run at this limit, on a busy machine too.
RUN_TIME_LIMIT_S = 4.0


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("limited"),
        env={
            "ASYNCVIEWS_MAX_RUN_N": "20",
            "ASYNCVIEWS_MAX_IN_FLIGHT": str(MAX_IN_FLIGHT),
            "ASYNCVIEWS_RUN_TIME_LIMIT_S": str(RUN_TIME_LIMIT_S),
        },
    )
    yield server
    server.stop()


def _post(server: Server, path: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=10)


def test_launches_past_max_in_flight_are_409s_saying_what_runs(limited: Server) -> None:
    first = launch(limited.url, "async-sleep", 20, 5)

    too_many = _post(limited, "/runs/", {"scenario": "async-blocking", "n": 11, "delay": 0})
    race = _post(limited, "/races/", {"scenario": "async-blocking", "versus": "sync-sleep", "n": 6})
    fits = _post(limited, "/runs/", {"scenario": "sync-sleep", "n": 10, "delay": 0})
    ended = finish(limited.url, first["id"])
    after = _post(limited, "/runs/", {"scenario": "async-sleep", "n": 20, "delay": 0})

    assert too_many.status_code == 409
    message = too_many.json()["error"]
    assert re.fullmatch(
        rf"n=11 would make 31 requests in flight, over max_in_flight 30: run {first['id']} "
        r"\(async-sleep@uvicorn, 20 of 20 open\); retry when they end, within (\d+) s",
        message,
    ), message
    assert too_many.json()["field"] == "n"
    retry_after_s = int(too_many.headers["Retry-After"])
    assert retry_after_s == too_many.json()["retry_after_s"]
    assert 1 <= retry_after_s <= RUN_TIME_LIMIT_S + OVERRUN_S + 1
    assert race.status_code == 409
    assert race.json()["field"] == "n"
    assert fits.status_code == 201
    assert ended["status"] == "finished"
    assert after.status_code == 201
    assert finish(limited.url, after.json()["id"])["status"] == "finished"


def test_requests_open_at_the_run_time_limit_are_cancelled_and_counted(limited: Server) -> None:
    run = finish(limited.url, launch(limited.url, "async-sleep", 5, 10)["id"])

    assert run["status"] == "finished"
    assert (run["done"], run["errors"]) == (5, 5)
    assert run["error_kinds"] == {"run time limit": 5}
    assert {(status, kind) for *_, status, kind in run["timings"]} == {(0, "run time limit")}
    assert RUN_TIME_LIMIT_S <= run["wall_s"] < RUN_TIME_LIMIT_S + 1


def test_a_frozen_load_generator_is_stopped_past_the_limit(limited: Server) -> None:
    run = launch(limited.url, "async-sleep", 20, 10)
    pids: list[int] = []

    def started() -> bool:
        pids[:] = child_pids(limited.process.pid, running="dashboard.runs.loadgen")
        return len(pids) == 1

    wait_for(started, deadline_s=10, what="the load generator to start")
    # Frozen mid-run, once it has fired: its calls are out and it will never report them.
    wait_all_in_flight(limited.url, run)
    os.kill(pids[0], signal.SIGSTOP)

    failed = finish(limited.url, run["id"], deadline_s=RUN_TIME_LIMIT_S + OVERRUN_S + 10)

    assert failed["status"] == "failed"
    assert (
        f"run {run['id']}: the load generator was still running {OVERRUN_S:g} s past the run "
        "time limit"
    ) in limited.log()
    assert get_run(limited.url, run["id"])["status"] == "failed"
    assert launch(limited.url, "async-sleep", 20, 0)["status"] == "running"
