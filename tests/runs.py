"""Launching runs and races and waiting for them, through the runs API."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import httpx

from harness.server import wait_for


def _post(url: str, path: str, body: dict[str, Any]) -> Any:
    # Starting a subject server for a new server kind or configuration takes a few seconds.
    response = httpx.post(url + path, json=body, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def _server_fields(
    prefix: str, server: str | None, workers: int | None, threads: int | None
) -> dict[str, Any]:
    """The fields naming a server and its shape, left out when not given (the defaults)."""
    given = {"server": server, "workers": workers, "threads": threads}
    return {prefix + field: value for field, value in given.items() if value is not None}


def launch(
    url: str,
    scenario: str,
    n: int,
    delay: float = 1.0,
    *,
    server: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """POST /runs/: the new run, on the default server (uvicorn) unless one is named."""
    body = {"scenario": scenario, "n": n, "delay": delay}
    run: dict[str, Any] = _post(url, "/runs/", body | _server_fields("", server, workers, threads))
    return run


def race(
    url: str,
    scenario: str,
    n: int,
    delay: float = 1.0,
    *,
    versus: str | None = None,
    server: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    versus_server: str | None = None,
    versus_workers: int | None = None,
    versus_threads: int | None = None,
) -> list[dict[str, Any]]:
    """POST /races/: the race's two new runs, fired at one instant with the same n and delay.

    Two scenarios on one server (versus), or one scenario on two servers (versus_server).
    """
    body: dict[str, Any] = {"scenario": scenario, "n": n, "delay": delay}
    if versus is not None:
        body["versus"] = versus
    body |= _server_fields("", server, workers, threads)
    body |= _server_fields("versus_", versus_server, versus_workers, versus_threads)
    runs: list[dict[str, Any]] = _post(url, "/races/", body)["runs"]
    return runs


def get_run(url: str, run_id: int) -> dict[str, Any]:
    response = httpx.get(f"{url}/runs/{run_id}/", timeout=10)
    assert response.status_code == 200
    run: dict[str, Any] = response.json()
    return run


def finish(url: str, run_id: int, *, deadline_s: float = 30) -> dict[str, Any]:
    """Wait until the run is no longer running and return it."""
    last: dict[str, Any] = {}

    def ended() -> bool:
        last.update(get_run(url, run_id))
        return bool(last["status"] != "running")

    wait_for(ended, deadline_s=deadline_s, what=f"run {run_id} to end")
    return last


def launch_and_finish(
    url: str,
    scenario: str,
    n: int,
    delay: float = 1.0,
    *,
    server: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    run = launch(url, scenario, n, delay, server=server, workers=workers, threads=threads)
    return finish(url, run["id"])


def wait_all_in_flight(url: str, run: dict[str, Any]) -> None:
    """Wait until all the run's calls are in flight at once."""
    n = run["n"]
    wait_for(
        lambda: get_run(url, run["id"])["peaks"]["in_flight"] == n,
        deadline_s=10,
        what=f"all {n} calls of run {run['id']} in flight",
    )


def views_per_worker(run: dict[str, Any]) -> dict[int, int]:
    """How many of the run's views each worker process ran, having checked (from the spans) that
    each ran them one at a time, as a sync worker or a blocked event loop does."""
    by_pid: dict[int, list[tuple[float, float]]] = {}
    for _, entered, left, pid, _ in run["spans"]:
        by_pid.setdefault(pid, []).append((entered, left))
    for spans in by_pid.values():
        spans.sort()
        assert all(b[0] >= a[1] - 0.01 for a, b in pairwise(spans)), spans
    return {pid: len(spans) for pid, spans in by_pid.items()}
