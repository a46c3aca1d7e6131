"""Restarts: Ctrl-C with browsers connected and kill -9 mid-run keep the runs, their timings
and the servers they ran on."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import httpx

from asyncviews.scenarios import DEFAULT_EXECUTOR_THREADS
from harness.server import Server, start_server, wait_for
from harness.sse import open_stream
from tests.runs import get_run, launch, launch_and_finish, wait_all_in_flight

BROWSERS = 50
# The calls go a few at a time through the default executor's threads: results trickle in.
# Twenty rounds of 0.5 s: the run is still going many seconds after its first results, so
# the Ctrl-C or kill -9 that follows them lands mid-run however slow the machine.
TRICKLING = ("sync-to-async-threads", 20 * DEFAULT_EXECUTOR_THREADS, 0.5)


def _saved_done(server: Server, run_id: int) -> int:
    """How many results of the run are in the database, read as a restarted server would."""
    with sqlite3.connect(server.data_dir / "db.sqlite3") as db:
        row = db.execute("SELECT done FROM dashboard_run WHERE id = ?", (run_id,)).fetchone()
    return int(row[0])


def test_ctrl_c_with_50_browsers_and_runs_on_two_servers_exits_promptly(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path)
    before = launch_and_finish(server.url, "async-sleep", 10, 0)
    # A second server mid-run: its sync workers sleep through the Ctrl-C.
    other = launch(server.url, "sync-sleep", 4, 10, server="gunicorn-sync", workers=2)
    wait_all_in_flight(server.url, other)

    async def scenario() -> tuple[float, int, int]:
        browsers = [await open_stream(server.url) for _ in range(BROWSERS)]
        for browser in browsers:
            assert await browser.next_event() == "history"
        run = await asyncio.to_thread(launch, server.url, *TRICKLING)
        await asyncio.to_thread(
            wait_for,
            lambda: get_run(server.url, run["id"])["done"] >= DEFAULT_EXECUTOR_THREADS,
            deadline_s=10,
            what="the first results",
        )
        exit_s = await asyncio.to_thread(server.stop, signal.SIGINT)
        # Every stream ends: the reader meets the end of the connection, not a timeout.
        ended = 0
        for browser in browsers:
            try:
                while True:
                    await asyncio.wait_for(browser.next_event(), 2)
            except ConnectionError:
                ended += 1
            await browser.close()
        return exit_s, run["id"], ended

    exit_s, run_id, ended = asyncio.run(scenario())
    print(f"\nCtrl-C with {BROWSERS} browsers and runs on two servers: exited in {exit_s:.3f} s")

    again = start_server(tmp_path)
    try:
        saved = get_run(again.url, run_id)
        saved_other = get_run(again.url, other["id"])
        kept = get_run(again.url, before["id"])
    finally:
        again.stop()
    # Each subject gets at most its grace period (1.2 s) before it is killed; waiting out the
    # gunicorn-sync views or the trickling run would take about 10 s.
    assert exit_s < 4.0
    assert ended == BROWSERS
    assert saved["status"] == "interrupted"
    assert (saved_other["status"], saved_other["server"]) == ("interrupted", "gunicorn-sync")
    assert DEFAULT_EXECUTOR_THREADS <= saved["done"] < TRICKLING[1]
    assert len(saved["timings"]) == saved["done"]
    assert kept == before


def test_kill_9_mid_run_keeps_the_timings_saved_so_far(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    # A run on another server: what it ran on, its timings and spans are kept as well.
    before = launch_and_finish(server.url, "sync-sleep", 4, 0.1, server="gunicorn-sync", workers=2)
    run = launch(server.url, *TRICKLING)
    wait_for(
        lambda: _saved_done(server, run["id"]) >= DEFAULT_EXECUTOR_THREADS,
        deadline_s=10,
        what="the first results on disk",
    )

    server.stop(signal.SIGKILL)
    on_disk = _saved_done(server, run["id"])
    again = start_server(tmp_path)
    try:
        crashed = get_run(again.url, run["id"])
        kept = get_run(again.url, before["id"])
        listed = [r["id"] for r in httpx.get(again.url + "/runs/").json()["runs"]]
    finally:
        again.stop()

    assert crashed["status"] == "interrupted"
    assert crashed["done"] == on_disk >= DEFAULT_EXECUTOR_THREADS
    assert len(crashed["timings"]) == crashed["done"]
    assert crashed["error_kinds"] == {}
    assert kept == before
    assert (kept["server"], kept["workers"]) == ("gunicorn-sync", 2)
    assert len(kept["timings"]) == len(kept["spans"]) == 4
    assert listed == [run["id"], before["id"]]
