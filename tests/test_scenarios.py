"""Scenario views: their parameter, their answers, and the concurrency facts they exist to show."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asyncviews.scenarios import SCENARIOS
from harness.server import Server
from tests.load import burst


@pytest.mark.parametrize("slug", [slug for slug in SCENARIOS if slug != "orm-mistake"])
def test_scenario_answers_with_a_short_delay(server: Server, slug: str) -> None:
    response = httpx.get(
        f"{server.subject_url}/scenarios/{slug}/", params={"delay": "0.05"}, timeout=10
    )

    # fire-and-forget answers before its work is done: accepted, not OK.
    assert response.status_code == (202 if slug == "fire-and-forget" else 200), response.text


@pytest.mark.parametrize("raw", ["abc", "-1", "10.5", "nan", "inf", ""])
def test_bad_delay_is_a_400_naming_the_parameter_and_range(server: Server, raw: str) -> None:
    response = httpx.get(f"{server.subject_url}/scenarios/async-sleep/", params={"delay": raw})

    assert response.status_code == 400
    assert response.json() == {
        "error": f"delay must be a number of seconds from 0 to 10, got {raw!r}",
        "field": "delay",
    }


def test_scenarios_refuse_post(server: Server) -> None:
    assert httpx.post(f"{server.subject_url}/scenarios/sync-sleep/").status_code == 405
    assert httpx.post(f"{server.subject_url}/scenarios/async-sleep/").status_code == 405


def test_registry_kinds_follow_the_views() -> None:
    kinds = {slug: s.kind for slug, s in SCENARIOS.items()}

    assert kinds == {
        "sync-sleep": "sync",
        "async-sleep": "async",
        "async-blocking": "async",
        "sync-http": "sync",
        "async-http": "async",
        "async-gather": "async",
        "sync-sequential": "sync",
        "sync-to-async": "async",
        "sync-to-async-threads": "async",
        "orm-sync": "sync",
        "orm-async": "async",
        "orm-mistake": "async",
        "fire-and-forget": "async",
        "sync-cpu": "sync",
        "async-cpu": "async",
        "async-cpu-thread": "async",
        "async-cpu-process": "async",
    }


def test_50_sync_sleeps_overlap_in_threads(server: Server) -> None:
    result = burst(f"{server.subject_url}/scenarios/sync-sleep/?delay=1", 50)

    assert result.statuses == [200] * 50
    assert result.wall_s < 2.5


def test_50_async_sleeps_overlap_on_the_loop(server: Server) -> None:
    result = burst(f"{server.subject_url}/scenarios/async-sleep/?delay=1", 50)

    assert result.statuses == [200] * 50
    assert result.wall_s < 2.5


def test_10_async_blocking_calls_are_serialised(server: Server) -> None:
    result = burst(f"{server.subject_url}/scenarios/async-blocking/?delay=0.2", 10)

    assert result.statuses == [200] * 10
    assert result.wall_s >= 1.8


def test_async_http_calls_overlap(server: Server) -> None:
    result = burst(f"{server.subject_url}/scenarios/async-http/?delay=1", 20)

    assert result.statuses == [200] * 20
    assert result.wall_s < 2.5


def test_the_readme_lists_every_scenario() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()

    for slug in SCENARIOS:
        assert f"| `{slug}` |" in readme
