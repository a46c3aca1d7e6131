"""Settings and serving: safe defaults, static files under uvicorn, and a prompt Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path
from typing import Any

import httpx

from harness.server import Server, alive, descendants, start_server, wait_for
from harness.sse import events


def command_line(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()).strip()
    except OSError:
        return f"{pid} (gone)"


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


def test_ctrl_c_stops_promptly_mid_request_and_leaves_no_child(
    tmp_path: Path,
) -> None:
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

    frames: list[dict[str, Any]] = []

    def presenters_page() -> None:
        """The event stream, held open as the presenter's page does while Ctrl-C comes."""
        with contextlib.suppress(httpx.HTTPError):
            for event in events(server.url, deadline_s=30):
                if event.name == "frame":
                    frames.append(event.data)

    page = threading.Thread(target=presenters_page)
    page.start()
    caller = threading.Thread(target=slow_request)
    caller.start()
    httpx.get(server.subject_url + "/async/", timeout=5)
    wait_for(
        lambda: "http_call_async: 1" in server.server_log("uvicorn"),
        deadline_s=10,
        what="a background task on the subject",
    )
    wait_for(
        lambda: any(f["in_view"].get("sync-sleep@uvicorn") for f in frames[-5:]),
        deadline_s=10,
        what="the slow request in its view",
    )
    # Redis, the mock upstream, the subject, and whatever they started themselves.
    children = descendants(server.process.pid)
    commands = " ".join(command_line(pid) for pid in children)

    exit_s = server.stop(signal.SIGINT)
    left = alive(children)
    caller.join(timeout=10)
    page.join(timeout=10)
    print(f"\nthe dashboard and its {len(children)} descendants stopped in {exit_s:.2f} s")

    # The sync view sleeping through it costs the subject's whole grace period (1.2 s) before
    # it is killed; waiting it out would take about 10 s.
    assert exit_s < 4.0
    assert not page.is_alive()
    assert "redis-server" in commands
    assert "asyncviews.mock_upstream:app" in commands
    assert "asyncviews.asgi:application" in commands
    assert left == set(), [command_line(pid) for pid in left]
    assert len(answered) == 1
    assert answered[0] in {0, 500}
    assert "background task http_call_async was cancelled" in server.server_log("uvicorn")
