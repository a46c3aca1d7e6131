"""The server registry: the servers Django runs on, each one entry, side by side.

Every entry is the asyncviews project as its users deploy it under that server, with the probe
middleware added by its settings. Adding a server is one Server entry here. The dashboard
starts one on first use (dashboard/servers/pool.py); the ideal wall time of a run uses the
server's capacity (dashboard/servers/ideal.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dashboard.servers.ports import BACKLOG

PYTHON = sys.executable
ASGI_APP = "asyncviews.asgi:application"
WSGI_APP = "asyncviews.wsgi:application"
# Seconds a stopping server gives the requests still open: the dashboard stops it only when no
# run needs it, and Ctrl-C must return within two seconds.
GRACE_S = 1


@dataclass(frozen=True)
class Config:
    """A server and how it is configured for a run: what a run records and races compare."""

    server: str
    workers: int
    threads: int


@dataclass(frozen=True)
class Server:
    slug: str
    label: str
    protocol: Literal["asgi", "wsgi"]
    explanation: str
    # argv that serves the project on 127.0.0.1:port with these workers and threads.
    command: Callable[[int, int, int], list[str]]
    workers: tuple[int, int] = (1, 1)  # (default, most); the least is always 1
    threads: tuple[int, int] = (1, 1)
    # Requests it can hold at once with these workers and threads; None: as many as arrive
    # (a task or a thread per request).
    capacity: Callable[[int, int], int | None] = lambda workers, threads: None

    def default(self) -> Config:
        return Config(self.slug, self.workers[0], self.threads[0])

    def shape(self, config: Config) -> str:
        """'4 workers, 8 threads' as the page and the CLI say it."""
        parts = []
        if self.workers[1] > 1:
            parts.append(f"{config.workers} worker{'s' * (config.workers != 1)}")
        if self.threads[1] > 1:
            parts.append(f"{config.threads} thread{'s' * (config.threads != 1)}")
        return ", ".join(parts) or "one process"


def _gunicorn(app: str, worker_class: str) -> Callable[[int, int, int], list[str]]:
    def command(port: int, workers: int, threads: int) -> list[str]:
        return [
            *(PYTHON, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"),
            *("--worker-class", worker_class, "--workers", str(workers)),
            *(["--threads", str(threads)] if worker_class == "gthread" else []),
            *("--graceful-timeout", str(GRACE_S), "--backlog", str(BACKLOG)),
            # No worker timeout: gunicorn would kill a worker whose loop or thread a demo holds
            # on purpose (async-blocking x100 blocks a uvicorn worker's heartbeat for 50 s).
            # The dashboard's run time limit bounds every request instead.
            *("--timeout", "0"),
            # One control socket per machine by default: several gunicorns would share it.
            "--no-control-socket",
        ]

    return command


SERVERS: dict[str, Server] = {
    s.slug: s
    for s in [
        Server(
            "uvicorn",
            "uvicorn, one process (ASGI)",
            "asgi",
            "The tutorial's server: one process, one event loop. Async views wait together on "
            "the loop; sync views each get a thread. One view that blocks the loop holds up "
            "every request on it.",
            lambda port, workers, threads: [
                *(PYTHON, "-m", "uvicorn", ASGI_APP, "--host", "127.0.0.1", "--port", str(port)),
                *("--no-access-log", "--timeout-graceful-shutdown", str(GRACE_S)),
                *("--backlog", str(BACKLOG)),
            ],
        ),
        Server(
            "gunicorn-uvicorn",
            "gunicorn + uvicorn workers (ASGI)",
            "asgi",
            "ASGI as it is deployed: gunicorn supervises several uvicorn worker processes, each "
            "with its own event loop. A blocked loop holds up only its own worker's requests. "
            "A worker takes every connection waiting when its loop wakes, so a burst can all "
            "land on one worker: the timeline shows which.",
            _gunicorn(ASGI_APP, "uvicorn_worker.UvicornWorker"),
            workers=(2, 8),
        ),
        Server(
            "gunicorn-sync",
            "gunicorn, sync workers (WSGI)",
            "wsgi",
            "WSGI with sync workers: each worker process serves one request at a time, so N "
            "calls queue behind the workers, sync or async views alike. Async views gain "
            "nothing here: each runs on a loop of its own, one at a time.",
            _gunicorn(WSGI_APP, "sync"),
            workers=(4, 8),
            capacity=lambda workers, threads: workers,
        ),
        Server(
            "gunicorn-gthread",
            "gunicorn, threaded workers (WSGI)",
            "wsgi",
            "WSGI with threaded workers: each worker serves as many requests at once as it has "
            "threads. Calls beyond workers times threads wait for a free thread.",
            _gunicorn(WSGI_APP, "gthread"),
            workers=(2, 8),
            threads=(4, 32),
            capacity=lambda workers, threads: workers * threads,
        ),
        Server(
            "runserver",
            "runserver, Django's development server (WSGI)",
            "wsgi",
            "The tutorial's first server: WSGI with a new thread per request, so sync views "
            "overlap. Async views run each on a loop of their own in that thread: no "
            "concurrency gained, none lost.",
            lambda port, workers, threads: [
                *(PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"),
                *("--noreload", "--skip-checks", "--settings", "asyncviews.settings"),
            ],
        ),
        Server(
            "daphne",
            "daphne, Django's own ASGI server",
            "asgi",
            "Django's own ASGI server, built on Twisted: one process, one event loop, like "
            "uvicorn. The same views behave the same; the server's own overhead differs.",
            lambda port, workers, threads: [
                *(PYTHON, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port)),
                *("--application-close-timeout", str(GRACE_S), ASGI_APP),
            ],
        ),
    ]
}
DEFAULT_SERVER = "uvicorn"
