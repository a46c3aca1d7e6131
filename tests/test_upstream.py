"""The mock upstream, a process of its own, and pointing the views at another upstream instead."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from dashboard.servers.ports import free_port
from harness.server import ROOT, descendants, http_server, start_server, wait_for


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock upstream served as the dashboard serves it: uvicorn, on a free loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("upstream") / "upstream.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "asyncviews.mock_upstream:app"),
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the mock upstream exited:\n{log_path.read_text()}")
        try:
            return httpx.get(url + "/get", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, deadline_s=30, what="the mock upstream to answer")
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_delay_waits_and_echoes_like_httpbin(upstream: str) -> None:
    started = time.monotonic()
    response = httpx.get(upstream + "/delay/0.3", params={"a": "1"}, timeout=10)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    body = response.json()
    assert body["args"] == {"a": "1"}
    assert body["url"] == upstream + "/delay/0.3?a=1"
    assert body["origin"] == "127.0.0.1"
    assert 0.3 <= elapsed < 2


@pytest.mark.parametrize("seconds", ["11", "-1", "nan", "soon"])
def test_delay_out_of_range_is_a_400(upstream: str, seconds: str) -> None:
    response = httpx.get(f"{upstream}/delay/{seconds}")

    assert response.status_code == 400
    assert response.json() == {
        "error": f"seconds must be a number of seconds from 0 to 10, got '{seconds}'",
        "field": "seconds",
    }


def test_get_echoes_the_request(upstream: str) -> None:
    response = httpx.get(upstream + "/get", headers={"X-Probe": "yes"})

    assert response.json()["headers"]["x-probe"] == "yes"


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # gone since it was listed
        return ""


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
        children = " ".join(_command_line(pid) for pid in descendants(server.process.pid))
        sync = httpx.get(server.subject_url + "/scenarios/sync-http/?delay=0.1", timeout=10)
        async_ = httpx.get(server.subject_url + "/scenarios/async-http/?delay=0.2", timeout=10)
    finally:
        server.stop(signal.SIGINT)

    assert (sync.status_code, async_.status_code) == (200, 200)
    assert _RecordingUpstream.paths == ["/delay/0.1", "/delay/0.2"]
    # The dashboard started no mock upstream of its own.
    assert "asyncviews.mock_upstream" not in children
    assert "asyncviews.asgi" in children
