"""Subject servers: started on first use, kept warm, restarted for a new configuration.

Design choices:
- One subject per server kind at a time, on a loopback port: the default one (uvicorn) on
  SUBJECT_PORT (when that is free, unless it was given explicitly), so the tutorial's URLs are
  where a newcomer looks; every other on a free port.
- A subject is ready when it answers HTTP and, with telemetry on, the probes of all its worker
  processes have reported (or PROBES_DEADLINE_S has passed, which is logged): a run does not
  start against a half-booted gunicorn.
- Every change of state is announced (starting, ready, failed, exited, stopping, stopped) for
  the page to show.
- A subject that cannot start is stopped whole and named in the error; the dashboard goes on.
  One that exits because another socket took its port between choosing and binding it starts
  again on another free port (not on a port the user gave: that one is named as taken).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from dashboard.servers import children
from dashboard.servers.ports import (
    StartFailed,
    free_port,
    log_size,
    log_tail,
    on_a_free_port,
    port_is_free,
    wait_until_answers,
)
from dashboard.servers.registry import DEFAULT_SERVER, SERVERS, Config

logger = logging.getLogger(__name__)

PROBES_DEADLINE_S = 10.0


@dataclass
class Subject:
    config: Config
    port: int
    process: asyncio.subprocess.Process
    log: Path
    # Watches for the server exiting on its own (a crash, a kill): see ServerPool._watch.
    watcher: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.returncode is None


class ServerPool:
    def __init__(
        self,
        *,
        env: dict[str, str],
        data_dir: Path,
        announce: Callable[[dict[str, Any]], None],
        probes_seen: Callable[[str, float], int] | None,
    ) -> None:
        self.env = env
        self.data_dir = data_dir
        self.announce = announce
        self.probes_seen = probes_seen
        self.subjects: dict[str, Subject] = {}
        self.states: dict[str, dict[str, Any]] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._stopping: asyncio.Future[list[Any]] | None = None
        self._starting: dict[str, asyncio.Task[Subject]] = {}

    def get(self, server: str) -> Subject | None:
        subject = self.subjects.get(server)
        return subject if subject is not None and subject.running else None

    async def ensure(self, config: Config) -> Subject:
        """The subject for config, started or restarted as needed; StartFailed if it cannot.

        A start is the pool's own task, which callers await shielded: a browser that goes
        away mid-launch (Django then cancels its view) does not cut a server's start short.
        """
        async with self._locks[config.server]:
            current = self.get(config.server)
            if current is not None and current.config == config:
                return current
            if config.server in self.subjects:
                await self._stop(self.subjects.pop(config.server))
            starting = self._starting.get(config.server)
            if starting is None or starting.done():
                starting = asyncio.create_task(self._start(config), name=f"{config} start")
                self._starting[config.server] = starting
            return await asyncio.shield(starting)

    def _set_state(self, config: Config, state: str, **extra: Any) -> None:
        server = SERVERS[config.server]
        self.states[config.server] = {
            "server": config.server,
            "state": state,
            "workers": config.workers,
            "threads": config.threads,
            "shape": server.shape(config),
            **extra,
        }
        self.announce(self.states[config.server])

    async def _start(self, config: Config) -> Subject:
        wanted: int = settings.SUBJECT_PORT
        given = config.server == DEFAULT_SERVER and settings.SUBJECT_PORT_GIVEN
        if given or (config.server == DEFAULT_SERVER and port_is_free(wanted)):
            port = wanted
        else:
            port = free_port()
        self._set_state(config, "starting")
        try:
            return await on_a_free_port(
                lambda port: self._start_on(config, port), port, what=config.server, retry=not given
            )
        except StartFailed as error:
            self._set_state(config, "failed", error=str(error))
            raise

    async def _start_on(self, config: Config, port: int) -> Subject:
        server = SERVERS[config.server]
        what = f"{config.server} ({server.shape(config)})"
        log = self.data_dir / f"server-{config.server}.log"
        since = log_size(log)
        process = await children.spawn(
            server.command(port, config.workers, config.threads),
            env={**self.env, "ASYNCVIEWS_PROBE_SERVER": config.server},
            cwd=settings.BASE_DIR,
            log=log,
        )
        subject = Subject(config, port, process, log)
        started = time.monotonic()
        try:
            await wait_until_answers(subject.url + "/", process, log, what=what, since=since)
            await self._wait_for_probes(subject, started)
        except StartFailed:
            await children.stop(process, signal.SIGINT)
            raise
        except asyncio.CancelledError:  # the dashboard is stopping
            await children.stop(process, signal.SIGINT)
            self._set_state(config, "stopped")
            raise
        self.subjects[config.server] = subject
        subject.watcher = asyncio.create_task(self._watch(subject), name=f"{what} watcher")
        self._set_state(config, "ready", url=subject.url)
        logger.info("%s serves the measured views on %s/", what, subject.url)
        return subject

    async def _wait_for_probes(self, subject: Subject, started: float) -> None:
        if self.probes_seen is None:
            return
        deadline = time.monotonic() + PROBES_DEADLINE_S
        while self.probes_seen(subject.config.server, started) < subject.config.workers:
            if time.monotonic() > deadline:
                logger.warning(
                    "%s answers, but not every worker's probe reported within %g s",
                    subject.config.server,
                    PROBES_DEADLINE_S,
                )
                return
            await asyncio.sleep(0.05)

    async def _watch(self, subject: Subject) -> None:
        """A server that exits unasked is announced as exited, with why; the next run that
        needs it starts it again."""
        returncode = await subject.process.wait()
        logger.error("%s exited with %s", subject.config.server, returncode)
        self._set_state(
            subject.config,
            "exited",
            error=f"{subject.config.server} exited with {returncode}:\n{log_tail(subject.log)}",
        )

    async def _stop(self, subject: Subject) -> None:
        if subject.watcher is not None:
            subject.watcher.cancel()
            await asyncio.gather(subject.watcher, return_exceptions=True)
        self._set_state(subject.config, "stopping")
        await children.stop(subject.process, signal.SIGINT)
        self._set_state(subject.config, "stopped")

    def begin_stop_all(self) -> asyncio.Future[list[Any]]:
        """Start stopping every subject at once; stop_all() waits for this same stop.

        Ctrl-C begins it at once: a subject still serving a sync view takes its whole grace
        period, which must not wait for the dashboard's own connections to close first.
        """
        if self._stopping is None:
            for starting in self._starting.values():
                starting.cancel()
            subjects, self.subjects = list(self.subjects.values()), {}
            self._stopping = asyncio.gather(
                *(self._stop(subject) for subject in subjects),
                *(self._starting.values()),
                return_exceptions=True,
            )
        return self._stopping

    async def stop_all(self) -> None:
        await self.begin_stop_all()
