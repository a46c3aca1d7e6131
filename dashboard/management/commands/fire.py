"""Fire a run at a running dashboard and show it: `python manage.py fire async-sleep -n 500`.

The run goes to the server named by --server (uvicorn by default) with --workers and
--threads. With --versus another scenario or --versus-server another server, it fires a race
of the two instead: `fire async-sleep -n 50 --server uvicorn --versus-server gunicorn-sync`
races one scenario on two servers. It only talks to the runs API (POST /runs/ or /races/,
then GET /runs/<id>/ every POLL_S), so what it prints is what the dashboard measured.
Progress goes to stderr and only to a terminal, so that stdout holds the summary alone, or
the run's JSON with --json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.addresses import local_url
from dashboard.management.report import progress_line, race_line, summary

POLL_S = 0.2
REQUEST_TIMEOUT_S = 10.0
# A launch answers once its servers are up: starting one (a gunicorn waiting for each of its
# workers' probes) can take a while on a busy machine.
LAUNCH_TIMEOUT_S = 90.0
# The server cancels what is still open at RUN_TIME_LIMIT_S; this covers saving the run.
DEADLINE_MARGIN_S = 15.0
# Options sent as they are named, when given: the run's server, and what makes it a race.
SERVER_FIELDS = ("server", "workers", "threads")
RACE_FIELDS = ("versus", "versus_server", "versus_workers", "versus_threads")


def default_url() -> str:
    """Where `make run` serves: HOST and PORT, with a listen-everywhere host seen from here."""
    return local_url(os.environ.get("HOST") or "127.0.0.1", os.environ.get("PORT") or "8000")


def start(client: httpx.Client, url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST the run or race; every way that can fail becomes one line naming the server."""
    try:
        response = client.post(path, json=body, timeout=LAUNCH_TIMEOUT_S)
    except httpx.ConnectError:
        raise CommandError(f"no asyncviews server at {url}: start one with `make run`") from None
    except httpx.HTTPError as error:
        raise CommandError(f"could not start a run at {url}: {error}") from None
    try:
        data: dict[str, Any] = response.json()
    except ValueError:
        data = {}
    if 400 <= response.status_code < 600 and "error" in data:
        raise CommandError(data["error"])
    if response.status_code != 201 or not ("id" in data or "runs" in data):
        raise CommandError(f"{url}{path} answered {response.status_code}, not a new run")
    return data


def follow(client: httpx.Client, url: str, run: dict[str, Any]) -> dict[str, Any]:
    """Poll the run until it ends, showing its progress on a terminal."""
    live = sys.stderr.isatty()
    started = time.monotonic()
    deadline_s = settings.RUN_TIME_LIMIT_S + DEADLINE_MARGIN_S
    path = f"/runs/{run['id']}/"
    try:
        while run["status"] == "running":
            elapsed_s = time.monotonic() - started
            if live:
                sys.stderr.write("\r" + progress_line(run, elapsed_s) + "\x1b[K")
                sys.stderr.flush()
            if elapsed_s > deadline_s:
                raise CommandError(f"run {run['id']} still running after {deadline_s:g} s")
            time.sleep(POLL_S)
            # Without its timings: polling must cost the server being measured next to nothing.
            run = get_run(client, url, path, {"timings": "no"})
    except KeyboardInterrupt:
        raise CommandError(f"stopped watching; run {run['id']} goes on at {url}{path}") from None
    finally:
        if live:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    return get_run(client, url, path, {})


def get_run(client: httpx.Client, url: str, path: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        run: dict[str, Any] = client.get(path, params=params).raise_for_status().json()
    except httpx.HTTPError as error:
        raise CommandError(f"lost {path} at {url}: {error}") from None
    return run


class Command(BaseCommand):
    help = "Fire N concurrent calls at a scenario through a running dashboard; show the run."
    # A client of the server: checking the project is the server's business, not this one's.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", help="a scenario slug, such as async-sleep")
        parser.add_argument("-n", type=int, required=True, help="how many concurrent calls")
        parser.add_argument("--delay", type=float, help="seconds each call waits (default 1)")
        parser.add_argument(
            "--server", help="the server to run it on, such as gunicorn-sync (default: uvicorn)"
        )
        parser.add_argument("--workers", type=int, help="the server's worker processes")
        parser.add_argument("--threads", type=int, help="the threads of each worker")
        parser.add_argument(
            "--versus", help="race another scenario: both fired at once with the same n and delay"
        )
        parser.add_argument(
            "--versus-server",
            help="race on another server: the rival runs there (with --versus, that scenario)",
        )
        parser.add_argument("--versus-workers", type=int, help="the rival server's workers")
        parser.add_argument("--versus-threads", type=int, help="the rival server's threads")
        parser.add_argument(
            "--url", default=default_url(), help="the dashboard (default: %(default)s)"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the run's full JSON"
        )

    def handle(
        self,
        *args: Any,
        scenario: str,
        n: int,
        delay: float | None,
        url: str,
        as_json: bool,
        **options: Any,
    ) -> None:
        url = url.rstrip("/")
        body: dict[str, Any] = {"scenario": scenario, "n": n}
        if delay is not None:
            body["delay"] = delay
        # Left out when not given: the dashboard's defaults, and its messages, apply.
        for field in RACE_FIELDS + SERVER_FIELDS:
            if options.get(field) is not None:
                body[field] = options[field]
        racing = any(field in body for field in RACE_FIELDS)
        # The presenter's token, when the server wants one (ASYNCVIEWS_DASHBOARD_TOKEN).
        headers = (
            {"Authorization": f"Bearer {token}"} if (token := settings.DASHBOARD_TOKEN) else {}
        )
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S, headers=headers) as client:
            started = start(client, url, "/races/" if racing else "/runs/", body)
            runs = [follow(client, url, run) for run in started.get("runs", [started])]
        if as_json:
            self.stdout.write(json.dumps(runs[0] if len(runs) == 1 else {"runs": runs}))
        else:
            self.stdout.write("\n\n".join(summary(run) for run in runs))
            if len(runs) == 2:
                self.stdout.write(race_line(runs))
        for run in runs:
            if run["status"] != "finished":
                raise CommandError(f"run {run['id']} {run['status']}")
