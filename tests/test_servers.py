"""The tutorial's claims on real servers: what each server does with N concurrent calls.

One dashboard serves the module; it starts each server the first time a test names it and
restarts it for another shape. Timing assertions are lower bounds from the physics (calls
times delay, over what the server holds at once) or comparisons with the other side of a
race, with margins for a busy machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.server import Server, start_server
from tests.runs import (
    finish,
    launch,
    launch_and_finish,
    race,
    views_per_worker,
    wait_all_in_flight,
)

# Starting a subject (gunicorn waits for each worker's probe) can take a while.
LAUNCH_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("servers"))
    yield running
    running.stop()


def _finished(run: dict[str, Any], server: str, workers: int = 1, threads: int = 1) -> None:
    assert (run["status"], run["done"], run["errors"]) == ("finished", run["n"], 0), run
    assert (run["server"], run["workers"], run["threads"]) == (server, workers, threads)


def test_on_uvicorn_async_sleeps_overlap_on_the_loop(dashboard: Server) -> None:
    run = launch_and_finish(dashboard.url, "async-sleep", 20, 1, server="uvicorn")

    _finished(run, "uvicorn")
    assert run["wall_s"] < 2.5
    assert run["peaks"]["in_view"] == 20


@pytest.mark.parametrize("scenario", ["async-sleep", "sync-sleep"])
def test_on_gunicorn_sync_calls_queue_behind_the_workers(dashboard: Server, scenario: str) -> None:
    run = launch_and_finish(dashboard.url, scenario, 8, 0.5, server="gunicorn-sync", workers=2)

    _finished(run, "gunicorn-sync", workers=2)
    # Two workers, one call each at a time: four rounds of 0.5 s, async views or not.
    assert run["wall_s"] >= 1.8
    assert run["peaks"]["in_view"] <= 2
    assert run["ideal_wall_s"] == pytest.approx(2.0)


def test_on_gunicorn_gthread_sync_calls_overlap_up_to_the_threads(dashboard: Server) -> None:
    run = launch_and_finish(
        dashboard.url, "sync-sleep", 8, 0.5, server="gunicorn-gthread", workers=1, threads=4
    )

    _finished(run, "gunicorn-gthread", workers=1, threads=4)
    # Four threads: two rounds of 0.5 s, far from the eight rounds of one call at a time.
    assert run["wall_s"] >= 0.9
    assert run["wall_s"] < 0.75 * 8 * 0.5
    assert run["peaks"]["in_view"] <= 4


def test_on_runserver_sync_calls_overlap_in_a_thread_each(dashboard: Server) -> None:
    run = launch_and_finish(dashboard.url, "sync-sleep", 8, 0.5, server="runserver")

    _finished(run, "runserver")
    assert run["wall_s"] < 0.5 * 8 * 0.5


def test_on_gunicorn_uvicorn_each_worker_runs_its_blocking_calls_one_at_a_time(
    dashboard: Server,
) -> None:
    run = launch_and_finish(
        dashboard.url, "async-blocking", 20, 0.2, server="gunicorn-uvicorn", workers=2
    )

    _finished(run, "gunicorn-uvicorn", workers=2)
    assert len(run["spans"]) == 20
    # How the calls split between the two workers is a race (a worker whose loop wakes first
    # accepts every connection waiting); that each loop runs its share one at a time is not.
    per_worker = views_per_worker(run)
    assert 1 <= len(per_worker) <= 2
    assert run["wall_s"] >= 0.95 * max(per_worker.values()) * 0.2
    assert run["peaks"]["in_view"] <= len(per_worker)


def test_the_ideal_wall_time_uses_the_server_capacity(dashboard: Server) -> None:
    run = launch_and_finish(dashboard.url, "sync-sleep", 50, 0.1, server="gunicorn-sync", workers=4)

    _finished(run, "gunicorn-sync", workers=4)
    assert run["ideal_wall_s"] == pytest.approx(math.ceil(50 / 4) * 0.1)
    assert run["wall_s"] >= 0.9 * run["ideal_wall_s"]


BAD_SERVERS = [
    ({"workers": 4}, "workers", "workers must be 1 for uvicorn, which has one worker; got 4"),
    ({"server": "uvicorn", "threads": 2}, "threads", "threads must be 1 for uvicorn"),
    (
        {"server": "gunicorn-gthread", "threads": 99},
        "threads",
        "threads must be a whole number from 1 to 32, got 99",
    ),
    ({"server": "gunicorn-sync", "workers": 9}, "workers", "from 1 to 8, got 9"),
    ({"server": "gunicorn-sync", "workers": 0}, "workers", "from 1 to 8, got 0"),
    ({"server": "gunicorn-sync", "workers": "two"}, "workers", "got 'two'"),
    ({"server": "nginx"}, "server", "server must be one of 'uvicorn', "),
    ({"server": 7}, "server", "got 7"),
]


BAD_RACES = [
    ({"versus_server": "nginx"}, "versus_server", "versus_server must be one of 'uvicorn', "),
    (
        {"versus_server": "gunicorn-sync", "versus_workers": 9},
        "versus_workers",
        "from 1 to 8, got 9",
    ),
    ({"versus_server": "uvicorn"}, "versus", "a race needs another scenario (versus) or another"),
]


@pytest.mark.parametrize(
    ("path", "fields", "field", "message"),
    [("/runs/", *bad) for bad in BAD_SERVERS] + [("/races/", *bad) for bad in BAD_RACES],
)
def test_bad_servers_are_400s_naming_the_field_with_nothing_started(
    dashboard: Server, path: str, fields: dict[str, object], field: str, message: str
) -> None:
    runs_before = httpx.get(dashboard.url + "/runs/").json()["runs"]
    servers_before = dashboard.servers()

    response = httpx.post(
        dashboard.url + path,
        json={"scenario": "async-sleep", "n": 2, "delay": 0, **fields},
        timeout=LAUNCH_TIMEOUT_S,
    )

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert message in response.json()["error"]
    assert httpx.get(dashboard.url + "/runs/").json()["runs"] == runs_before
    assert dashboard.servers() == servers_before


def test_a_race_of_uvicorn_against_gunicorn_sync_fires_both_at_one_instant(
    dashboard: Server,
) -> None:
    started = race(
        dashboard.url,
        *("async-sleep", 8, 0.5),
        server="uvicorn",
        versus_server="gunicorn-sync",
        versus_workers=2,
    )
    on_uvicorn, on_gunicorn = (finish(dashboard.url, run["id"]) for run in started)

    _finished(on_uvicorn, "uvicorn")
    _finished(on_gunicorn, "gunicorn-sync", workers=2)
    assert (on_uvicorn["rival"], on_gunicorn["rival"]) == (on_gunicorn["id"], on_uvicorn["id"])
    # Fired together: the same instant, and each first request sent soon after it, not before
    # (two generator processes on busy cores wake a little apart).
    assert abs(on_uvicorn["start_at"] - on_gunicorn["start_at"]) < 0.01
    first_sent = [min(sent for _, sent, *_ in run["timings"]) for run in (on_uvicorn, on_gunicorn)]
    assert all(0 <= sent < 1.0 for sent in first_sent)
    assert abs(first_sent[0] - first_sent[1]) < 0.3
    # uvicorn overlaps the eight calls; two sync workers take four rounds of them.
    last_answered = [
        max(answered for _, _, answered, *_ in run["timings"]) for run in (on_uvicorn, on_gunicorn)
    ]
    assert last_answered[0] + 0.8 < last_answered[1]
    assert on_uvicorn["wall_s"] + 0.8 < on_gunicorn["wall_s"]


def test_one_scenario_runs_at_once_on_two_servers_each_counted_apart(dashboard: Server) -> None:
    on_uvicorn = launch(dashboard.url, "async-sleep", 5, 2, server="uvicorn")
    on_runserver = launch(dashboard.url, "async-sleep", 5, 2, server="runserver")
    wait_all_in_flight(dashboard.url, on_uvicorn)
    wait_all_in_flight(dashboard.url, on_runserver)
    again = httpx.post(
        dashboard.url + "/runs/",
        json={"scenario": "async-sleep", "n": 5, "delay": 0, "server": "runserver"},
        timeout=LAUNCH_TIMEOUT_S,
    )
    ended = [finish(dashboard.url, run["id"]) for run in (on_uvicorn, on_runserver)]

    assert again.status_code == 409
    assert again.json()["field"] == "scenario"
    assert f"run {on_runserver['id']} of async-sleep@runserver" in again.json()["error"]
    _finished(ended[0], "uvicorn")
    _finished(ended[1], "runserver")
    # Each run counts its own calls in view, not the other server's five.
    assert [run["peaks"]["in_view"] for run in ended] == [5, 5]
    assert all(run["wall_s"] < 3.5 for run in ended)


def test_a_busy_server_is_not_restarted_for_another_shape(dashboard: Server) -> None:
    busy = launch(dashboard.url, "sync-sleep", 2, 2, server="gunicorn-sync", workers=2)
    other_shape = httpx.post(
        dashboard.url + "/runs/",
        json={"scenario": "async-sleep", "n": 2, "server": "gunicorn-sync", "workers": 3},
        timeout=LAUNCH_TIMEOUT_S,
    )
    same_shape = launch(dashboard.url, "async-sleep", 2, 0, server="gunicorn-sync", workers=2)
    ended = [finish(dashboard.url, run["id"]) for run in (busy, same_shape)]
    reshaped = launch_and_finish(
        dashboard.url, "async-sleep", 2, 0, server="gunicorn-sync", workers=3
    )

    assert other_shape.status_code == 409
    assert other_shape.json()["field"] == "workers"
    assert other_shape.json()["error"].startswith("gunicorn-sync is busy with 2 worker(s)")
    assert int(other_shape.headers["Retry-After"]) >= 1
    _finished(ended[0], "gunicorn-sync", workers=2)
    _finished(ended[1], "gunicorn-sync", workers=2)
    # Once idle, it restarts with the new shape.
    _finished(reshaped, "gunicorn-sync", workers=3)
    state = dashboard.servers()["gunicorn-sync"]["state"]
    assert (state["state"], state["workers"], state["shape"]) == ("ready", 3, "3 workers")
