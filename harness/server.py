"""Real dashboards for tests, each with its own children (pytest-django's live_server is WSGI).

A dashboard (`manage.py serve`) starts Redis, the mock upstream and the default subject
(uvicorn serving the measured views) itself, as `make run` does; tests reach the dashboard at
`url` and the default subject at `subject_url`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from dashboard.servers.ports import PORT_ATTEMPTS, free_port, log_size, said_port_taken

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE_S = 30.0
# As a TLS proxy in front says it (uvicorn trusts it from loopback): a dashboard with
# ASYNCVIEWS_HTTPS on redirects plain requests, and there is no TLS proxy in the tests.
BEHIND_TLS = {"X-Forwarded-Proto": "https"}


def wait_for(condition: Callable[[], bool], *, deadline_s: float, what: str) -> None:
    """Poll condition until it holds; fail naming what was awaited when the deadline passes."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s} s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    subject_url: str = ""

    def servers(self) -> dict[str, dict[str, Any]]:
        """GET /servers/: each server of the registry by slug, with its state now."""
        listed = httpx.get(self.url + "/servers/", headers=BEHIND_TLS, timeout=10).json()
        return {server["slug"]: server for server in listed["servers"]}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def answers_or_exited(self) -> bool:
        """True once the dashboard answers (its lifespan has started its children) or exited."""
        if self.process.poll() is not None:
            return True
        try:
            return (
                httpx.get(self.url + "/servers/", headers=BEHIND_TLS, timeout=1).status_code == 200
            )
        except httpx.TransportError:
            return False

    def server_log(self, server: str = "uvicorn") -> str:
        """What a subject server wrote (the measured views' logs go there)."""
        return (self.data_dir / f"server-{server}.log").read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGINT, *, deadline_s: float = 10.0) -> float:
        """Send sig and return the seconds the process took to exit."""
        started = time.monotonic()
        self.process.send_signal(sig)
        self.process.wait(timeout=deadline_s)
        return time.monotonic() - started


def manage(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "ASYNCVIEWS_DATA_DIR": str(data_dir), **(env or {})},
        check=True,
        capture_output=True,
    )


def start_server(
    data_dir: Path,
    env: dict[str, str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    plain_uvicorn: bool = False,
) -> Server:
    """Migrate, collect static files and serve the dashboard from data_dir, as `make run` does.

    The tests reach it on 127.0.0.1 whatever host it listens on. plain_uvicorn serves it
    with `uvicorn dashboard.asgi:application` instead of `manage.py serve`. Without a port it
    takes a free one, and another if something binds that one first.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    manage(data_dir, "migrate", "--noinput", env=env)
    manage(data_dir, "collectstatic", "--noinput", env=env)
    serve = (
        ["-m", "uvicorn", "dashboard.asgi:application"] if plain_uvicorn else ["manage.py", "serve"]
    )
    log_path = data_dir / "server.log"
    for attempt in range(1, PORT_ATTEMPTS + 1):
        chosen = port or free_port()
        since = log_size(log_path)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, *serve, "--host", host, "--port", str(chosen)],
                cwd=ROOT,
                env={**os.environ, "ASYNCVIEWS_DATA_DIR": str(data_dir), **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(f"http://127.0.0.1:{chosen}", data_dir, process, log_path)
        with _stopped_on_failure(server):
            wait_for(
                server.answers_or_exited, deadline_s=START_DEADLINE_S, what="the server to answer"
            )
        if process.returncode is None:
            break
        if not said_port_taken(log_path, since) or port is not None or attempt == PORT_ATTEMPTS:
            raise AssertionError(f"server exited with {process.returncode}:\n{server.log()}")
    with _stopped_on_failure(server):
        subject = server.servers()["uvicorn"]["state"]
        # A test that gives the subject's port may mean it to fail (the dashboard still serves).
        if subject["state"] != "ready" and "ASYNCVIEWS_SUBJECT_PORT" not in (env or {}):
            raise AssertionError(f"the default subject did not start:\n{server.log()}")
    server.subject_url = subject.get("url", "")
    return server


@contextmanager
def _stopped_on_failure(server: Server) -> Iterator[None]:
    """A dashboard that failed to start as asked is stopped, children and all, not left behind
    by the test that raised."""
    try:
        yield
    except BaseException:
        try:
            server.stop()
        except subprocess.TimeoutExpired:
            server.process.kill()  # its children die with it (PR_SET_PDEATHSIG)
            server.process.wait()
        raise


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], port: int = 0) -> Iterator[str]:
    """Another HTTP server on this machine (on port, or a free one), answering with handler;
    its base URL.

    On exit it stops listening, so its address refuses connections; handlers still running
    are daemon threads and do not hold the exit up.
    """
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def child_pids(parent: int, *, running: str) -> list[int]:
    """The processes whose parent is `parent` and whose command line contains `running`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The parent pid is the second field after the command name, which is in parentheses.
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == parent and running in cmdline:
            found.append(int(entry.name))
    return found


def descendants(root: int) -> set[int]:
    """Every process below root (children, their children, ...), read from /proc now."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of pids still running (zombies, dead but not yet reaped, do not count)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running
