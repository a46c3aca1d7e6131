"""Subject servers started by a benchmark itself, as the dashboard starts them (its pool).

The argv is the registry's for uvicorn (dashboard/servers/registry.py), same flags, one
process; another ASGI application (the bare project's) replaces asyncviews' when given.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from dashboard.servers.ports import free_port
from dashboard.servers.registry import ASGI_APP, SERVERS

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 5.0
# The http scenarios' upstream; async-sleep never calls it, but the settings want one.
UPSTREAM_URL = "http://127.0.0.1:9"
# What every benchmark fires: the async-sleep scenario, 1 s.
ASYNC_SLEEP = "/scenarios/async-sleep/?delay=1"


@dataclass(frozen=True)
class Subject:
    url: str
    pid: int


def migrated_data_dir(data_dir: Path) -> Path:
    """data_dir with the project's database, migrated as `make run` does (dashboard settings)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "ASYNCVIEWS_DATA_DIR": str(data_dir)},
        check=True,
    )
    return data_dir


def asyncviews_env(data_dir: Path, *, telemetry: bool, redis_url: str, name: str) -> dict[str, str]:
    """What the dashboard's pool gives a subject; the probe publishes as `name`."""
    return {
        "DJANGO_SETTINGS_MODULE": "asyncviews.settings",
        "ASYNCVIEWS_DATA_DIR": str(data_dir),
        "ASYNCVIEWS_UPSTREAM_URL": UPSTREAM_URL,
        "ASYNCVIEWS_TELEMETRY": "on" if telemetry else "off",
        "ASYNCVIEWS_REDIS_URL": redis_url,
        "ASYNCVIEWS_PROBE_SERVER": name,
        "PYTHONUNBUFFERED": "1",
    }


def _wait_until_answers(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the subject on {url} did not start:\n{log.read_text()[-2000:]}")
        try:
            httpx.get(url + "/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)


@contextmanager
def subject(
    env: Mapping[str, str], log: Path, *, app: str = ASGI_APP, cwd: Path = ROOT
) -> Iterator[Subject]:
    """uvicorn serving app from cwd with env added, on a free loopback port, while the block
    runs; its output goes to log."""
    port = free_port()
    argv = [app if arg == ASGI_APP else arg for arg in SERVERS["uvicorn"].command(port, 1, 1)]
    with log.open("ab") as output:
        process = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answers(url, process, log)
        yield Subject(url, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
