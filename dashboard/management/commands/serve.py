"""Serve the site with uvicorn: `python manage.py serve` (HOST and PORT override the address).

It tells the load generator this server's own address (settings.SELF_URL), and when it
listens beyond loopback without a dashboard token it makes one and prints it.

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
from django.core.management.base import BaseCommand, CommandParser

from dashboard import instrument
from dashboard.addresses import local_url
from dashboard.loadgen import raise_open_file_limit

GRACEFUL_SHUTDOWN_S = 1
TOKEN_BYTES = 12


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
        # count the errors of requests the stopping server drops. A signal handler may run
        # in the middle of the loop's own work: the loop calls this when it is its turn.
        with contextlib.suppress(RuntimeError):  # no loop running: no run to stop
            asyncio.get_running_loop().call_soon_threadsafe(instrument.runs.interrupt_all)
        super().handle_exit(sig, frame)


class Command(BaseCommand):
    help = "Serve asyncviews over ASGI with uvicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        # A connection per request in flight, and a database connection per sync thread.
        raise_open_file_limit()
        server = Server(
            uvicorn.Config(
                "asyncviews.asgi:application",
                host=host,
                port=port,
                lifespan="on",
                access_log=False,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
                backlog=4096,
            )
        )
        shown = f"[{host}]" if ":" in host else host
        # The load generator calls this server back on loopback when it listens everywhere.
        settings.SELF_URL = local_url(host, port)
        self.stdout.write(f"asyncviews: open http://{shown}:{port}/  (Ctrl-C to stop)")
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
