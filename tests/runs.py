"""Launching runs and waiting for them, through the runs API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server import wait_for


def launch(url: str, scenario: str, n: int, delay: float = 1.0) -> dict[str, Any]:
    response = httpx.post(
        url + "/runs/", json={"scenario": scenario, "n": n, "delay": delay}, timeout=10
    )
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


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


def launch_and_finish(url: str, scenario: str, n: int, delay: float = 1.0) -> dict[str, Any]:
    return finish(url, launch(url, scenario, n, delay)["id"])


def wait_all_in_flight(url: str, run: dict[str, Any]) -> None:
    """Wait until all the run's calls are in flight at once."""
    n = run["n"]
    wait_for(
        lambda: get_run(url, run["id"])["peaks"]["in_flight"] == n,
        deadline_s=10,
        what=f"all {n} calls of run {run['id']} in flight",
    )
