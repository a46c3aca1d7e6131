"""Limits that protect the presenter: a full room, token guessing, a small replay per viewer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from dashboard.web.attempts import MAX_FAILURES
from harness.server import Server, start_server
from harness.sse import Stream, events, open_stream

TOKEN = "audience-s3cret-token"
VIEWERS = 3


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A dashboard with a presenter's token and room for three viewers."""
    server = start_server(
        tmp_path_factory.mktemp("room"),
        env={"ASYNCVIEWS_DASHBOARD_TOKEN": TOKEN, "ASYNCVIEWS_MAX_VIEWERS": str(VIEWERS)},
    )
    yield server
    server.stop()


def _connect(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """GET /events/: its status, headers, and its body when it is not a stream."""
    with httpx.stream("GET", url + "/events/", headers=headers, timeout=10) as response:
        body = "" if response.status_code == 200 else response.read().decode()
        return response.status_code, dict(response.headers), body


def test_a_full_room_turns_viewers_away_but_not_the_presenter(room: Server) -> None:
    async def full_room() -> list[tuple[int, dict[str, str], str]]:
        streams: list[Stream] = [await open_stream(room.url) for _ in range(VIEWERS)]
        try:
            return [
                await asyncio.to_thread(_connect, room.url),
                await asyncio.to_thread(_connect, room.url, {"Authorization": f"Bearer {TOKEN}"}),
            ]
        finally:
            for stream in streams:
                await stream.close()

    (away, headers, body), (presenter, _, _) = asyncio.run(full_room())

    assert away == 503
    assert int(headers["retry-after"]) > 0
    assert json.loads(body)["field"] == "viewers"
    assert f"most viewers, {VIEWERS}" in json.loads(body)["error"]
    assert presenter == 200
    # Once viewers have left, a new one gets in.
    assert next(events(room.url, deadline_s=10)).name == "history"


def test_guessing_the_token_is_slowed_down_per_address(room: Server) -> None:
    wrong = [
        httpx.post(room.url + "/runs/", json={}, headers={"Authorization": "Bearer guess"})
        for _ in range(MAX_FAILURES)
    ]
    blocked = httpx.post(
        room.url + "/runs/",
        json={"scenario": "async-sleep", "n": 1, "delay": 0},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert {response.status_code for response in wrong} == {403}
    # Blocked even with the right token: the address is waiting out its failures.
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json()["field"] == "token"
    assert blocked.json()["error"].startswith("too many wrong tokens from 127.0.0.1")
