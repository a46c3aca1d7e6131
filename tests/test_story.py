"""The scenarios of the story, fired through the runs API: each shows what it exists to show."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from asyncviews.scenarios import DEFAULT_EXECUTOR_THREADS, SCENARIOS
from harness.server import Server
from harness.sse import events
from tests.runs import finish, launch_and_finish


def test_gather_overlaps_three_upstream_calls_and_sequential_does_not(server: Server) -> None:
    gather = launch_and_finish(server.url, "async-gather", 20, 0.5)
    sequential = launch_and_finish(server.url, "sync-sequential", 20, 0.5)

    assert (gather["errors"], sequential["errors"]) == (0, 0)
    # The typical call takes about one delay gathered, at least three in a row. The median,
    # not the slowest: one call held up on a busy machine says nothing about overlapping.
    assert gather["p50_s"] < 1.2
    assert sequential["p50_s"] >= 1.5
    assert (gather["ideal_wall_s"], sequential["ideal_wall_s"]) == (0.5, 1.5)


def test_gather_combines_the_three_answers(server: Server) -> None:
    response = httpx.get(f"{server.subject_url}/scenarios/async-gather/?delay=0", timeout=10)

    assert response.json() == {"calls": ["1", "2", "3"]}


def test_thread_sensitive_calls_overlap_and_the_default_executor_queues(server: Server) -> None:
    n = 3 * DEFAULT_EXECUTOR_THREADS
    sensitive = launch_and_finish(server.url, "sync-to-async", n, 0.5)
    pooled = launch_and_finish(server.url, "sync-to-async-threads", n, 0.5)

    # n is three executors' worth: queued on the default executor's threads they take at
    # least three delays (pooled, below); each in a thread of its own, about one.
    assert sensitive["wall_s"] < 3 * 0.5
    assert pooled["wall_s"] >= 1.4
    assert pooled["ideal_wall_s"] == 1.5
    assert sensitive["peaks"]["threads"] >= n


def test_the_sync_and_async_orm_take_the_same_time(server: Server) -> None:
    sync = launch_and_finish(server.url, "orm-sync", 20, 0.5)
    async_ = launch_and_finish(server.url, "orm-async", 20, 0.5)

    assert (sync["errors"], async_["errors"]) == (0, 0)
    # Both overlap the twenty slow queries: about one delay. One at a time they would take
    # ten delays; even six at a time (asyncio's default executor on two cores), four.
    assert sync["wall_s"] < 4 * 0.5
    assert async_["wall_s"] < 4 * 0.5


def test_the_orm_views_answer_from_the_catalogue(server: Server) -> None:
    body = httpx.get(f"{server.subject_url}/scenarios/orm-async/?delay=0", timeout=10).json()

    assert body["books"] == 200
    assert body["first"] == "Concurrency, volume 1"
    assert len(body["recent"]) == 5


def test_the_sync_orm_in_an_async_view_fails_with_explained_errors(server: Server) -> None:
    run = launch_and_finish(server.url, "orm-mistake", 10, 0)

    assert run["status"] == "finished"
    assert run["errors"] == 10
    assert run["error_kinds"] == {"http 500 SynchronousOnlyOperation": 10}
    assert "SynchronousOnlyOperation" in SCENARIOS["orm-mistake"].explanation


def _loop_tasks(frame: dict[str, Any]) -> int | None:
    """The tasks on the default subject's event loop, as its probe counted them."""
    processes = frame["servers"].get("uvicorn", {}).get("processes", [])
    return processes[0]["tasks"] if processes else None


def test_fire_and_forget_answers_at_once_and_the_work_shows_as_tasks(server: Server) -> None:
    run: dict[str, object] = {}
    counts: list[int] = []
    for event in events(server.url, deadline_s=20):
        if event.name != "frame":
            continue
        if not run:
            run = launch_and_finish(server.url, "fire-and-forget", 30, 2)
            continue
        if (tasks := _loop_tasks(event.data)) is None:
            continue
        counts.append(tasks)
        # Until the work has come and gone: thirty fewer tasks than at the most.
        if max(counts) - tasks >= 30:
            break

    assert run["errors"] == 0
    assert isinstance(run["wall_s"], float)
    # Answered before the work is done: well under the 2 s the background work takes.
    assert run["wall_s"] < 2.0
    # The work goes on after the answers, as thirty tasks on the subject's loop at once (each
    # lives the 2 s delay), then ends. Measured against the count after it ended, not before
    # it began: tasks an earlier test left on the loop may still be ending then.
    peak = counts.index(max(counts))
    assert max(counts) - min(counts[peak:]) >= 30, counts


def test_each_scenario_shows_its_own_source() -> None:
    source = SCENARIOS["async-blocking"].source

    assert source.startswith("@takes_delay\nasync def async_blocking(")
    assert "time.sleep(delay)" in source


def race(server: Server, scenario: str, versus: str, n: int, delay: float) -> list[Any]:
    response = httpx.post(
        server.url + "/races/",
        json={"scenario": scenario, "versus": versus, "n": n, "delay": delay},
        timeout=10,
    )
    assert response.status_code == 201
    return [finish(server.url, run["id"]) for run in response.json()["runs"]]


def test_a_race_fires_both_scenarios_at_once_and_gather_wins(server: Server) -> None:
    gather, sequential = race(server, "async-gather", "sync-sequential", 10, 0.3)

    assert (gather["scenario"], sequential["scenario"]) == ("async-gather", "sync-sequential")
    assert (gather["rival"], sequential["rival"]) == (sequential["id"], gather["id"])
    assert (gather["n"], gather["delay"]) == (sequential["n"], sequential["delay"]) == (10, 0.3)
    # Three upstream calls one after another take at least three delays; gathered, they overlap.
    assert sequential["wall_s"] >= 3 * 0.3
    assert gather["wall_s"] < sequential["wall_s"]


def test_a_blocked_loop_drags_the_async_rival_down_with_it(server: Server) -> None:
    # A delay longer than the two generators' start can differ on a busy machine (a few
    # hundred ms): fired that much earlier, the awaiting run is still asleep when the
    # blocking views take the loop, instead of done before they arrive.
    awaiting, blocking = race(server, "async-sleep", "async-blocking", 6, 0.5)

    assert blocking["wall_s"] >= 0.9 * 6 * 0.5
    # Its own ideal is one delay, but its answers wait for the blocked loop too.
    assert awaiting["wall_s"] >= 2 * 0.5


@pytest.mark.parametrize("versus", [None, "async-sleep"])
def test_a_race_needs_another_scenario_or_another_server(
    server: Server, versus: str | None
) -> None:
    response = httpx.post(
        server.url + "/races/",
        json={"scenario": "async-sleep", "versus": versus, "n": 10},
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "a race needs another scenario (versus) or another server (versus_server); "
        "both are 'async-sleep' on 'uvicorn'",
        "field": "versus",
    }


def test_a_race_against_an_unknown_scenario_names_the_choices(server: Server) -> None:
    response = httpx.post(
        server.url + "/races/", json={"scenario": "async-sleep", "versus": "nope", "n": 10}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "versus"
    assert response.json()["error"].startswith("versus must be one of 'sync-sleep', ")
    assert response.json()["error"].endswith("got 'nope'")


def test_an_http_run_right_after_another_is_as_fast_and_error_free(server: Server) -> None:
    """The views' client keeps no idle connections: no run inherits the last one's pool."""
    first = launch_and_finish(server.url, "async-http", 60, 0.5)
    right_after = launch_and_finish(server.url, "async-http", 60, 0.5)

    assert (first["errors"], right_after["errors"]) == (0, 0)
    # With kept-alive connections, the second took about twice as long as the first.
    assert right_after["wall_s"] < 1.5 * first["wall_s"] + 0.2
