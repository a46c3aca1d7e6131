"""`manage.py fire` against a real server, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asyncviews.scenarios import SCENARIOS
from dashboard.addresses import local_url
from dashboard.servers.ports import free_port
from harness.server import ROOT, Server, start_server

COMMAND_DEADLINE_S = 60


def env(data_dir: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT"}}
    return {**base, "ASYNCVIEWS_DATA_DIR": str(data_dir), **extra}


def fire(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "fire", *args, "--url", server.url],
        cwd=ROOT,
        env=env(server.data_dir),
        capture_output=True,
        text=True,
        timeout=COMMAND_DEADLINE_S,
    )


def test_summary(server: Server) -> None:
    result = fire(server, "async-sleep", "-n", "20", "--delay", "0.2")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": async-sleep x20, delay 0.2 s, on uvicorn, one process, finished")
    assert [line.split()[0] for line in lines[1:]] == [
        "wall",
        "rate",
        "latency",
        "errors",
        "peaks",
        "waiting",
        "in",
        "ran",
    ]
    assert "ideal 0.200 s   ratio " in lines[1]
    assert lines[2].endswith(" requests/s")
    assert all(f"{q} 0." in lines[3] for q in ("p50", "p95", "p99", "max"))
    assert lines[4] == "errors    0"
    assert lines[5].startswith("peaks     in flight 20, in view ")
    # From the probe's spans: every call reached its view and spent the delay there.
    assert lines[7].startswith("in view   p50 0.2")
    assert lines[8] == "ran on    1 process(es), 1 thread(s); 20 request(s) reached a view"
    # Not a terminal: no progress lines in the way.
    assert result.stderr == ""


def test_json(server: Server) -> None:
    result = fire(server, "async-sleep", "-n", "20", "--delay", "0.2", "--json")

    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "finished"
    assert run["scenario"] == "async-sleep"
    assert len(run["timings"]) == 20
    assert run["server"] == "uvicorn"
    assert all(status == 200 for *_, status, _ in run["timings"])


def test_server_refuses_a_bad_scenario(server: Server) -> None:
    result = fire(server, "no-such-scenario", "-n", "20")

    assert result.returncode != 0
    assert result.stdout == ""
    slugs = ", ".join(repr(slug) for slug in SCENARIOS)
    assert result.stderr == (
        f"CommandError: scenario must be one of {slugs}; got 'no-such-scenario'\n"
    )


def test_no_server_says_how_to_start_one(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "manage.py", "fire", "async-sleep", "-n", "20"],
        cwd=ROOT,
        env=env(tmp_path, PORT=str(port)),
        capture_output=True,
        text=True,
        timeout=COMMAND_DEADLINE_S,
    )

    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr == (
        f"CommandError: no asyncviews server at http://127.0.0.1:{port}: "
        "start one with `make run`\n"
    )


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("localhost", "http://localhost:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
        ("192.0.2.7", "http://192.0.2.7:8000"),
    ],
)
def test_a_listen_everywhere_host_is_reached_on_loopback(host: str, url: str) -> None:
    assert local_url(host, 8000) == url


def test_progress_on_a_terminal(server: Server) -> None:
    command = [
        "manage.py",
        "fire",
        "async-sleep",
        "-n",
        "20",
        "--delay",
        "0.5",
        "--url",
        server.url,
    ]
    terminal, stderr = pty.openpty()
    with subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env(server.data_dir),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    ) as process:
        os.close(stderr)
        shown = b""
        while True:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # Linux: EIO once the last writer has closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        out, _ = process.communicate(timeout=COMMAND_DEADLINE_S)
    os.close(terminal)

    assert process.returncode == 0
    assert b"\r0 of 20 done, 0 errors, 0.0 s" in shown
    # The progress line is cleared before the summary, which goes to stdout.
    assert shown.endswith(b"\r\x1b[K")
    assert out.startswith("run ")


def test_a_race_prints_both_runs_and_the_winner(server: Server) -> None:
    result = fire(
        server, "async-gather", "--versus", "sync-sequential", "-n", "10", "--delay", "0.3"
    )

    assert result.returncode == 0, result.stderr
    firsts = [line for line in result.stdout.splitlines() if line.startswith("run ")]
    assert [line.split(": ")[1] for line in firsts] == [
        "async-gather x10, delay 0.3 s, on uvicorn, one process, finished",
        "sync-sequential x10, delay 0.3 s, on uvicorn, one process, finished",
    ]
    assert result.stdout.splitlines()[-1].startswith("race: async-gather finished first, 0.")


def test_a_race_as_json_holds_both_runs_linked(server: Server) -> None:
    result = fire(
        server, "async-sleep", "--versus", "sync-sleep", "-n", "5", "--delay", "0", "--json"
    )

    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)["runs"]
    assert (first["rival"], second["rival"]) == (second["id"], first["id"])
    assert len(first["timings"]) == len(second["timings"]) == 5


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A dashboard of this module's own: the servers it starts go away with it."""
    running = start_server(tmp_path_factory.mktemp("fire"))
    yield running
    running.stop()


def test_server_workers_and_threads_are_sent_and_named(dashboard: Server) -> None:
    result = fire(
        dashboard,
        *("sync-sleep", "-n", "4", "--delay", "0.2", "--json"),
        *("--server", "gunicorn-gthread", "--workers", "1", "--threads", "2"),
    )
    shown = fire(
        dashboard,
        *("sync-sleep", "-n", "4", "--delay", "0.2"),
        *("--server", "gunicorn-gthread", "--workers", "1", "--threads", "2"),
    )

    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert (run["server"], run["workers"], run["threads"]) == ("gunicorn-gthread", 1, 2)
    # Two threads serve the four calls in two rounds.
    assert run["ideal_wall_s"] == pytest.approx(0.4)
    assert run["wall_s"] >= 0.35
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].endswith(
        ": sync-sleep x4, delay 0.2 s, on gunicorn-gthread, 1 worker, 2 threads, finished"
    )
    assert lines[1].startswith("wall      0.")
    assert "ideal 0.400 s" in lines[1]
    # WSGI: no event loop serves the calls, so there is no loop lag to show.
    assert lines[5].startswith("peaks     in flight 4, in view ")
    assert lines[5].endswith(", no event loop")


def test_a_race_of_one_scenario_on_two_servers_prints_both_runs_and_the_winner(
    dashboard: Server,
) -> None:
    result = fire(
        dashboard,
        *("async-sleep", "-n", "8", "--delay", "0.5", "--server", "uvicorn"),
        *("--versus-server", "gunicorn-sync", "--versus-workers", "2"),
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    firsts = [line for line in lines if line.startswith("run ")]
    assert [line.split(": ")[1] for line in firsts] == [
        "async-sleep x8, delay 0.5 s, on uvicorn, one process, finished",
        "async-sleep x8, delay 0.5 s, on gunicorn-sync, 2 workers, finished",
    ]
    # Eight calls overlap on uvicorn's loop; two sync workers take them two at a time.
    assert re.fullmatch(r"race: uvicorn finished first, (\d+\.\d{3}) s sooner", lines[-1])
    assert float(lines[-1].split()[4]) >= 0.8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--server", "nginx"), "server must be one of 'uvicorn', "),
        (("--workers", "4"), "workers must be 1 for uvicorn, which has one worker; got 4"),
        (("--versus-server", "apache"), "versus_server must be one of 'uvicorn', "),
    ],
)
def test_the_dashboard_refuses_a_bad_server(
    server: Server, args: tuple[str, ...], message: str
) -> None:
    result = fire(server, "async-sleep", "-n", "2", *args)

    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.startswith("CommandError: " + message), result.stderr
