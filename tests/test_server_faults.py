"""Faults in the subjects' processes: a worker killed mid-run, an upstream killed mid-run."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashboard.servers.ports import free_port, port_is_free
from harness.server import Server, child_pids, http_server, start_server, wait_for
from harness.sse import events
from tests.runs import finish, launch, launch_and_finish


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A dashboard of this module's own: these tests kill its children."""
    server = start_server(tmp_path_factory.mktemp("faults"))
    yield server
    server.stop()


def _master(server: Server, slug: str) -> int:
    port = server.servers()[slug]["state"]["url"].rpartition(":")[2]
    (pid,) = child_pids(server.process.pid, running=f"--bind 127.0.0.1:{port}")
    return pid


def test_a_gunicorn_worker_killed_mid_run_is_replaced_and_its_requests_counted(
    dashboard: Server,
) -> None:
    run = launch(dashboard.url, "sync-sleep", 4, 3, server="gunicorn-sync", workers=2)
    master = _master(dashboard, "gunicorn-sync")
    workers = set(child_pids(master, running="gunicorn"))
    # The worker to kill: one its probe reports inside the view right now.
    busy = next(
        process["pid"]
        for event in events(dashboard.url, deadline_s=10)
        if event.name == "frame"
        for process in event.data["servers"]["gunicorn-sync"]["processes"]
        if process["in_view"].get("sync-sleep")
    )
    killed_at = time.monotonic()
    os.kill(busy, signal.SIGKILL)

    ended = finish(dashboard.url, run["id"])
    failed_at = [t[2] for t in ended["timings"] if t[3] == 0]
    # The run's clock started at its first request; the kill came after this much of it.
    detected_s = min(failed_at) - (killed_at - (time.monotonic() - ended["wall_s"]))
    wait_for(
        lambda: len(set(child_pids(master, running="gunicorn")) - set(workers)) == 1,
        deadline_s=20,
        what="gunicorn to start a new worker",
    )
    again = launch_and_finish(dashboard.url, "sync-sleep", 2, 0, server="gunicorn-sync", workers=2)
    print(f"killed worker: {ended['error_kinds']}, first failure {detected_s:.2f} s after the kill")

    # Every request is accounted for: the killed worker's as errors by kind, the rest answered.
    assert ended["done"] == 4
    assert 1 <= ended["errors"] <= 3
    assert set(ended["error_kinds"]) <= {"disconnected", "ServerDisconnectedError", "http 502"}
    assert again["errors"] == 0


def _upstream_pid(server: Server) -> int:
    (pid,) = child_pids(server.process.pid, running="asyncviews.mock_upstream")
    return pid


def test_the_upstream_killed_mid_run_gives_errors_by_kind_and_comes_back(dashboard: Server) -> None:
    killed = _upstream_pid(dashboard)
    run = launch(dashboard.url, "async-http", 20, 3)
    # All twenty views are waiting on the upstream when it dies.
    next(
        event
        for event in events(dashboard.url, deadline_s=15)
        if event.name == "frame" and event.data["in_view"].get("async-http@uvicorn") == 20
    )
    os.kill(killed, signal.SIGKILL)

    ended = finish(dashboard.url, run["id"])
    wait_for(
        lambda: child_pids(dashboard.process.pid, running="asyncviews.mock_upstream") != [killed],
        deadline_s=20,
        what="the dashboard to start the upstream again",
    )
    after = launch_and_finish(dashboard.url, "async-http", 5, 0)
    print(f"upstream killed: {ended['error_kinds']}")

    assert ended["done"] == 20
    assert ended["errors"] == 20
    assert all(kind.startswith("http 500 ") for kind in ended["error_kinds"])
    assert after["errors"] == 0


def test_a_server_that_cannot_start_is_named_and_the_dashboard_goes_on(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start_server(tmp_path, env={"ASYNCVIEWS_SUBJECT_PORT": str(port)})
        try:
            state = server.servers()["uvicorn"]["state"]
            refused = launch_refused(server)
            other = launch_and_finish(server.url, "async-sleep", 3, 0, server="daphne")
        finally:
            server.stop()

    assert state["state"] == "failed"
    assert "uvicorn" in state["error"]
    assert "address already in use" in state["error"].lower()
    assert refused["field"] == "server"
    assert refused["error"].startswith("could not start uvicorn")
    assert other["errors"] == 0


class Impostor(BaseHTTPRequestHandler):
    """Another HTTP server that answers everything, as a subject would answer its readiness."""

    def do_GET(self) -> None:
        body = b"not the subject"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test's output is pytest's."""


@contextmanager
def listening(port: int) -> Iterator[None]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        yield


@contextmanager
def answering(port: int) -> Iterator[None]:
    with http_server(Impostor, port):
        yield


@pytest.mark.parametrize("take", [listening, answering], ids=["a socket", "an HTTP server"])
def test_a_port_taken_while_the_default_subject_boots_moves_it_to_another(
    tmp_path: Path, take: Callable[[int], contextlib.AbstractContextManager[None]]
) -> None:
    port = free_port()
    while not port_is_free(port + 1):
        port = free_port()
    with ThreadPoolExecutor(1) as pool:
        starting = pool.submit(start_server, tmp_path, port=port)
        # The subject's log is created as it is spawned, a second or more before it binds.
        wait_for(
            (tmp_path / "server-uvicorn.log").exists, deadline_s=60, what="the subject's spawn"
        )
        with take(port + 1):
            server = starting.result(timeout=120)
    try:
        state = server.servers()["uvicorn"]["state"]
        api = httpx.get(server.subject_url + "/api/", timeout=10)
    finally:
        server.stop()

    # The subject itself, not whatever took its port, answers where the page says it is.
    assert state["state"] == "ready"
    assert state["url"] != f"http://127.0.0.1:{port + 1}"
    assert api.json() == {"message": "Hello from asyncviews!"}
    assert f"port {port + 1} was taken as it started" in server.log()


def launch_refused(server: Server) -> dict[str, str]:
    response = httpx.post(
        server.url + "/runs/", json={"scenario": "async-sleep", "n": 1, "delay": 0}, timeout=60
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body: dict[str, str] = response.json()
    return body
