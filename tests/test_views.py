"""The tutorial's views, served by a real uvicorn server."""

from __future__ import annotations

import time

import httpx

from asyncviews.scenarios import SCENARIOS
from harness.server import Server, wait_for


def test_api_sleeps_one_second_and_answers_json(server: Server) -> None:
    started = time.monotonic()
    response = httpx.get(server.subject_url + "/api/", timeout=10)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.json() == {"message": "Hello from asyncviews!"}
    assert 1.0 <= elapsed < 3.0


def test_api_echoes_task_id_only_when_given(server: Server) -> None:
    response = httpx.get(server.subject_url + "/api/", params={"task_id": "42"}, timeout=10)

    assert response.json() == {"message": "Hello from asyncviews!", "task_id": "42"}


def test_sync_view_blocks_five_seconds_then_calls_upstream(server: Server) -> None:
    started = time.monotonic()
    response = httpx.get(server.subject_url + "/sync/", timeout=20)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.text == "Blocking HTTP request"
    assert 5.0 <= elapsed < 8.0
    assert "http_call_sync: 5" in server.server_log()


def test_async_view_answers_at_once_and_finishes_in_background(server: Server) -> None:
    started = time.monotonic()
    response = httpx.get(server.subject_url + "/async/", timeout=10)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.text == "Non-blocking HTTP request"
    assert elapsed < 0.9
    wait_for(
        lambda: "background task http_call_async finished: 200" in server.server_log(),
        deadline_s=15,
        what="the background task to log the upstream's answer",
    )
    assert "http_call_async: 5" in server.server_log()


def test_tutorial_views_answer_get_only(server: Server) -> None:
    for path in ["/api/", "/sync/", "/async/"]:
        assert httpx.options(server.subject_url + path).status_code == 405
        assert httpx.post(server.subject_url + path).status_code == 403


def test_index_links_every_view_on_the_subject(server: Server) -> None:
    page = httpx.get(server.url + "/").text

    for slug in SCENARIOS:
        url = f"{server.subject_url}/scenarios/{slug}/"
        assert f'href="{url}">/scenarios/{slug}/</a>' in page
    for path in ["/api/", "/sync/", "/async/"]:
        assert f'href="{server.subject_url}{path}">{path}</a>' in page
