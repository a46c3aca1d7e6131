"""Settings and serving: safe defaults, static files under uvicorn, and a prompt Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx

from tests.server import Server, start_server, wait_for


def test_debug_is_off_by_default(server: Server) -> None:
    response = httpx.get(server.url + "/no-such-page/")

    assert response.status_code == 404
    assert "URLconf" not in response.text


def test_unknown_hosts_are_refused(server: Server) -> None:
    assert httpx.get(server.url + "/", headers={"Host": "evil.example"}).status_code == 400
    assert httpx.get(server.url + "/", headers={"Host": "localhost"}).status_code == 200


def test_static_files_are_served_with_debug_off(server: Server) -> None:
    response = httpx.get(server.url + "/static/site.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_a_generated_secret_key_is_kept_across_restarts(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    first.stop()
    key = (tmp_path / "secret_key").read_text()
    second = start_server(tmp_path)
    second.stop()

    assert len(key) >= 50
    assert (tmp_path / "secret_key").read_text() == key


def test_ctrl_c_stops_within_two_seconds_mid_request(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    answered: list[int] = []  # the status the cut-off request got, 0 for a dropped connection

    def slow_request() -> None:
        try:
            answered.append(
                httpx.get(
                    server.subject_url + "/scenarios/sync-sleep/?delay=10", timeout=30
                ).status_code
            )
        except httpx.HTTPError:
            answered.append(0)

    caller = threading.Thread(target=slow_request)
    caller.start()
    httpx.get(server.subject_url + "/async/", timeout=5)
    wait_for(lambda: "http_call_async: 1" in server.log(), deadline_s=10, what="a background task")

    exit_s = server.stop(signal.SIGINT)
    caller.join(timeout=10)

    assert exit_s < 2.0
    assert len(answered) == 1
    assert answered[0] in {0, 500}
    assert "background task http_call_async was cancelled" in server.log()
