"""Faults: a failing upstream, a dying load generator, a dying subject server; runs end, errors
are counted, and the next run goes on."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

from asyncviews.scenarios import DEFAULT_EXECUTOR_THREADS
from harness.server import Server, child_pids, http_server, start_server, wait_for
from tests.runs import finish, get_run, launch, launch_and_finish, wait_all_in_flight


class _FaultyUpstream(BaseHTTPRequestHandler):
    """Answers 500, or holds the request without answering until the test ends."""

    mode: ClassVar[str] = "500"
    released: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        if self.mode == "hang":
            self.released.wait(timeout=30)
            return
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_upstream_failures_are_errors_counted_by_kind(tmp_path: Path) -> None:
    _FaultyUpstream.mode = "500"
    _FaultyUpstream.released = threading.Event()
    with contextlib.ExitStack() as faulty_upstream:
        upstream = faulty_upstream.enter_context(http_server(_FaultyUpstream))
        # Called first, before the upstream stops: the hanging requests let go.
        faulty_upstream.callback(_FaultyUpstream.released.set)
        server = start_server(
            tmp_path,
            env={"ASYNCVIEWS_UPSTREAM_URL": upstream, "ASYNCVIEWS_UPSTREAM_TIMEOUT_S": "0.5"},
        )
        try:
            answered_500 = [
                launch_and_finish(server.url, s, 5, 0) for s in ("sync-http", "async-http")
            ]
            _FaultyUpstream.mode = "hang"
            hanging = [launch_and_finish(server.url, s, 5, 0) for s in ("sync-http", "async-http")]
            faulty_upstream.close()  # its address now refuses connections
            refused = [launch_and_finish(server.url, s, 5, 0) for s in ("sync-http", "async-http")]
        finally:
            server.stop()

    for runs, kind in [
        (answered_500, "http 500 HTTPStatusError"),
        (hanging, "http 500 ReadTimeout"),
        (refused, "http 500 ConnectError"),
    ]:
        for run in runs:
            assert (run["status"], run["done"], run["errors"]) == ("finished", 5, 5), run
            assert run["error_kinds"] == {kind: 5}
            assert {status for *_, status, _ in run["timings"]} == {500}


def _loadgen_of(server: Server) -> int:
    pids: list[int] = []

    def started() -> bool:
        pids[:] = child_pids(server.process.pid, running="dashboard.runs.loadgen")
        return len(pids) == 1

    wait_for(started, deadline_s=10, what="the load generator to start")
    return pids[0]


def test_a_load_generator_that_dies_mid_run_fails_the_run_with_its_results(
    server: Server,
) -> None:
    # The calls go a few at a time through the default executor's threads: results trickle in.
    n = 3 * DEFAULT_EXECUTOR_THREADS
    run = launch(server.url, "sync-to-async-threads", n, 0.5)
    loadgen = _loadgen_of(server)
    wait_for(
        lambda: get_run(server.url, run["id"])["done"] >= DEFAULT_EXECUTOR_THREADS,
        deadline_s=10,
        what="the first results",
    )

    os.kill(loadgen, signal.SIGKILL)
    failed = finish(server.url, run["id"])

    assert failed["status"] == "failed"
    assert DEFAULT_EXECUTOR_THREADS <= failed["done"] < n
    assert len(failed["timings"]) == failed["done"]
    assert f"run {run['id']}: the load generator exited with -9" in server.log()
    assert launch_and_finish(server.url, "async-sleep", 5, 0)["status"] == "finished"


def test_a_subject_killed_mid_run_ends_the_run_with_its_calls_as_errors_and_starts_again(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path)
    try:
        run = launch(server.url, "async-sleep", 10, 5)
        wait_all_in_flight(server.url, run)
        wait_for(
            lambda: get_run(server.url, run["id"])["peaks"]["in_view"] == 10,
            deadline_s=10,
            what="all ten calls in the view",
        )
        (subject,) = child_pids(server.process.pid, running="asyncviews.asgi:application")
        os.kill(subject, signal.SIGKILL)
        ended = finish(server.url, run["id"])
        # The next launch finds the server gone and starts it again.
        after = launch_and_finish(server.url, "async-sleep", 5, 0)
        (restarted,) = child_pids(server.process.pid, running="asyncviews.asgi:application")
    finally:
        server.stop()

    # Well before the views' 5 s: the calls end when the connections do.
    assert ended["wall_s"] < 4
    assert (ended["status"], ended["done"], ended["errors"]) == ("finished", 10, 10), ended
    assert {status for *_, status, _ in ended["timings"]} == {0}
    assert sum(ended["error_kinds"].values()) == 10
    assert (after["status"], after["errors"]) == ("finished", 0)
    assert restarted != subject
