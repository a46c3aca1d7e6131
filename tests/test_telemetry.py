"""Telemetry across processes: frames while a subject's loop is blocked, Redis going away and
coming back, and a dashboard killed with kill -9 taking its children with it."""

from __future__ import annotations

import os
import signal
import time
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from harness.server import Server, alive, child_pids, descendants, start_server, wait_for
from harness.sse import events
from tests.runs import finish, launch, wait_all_in_flight

BLOCKING = "async-blocking@uvicorn"


def _uvicorn_lag(frame: dict[str, Any]) -> float | None:
    processes = frame["servers"].get("uvicorn", {}).get("processes", [])
    return processes[0]["loop_lag_ms"] if processes else None


def test_frames_keep_coming_while_the_subjects_loop_is_blocked(server: Server) -> None:
    frames: list[tuple[float, dict[str, Any]]] = []
    run: dict[str, Any] = {}
    for event in events(server.url, deadline_s=30):
        if event.name == "history":
            run = launch(server.url, "async-blocking", 10, 0.2)
        elif event.name == "frame":
            frames.append((event.received, event.data))
            if any(r["id"] == run["id"] for r in event.data["runs"]):
                continue
            if any(f["in_flight"].get(BLOCKING) for _, f in frames):
                break  # the run has ended

    running = [(at, f) for at, f in frames if f["in_flight"].get(BLOCKING)]
    span_s = running[-1][0] - running[0][0]
    ended = finish(server.url, run["id"])
    print(f"{len(running)} frames in {span_s:.2f} s while blocked; run wall {ended['wall_s']} s")

    # Serialised: ten blocking views of 0.2 s take at least 2 s, and frames came all along.
    assert ended["wall_s"] >= 1.8
    assert len(running) >= 5 * span_s
    assert max(f["in_flight"][BLOCKING] for _, f in running) == 10
    in_view = [f["in_view"].get(BLOCKING, 0) for _, f in running]
    assert max(in_view) == 1
    # The lag is seen growing while the loop is held: consecutive frames with a rising lag,
    # up to most of one blocking view, before the run is over. A frame that no probe message
    # reached repeats the last lag, so repeats are left out.
    lags = [lag for lag, _ in groupby(_uvicorn_lag(f) or 0.0 for _, f in running)]
    assert max(lags) >= 150
    assert any(a < b < c for a, b, c in zip(lags, lags[1:], lags[2:], strict=False)), lags
    assert ended["peaks"]["loop_lag_ms"] >= 150


def _redis_pid(server: Server) -> int:
    (pid,) = child_pids(server.process.pid, running="redis-server")
    return pid


def test_redis_killed_mid_run_the_run_keeps_its_timings_and_telemetry_returns(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path)
    try:
        run = launch(server.url, "async-sleep", 20, 3)
        wait_all_in_flight(server.url, run)
        killed = None
        missing_at = returned_at = None
        for event in events(server.url, deadline_s=20):
            if event.name != "frame":
                continue
            if killed is None:
                # Killed once the stream is open: Redis is back within a second, and frames
                # say telemetry is missing only until then.
                killed = _redis_pid(server)
                os.kill(killed, signal.SIGKILL)
                continue
            if not event.data["telemetry"] and missing_at is None:
                missing_at = event.received
            if (
                missing_at
                and event.data["telemetry"]
                and event.data["servers"]["uvicorn"]["processes"]
            ):
                returned_at = event.received
                break
        ended = finish(server.url, run["id"])
        restarted = _redis_pid(server)
    finally:
        server.stop()

    assert missing_at is not None
    assert returned_at is not None
    print(f"telemetry missing for {returned_at - missing_at:.2f} s; run wall {ended['wall_s']} s")
    assert restarted != killed
    # The timings come from the load generator, not over Redis: nothing is lost.
    assert (ended["status"], ended["done"], ended["errors"]) == ("finished", 20, 0)
    assert ended["telemetry_missing_s"] > 0


@pytest.mark.timeout(120)
def test_kill_9_of_the_dashboard_leaves_none_of_its_processes(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    sync = launch(server.url, "sync-sleep", 4, 10, server="gunicorn-sync", workers=2)
    asleep = launch(server.url, "async-sleep", 50, 10)
    wait_all_in_flight(server.url, asleep)
    wait_all_in_flight(server.url, sync)
    below = descendants(server.process.pid)
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in below]

    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    started = time.monotonic()
    wait_for(lambda: not alive(below), deadline_s=15, what=f"{alive(below)} to exit")
    gone_s = time.monotonic() - started
    print(f"{len(below)} processes below the dashboard, all gone {gone_s:.2f} s after kill -9")

    # Subjects (a gunicorn master and its workers, uvicorn), the upstream, Redis, generators.
    assert len(below) >= 7
    assert any(b"gunicorn" in c for c in commands)
    assert any(b"dashboard.runs.loadgen" in c for c in commands)
