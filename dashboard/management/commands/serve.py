"""Serve the dashboard with uvicorn: `python manage.py serve` (HOST and PORT set the address).

The dashboard then starts its children: Redis, the mock upstream and the default subject
(uvicorn serving the asyncviews project) on the next port, unless ASYNCVIEWS_SUBJECT_PORT
names another. When it listens beyond loopback without a dashboard token it makes one and
prints it.

After uvicorn stops, the process exits at once instead of joining the threads of sync views
that are still sleeping: nobody is left to read their answers, and Ctrl-C must return in
well under two seconds even mid-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import sys
from types import FrameType
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from dashboard import instrument
from dashboard.runs.loadgen import raise_open_file_limit
from dashboard.servers.ports import BACKLOG, port_is_free

GRACEFUL_SHUTDOWN_S = 1
TOKEN_BYTES = 12


def unapplied_migrations() -> list[str]:
    """The migrations the database still needs, as app.name."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


class Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Stop the load generators at once: the runs are saved as interrupted, not left to
        # count the errors of requests the stopping server drops. End the event streams and
        # start stopping the subjects too: Ctrl-C must return within two seconds. A signal
        # handler may run in the middle of the loop's own work: the loop calls this when it
        # is its turn.
        with contextlib.suppress(RuntimeError):  # no loop or no instrument: nothing to stop
            parts = instrument.current()
            asyncio.get_running_loop().call_soon_threadsafe(parts.stop_soon)
        super().handle_exit(sig, frame)


class Command(BaseCommand):
    help = "Serve the asyncviews dashboard over ASGI with uvicorn, and its subjects beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if pending := unapplied_migrations():
            raise CommandError(
                f"the database in {settings.DATA_DIR} lacks {len(pending)} migration(s), "
                f"{pending[0]} first: run `python manage.py migrate` (`make run` does)"
            )
        if not port_is_free(port, host):
            raise CommandError(
                f"port {port} on {host} is in use (another `make run`?): stop that server, "
                "or choose another port with PORT=8010 make run"
            )
        # A connection per request in flight, and a database connection per sync thread.
        raise_open_file_limit()
        server = Server(
            uvicorn.Config(
                "dashboard.asgi:application",
                host=host,
                port=port,
                lifespan="on",
                access_log=False,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
                backlog=BACKLOG,
            )
        )
        shown = f"[{host}]" if ":" in host else host
        if "ASYNCVIEWS_SUBJECT_PORT" not in os.environ:
            settings.SUBJECT_PORT = port + 1
        # The measured views' address is logged once uvicorn serves them: on SUBJECT_PORT,
        # unless that port is taken.
        self.stdout.write(f"asyncviews: the dashboard on http://{shown}:{port}/  (Ctrl-C to stop)")
        if not is_loopback(host) and not settings.DASHBOARD_TOKEN:
            settings.DASHBOARD_TOKEN = secrets.token_urlsafe(TOKEN_BYTES)
            self.stdout.write(
                f"asyncviews: listening beyond loopback, so only the presenter may fire runs."
                f"\n  presenter token: {settings.DASHBOARD_TOKEN}\n  enter it on the page, or "
                "set ASYNCVIEWS_DASHBOARD_TOKEN for `manage.py fire` (and to keep it across "
                "restarts)"
            )
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            pass  # uvicorn re-raises the Ctrl-C it has already handled by shutting down
        finally:
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0 if server.started else 1)
