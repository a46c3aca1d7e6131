"""`manage.py fire` against a real server, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from asyncviews.scenarios import SCENARIOS
from dashboard.addresses import local_url
from tests.server import ROOT, Server, free_port

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
    assert lines[0].endswith(": async-sleep x20, delay 0.2 s, finished")
    assert [line.split()[0] for line in lines[1:]] == [
        "wall",
        "rate",
        "latency",
        "errors",
        "peaks",
    ]
    assert "ideal 0.200 s   ratio " in lines[1]
    assert lines[2].endswith(" requests/s")
    assert all(f"{q} 0." in lines[3] for q in ("p50", "p95", "p99", "max"))
    assert lines[4] == "errors    0"
    assert lines[5].startswith("peaks     in flight 20, in view ")
    # Not a terminal: no progress lines in the way.
    assert result.stderr == ""


def test_json(server: Server) -> None:
    result = fire(server, "async-sleep", "-n", "20", "--delay", "0.2", "--json")

    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "finished"
    assert run["scenario"] == "async-sleep"
    assert len(run["timings"]) == 20
    assert all(status == 200 for _, _, status in run["timings"])


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
        "async-gather x10, delay 0.3 s, finished",
        "sync-sequential x10, delay 0.3 s, finished",
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
