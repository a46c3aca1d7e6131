"""The mock upstream, and pointing the views at another upstream instead."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from tests.server import Server, http_server, start_server


def test_delay_waits_and_echoes_like_httpbin(server: Server) -> None:
    started = time.monotonic()
    response = httpx.get(server.url + "/upstream/delay/0.3", params={"a": "1"}, timeout=10)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    body = response.json()
    assert body["args"] == {"a": "1"}
    assert body["url"].endswith("/upstream/delay/0.3?a=1")
    assert 0.3 <= elapsed < 2


def test_delay_out_of_range_is_a_400(server: Server) -> None:
    response = httpx.get(server.url + "/upstream/delay/11")

    assert response.status_code == 400
    assert response.json() == {
        "error": "seconds must be a number of seconds from 0 to 10, got '11'",
        "field": "seconds",
    }


def test_get_echoes_the_request(server: Server) -> None:
    response = httpx.get(server.url + "/upstream/get", headers={"X-Probe": "yes"})

    assert response.json()["headers"]["x-probe"] == "yes"


class _RecordingUpstream(BaseHTTPRequestHandler):
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_upstream() -> Iterator[str]:
    _RecordingUpstream.paths = []
    with http_server(_RecordingUpstream) as url:
        yield url


def test_an_environment_variable_points_the_views_elsewhere(
    tmp_path: Path, other_upstream: str
) -> None:
    server = start_server(tmp_path, env={"ASYNCVIEWS_UPSTREAM_URL": other_upstream})
    try:
        sync = httpx.get(server.url + "/scenarios/sync-http/?delay=0.1", timeout=10)
        async_ = httpx.get(server.url + "/scenarios/async-http/?delay=0.2", timeout=10)
    finally:
        server.stop(signal.SIGINT)

    assert (sync.status_code, async_.status_code) == (200, 200)
    assert _RecordingUpstream.paths == ["/delay/0.1", "/delay/0.2"]
