"""Runs in progress: admitting them, firing their load generators, following, saving them.

Each run is one child process (dashboard/runs/loadgen.py) and one task that reads its lines on
the dashboard's event loop. What it learns updates the run at once and the database at most
every SAVE_EVERY_S (a separate task, so a slow write never stalls the reading and, through a
full pipe, the load generator's own clock). A run still going when the dashboard stops is
saved as interrupted with what it has received; one left `running` by a crash is marked
interrupted at the next start. Nothing here knows about frames or the stream: what happens is
handed out through `announce` and read by the frame ticker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings

from dashboard.models import Run
from dashboard.runs.active import ActiveRun
from dashboard.runs.timing import Timing
from dashboard.runs.volley import Volley
from dashboard.servers import children
from dashboard.servers.registry import Config

logger = logging.getLogger(__name__)

SAVE_EVERY_S = 1.0
DRAIN_S = 1.0
# How long a load generator may take to load and say it is ready.
READY_S = 30.0
# How long past the run time limit a load generator may take to report and exit.
OVERRUN_S = 4.0
# How long after its last answer a run waits for the probes' last spans.
SPANS_GRACE_S = 0.5
SPANS_POLL_S = 0.02
# Lines from the load generator can hold a thousand results.
LINE_LIMIT = 16 * 1024 * 1024


class AtCapacity(Exception):
    """A launch that must wait: too many requests in flight, or its server or scenario is busy."""

    def __init__(self, message: str, retry_after_s: int, field: str) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.field = field


def config_of(run: Run) -> Config:
    return Config(run.server, run.workers, run.threads)


class RunManager:
    def __init__(self, announce: Callable[[dict[str, Any]], None]) -> None:
        self.announce = announce
        self.active: dict[int, ActiveRun] = {}
        # Requests, (scenario, server) pairs and server configurations of launches admitted
        # but whose runs are not started yet.
        self.reserved = 0
        self.reserved_pairs: set[tuple[str, str]] = set()
        self.reserved_configs: list[Config] = []
        # Timings of runs that ended since the last frame, still to be sent with it.
        self.ended_recent: dict[str, list[Timing]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def recover(self) -> None:
        """Runs left `running` by a dashboard that died cannot finish any more."""
        count = await Run.objects.filter(status=Run.Status.RUNNING).aupdate(
            status=Run.Status.INTERRUPTED
        )
        if count:
            logger.warning("marked %d run(s) left running by the last server as interrupted", count)

    def open_requests(self) -> int:
        """Requests sent or about to be sent by the runs in progress, not answered yet."""
        return self.reserved + sum(a.run.n - a.run.done for a in self.active.values())

    def _retry_after_s(self, runs: Iterable[ActiveRun]) -> int:
        """When the slowest of these runs will have ended at the latest."""
        now = time.monotonic()
        deadlines = [(a.start_at or now) + settings.RUN_TIME_LIMIT_S + OVERRUN_S for a in runs]
        return max(1, math.ceil(max(deadlines, default=now) - now))

    def _refuse_busy(self, launches: Sequence[tuple[str, Config]]) -> None:
        pairs = {(scenario, config.server) for scenario, config in launches}
        busy = [a for a in self.active.values() if (a.run.scenario, a.run.server) in pairs]
        if busy or self.reserved_pairs & pairs:
            going = ", ".join(
                f"run {a.run.pk} of {a.key} ({a.run.done} of {a.run.n} done)" for a in busy
            )
            retry_after_s = self._retry_after_s(busy)
            raise AtCapacity(
                f"scenario is busy on that server: {going or 'a run of it is starting'}; one "
                f"run of a scenario per server at a time keeps its counts its own; retry when "
                f"it ends, within {retry_after_s} s",
                retry_after_s,
                "scenario",
            )
        in_use = [config_of(a.run) for a in self.active.values()] + self.reserved_configs
        for _, config in launches:
            other = next((c for c in in_use if c.server == config.server and c != config), None)
            if other is not None:
                users = [a for a in self.active.values() if a.run.server == config.server]
                retry_after_s = self._retry_after_s(users)
                raise AtCapacity(
                    f"{config.server} is busy with {other.workers} worker(s) and "
                    f"{other.threads} thread(s) for another run; it restarts with a new "
                    f"configuration only when idle: retry within {retry_after_s} s",
                    retry_after_s,
                    "workers" if other.workers != config.workers else "threads",
                )

    @contextlib.contextmanager
    def admitting(self, launches: Sequence[tuple[str, Config]], n: int) -> Iterator[None]:
        """Hold room for n more requests of these launches while their runs start.

        Checked and reserved without awaiting anything, so two launches that arrive together
        cannot both take the last room; the room passes to the runs as they start. One
        scenario runs once per server at a time: its in-flight and in-view counts are per
        scenario and server, so two runs of it would count each other's requests. A server
        restarts for another configuration only when no run uses it.
        """
        self._refuse_busy(launches)
        limit: int = settings.MAX_IN_FLIGHT
        open_now = self.open_requests()
        if open_now + n > limit:
            retry_after_s = self._retry_after_s(self.active.values())
            going = ", ".join(
                f"run {a.run.pk} ({a.key}, {a.run.n - a.run.done} of {a.run.n} open)"
                for a in self.active.values()
            )
            raise AtCapacity(
                f"n={n} would make {open_now + n} requests in flight, over max_in_flight "
                f"{limit}: {going or 'other runs are starting'}; retry when they end, "
                f"within {retry_after_s} s",
                retry_after_s,
                "n",
            )
        pairs = {(scenario, config.server) for scenario, config in launches}
        configs = [config for _, config in launches]
        self.reserved += n
        self.reserved_pairs |= pairs
        self.reserved_configs += configs
        try:
            yield
        finally:
            self.reserved -= n
            self.reserved_pairs -= pairs
            for config in configs:
                self.reserved_configs.remove(config)

    def start(self, orders: Sequence[tuple[Run, str]]) -> None:
        """Fire each run at its URL; the runs of one call (a race) fire at the same instant."""
        volley = Volley(len(orders))
        for run, url in orders:
            active = ActiveRun(run)
            self.active[run.pk] = active
            task = asyncio.create_task(self._follow(active, url, volley), name=f"run {run.pk}")
            self._tasks.add(task)
            task.add_done_callback(self._finished)
            self._announce(active)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("%s: following it failed", task.get_name(), exc_info=error)

    def get(self, run_id: int) -> Run | None:
        active = self.active.get(run_id)
        if active is None:
            return None
        active.fold()
        return active.run

    def progress(self) -> list[dict[str, Any]]:
        return [active.progress() for active in self.active.values()]

    def summaries(self) -> list[dict[str, Any]]:
        return [active.summary() for active in self.active.values()]

    def take_in_flight(self) -> dict[str, int]:
        """Per scenario@server, the most requests in flight since the last frame."""
        return {a.key: a.take_in_flight_peak() for a in self.active.values()}

    def take_recent(self) -> dict[str, list[Timing]]:
        taken, self.ended_recent = self.ended_recent, {}
        for run_id, active in self.active.items():
            if recent := active.take_recent():
                taken[str(run_id)] = recent
        return taken

    def take_spans(self, server: str, pid: int, spans: list[list[Any]]) -> None:
        """The probe's spans of views, joined to their runs by request id "<run id>.<index>"."""
        for request_id, entered, left, thread in spans:
            run_id, _, index = str(request_id).partition(".")
            active = self.active.get(int(run_id)) if run_id.isdecimal() else None
            if active is None or active.start_at is None or active.run.server != server:
                continue
            t0 = active.start_at
            active.run.spans.append(
                [int(index), round(entered - t0, 6), round(left - t0, 6), pid, thread]
            )

    def observe(self, frame: dict[str, Any], tick_s: float) -> None:
        """Fold a frame's server-side measurements into the peaks of the runs in progress."""
        for active in self.active.values():
            server = frame["servers"].get(active.run.server, {})
            processes = server.get("processes") if frame["telemetry"] else None
            active.observe(frame["in_view"].get(active.key, 0), processes or None, tick_s)

    def interrupt_all(self) -> None:
        """Stop every run in progress; each is saved as interrupted by its own task."""
        for task in self._tasks:
            task.cancel()

    async def shutdown(self) -> None:
        """Stop every run in progress and wait until each is saved as interrupted."""
        tasks = list(self._tasks)
        self.interrupt_all()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _announce(self, active: ActiveRun) -> None:
        self.announce(active.summary())

    async def _spawn(self, active: ActiveRun, url: str) -> asyncio.subprocess.Process:
        run = active.run
        return await children.spawn(
            [
                *(sys.executable, "-m", "dashboard.runs.loadgen", url, str(run.n)),
                *(str(settings.RUN_TIME_LIMIT_S), str(run.pk)),
            ],
            cwd=settings.BASE_DIR,
            death_signal=signal.SIGKILL,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )

    async def _fire(
        self, active: ActiveRun, process: asyncio.subprocess.Process, volley: Volley
    ) -> None:
        """Wait for the generator to be ready, then for the volley, and tell it when to fire."""
        assert process.stdin is not None
        assert process.stdout is not None
        async with asyncio.timeout(READY_S):
            line = await process.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            raise RuntimeError(f"the load generator did not say it was ready: {line[:200]!r}")
        active.start_at = active.run.start_at = await volley.ready()
        process.stdin.write(json.dumps({"start_at": active.start_at}).encode() + b"\n")
        await process.stdin.drain()
        process.stdin.close()
        self._announce(active)

    async def _follow(self, active: ActiveRun, url: str, volley: Volley) -> None:
        run = active.run
        saver = asyncio.create_task(self._save_regularly(active), name=f"run {run.pk} saver")
        process: asyncio.subprocess.Process | None = None
        wall_s: float | None = None
        status = Run.Status.FAILED
        try:
            process = await self._spawn(active, url)
            await self._fire(active, process, volley)
            assert process.stdout is not None
            # The load generator cancels its own requests at the run time limit; one that
            # is frozen or stuck would otherwise hold its requests' room for ever.
            async with asyncio.timeout(settings.RUN_TIME_LIMIT_S + OVERRUN_S):
                wall_s = await self._read(active, process.stdout)
                returncode = await process.wait()
            await self._await_spans(active)
            if returncode == 0 and run.done == run.n and wall_s is not None:
                status = Run.Status.FINISHED
            else:
                logger.error(
                    "run %s: the load generator exited with %s after %d of %d results",
                    *(run.pk, returncode, run.done, run.n),
                )
        except asyncio.CancelledError as cancelled:
            volley.fail(cancelled)
            status = Run.Status.INTERRUPTED
            if process is not None and process.stdout is not None:
                process.kill()
                # What the load generator wrote before it was stopped is still in the pipe.
                with contextlib.suppress(TimeoutError, ValueError):
                    await asyncio.wait_for(self._read(active, process.stdout), DRAIN_S)
            logger.warning("run %s interrupted with %d results", run.pk, run.done)
            raise
        except TimeoutError as timeout:
            volley.fail(timeout)
            logger.error(
                "run %s: the load generator was still running %g s past the run time limit "
                "(or never said it was ready); stopped it after %d of %d results",
                *(run.pk, OVERRUN_S, run.done, run.n),
            )
        except Exception as error:
            volley.fail(error)
            logger.exception("run %s failed", run.pk)
        finally:
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
            saver.cancel()
            await asyncio.gather(saver, return_exceptions=True)
            active.conclude(status, wall_s)
            try:
                await run.asave()
            except Exception:
                logger.exception("run %s: saving its results failed", run.pk)
            finally:
                del self.active[run.pk]
                if active.recent:
                    self.ended_recent[str(run.pk)] = active.recent
                self._announce(active)

    async def _read(self, active: ActiveRun, stdout: asyncio.StreamReader) -> float | None:
        """Take the load generator's lines until it closes them; its wall_s, if it got there."""
        async for raw in stdout:
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                logger.error("run %s: unreadable line from the load generator", active.run.pk)
                return None
            if "wall_s" in line:
                return float(line["wall_s"])
            active.take(line)
        return None

    async def _await_spans(self, active: ActiveRun) -> None:
        """The probes report every 100 ms: the spans of the last answers may still be coming."""
        answered = sum(1 for timing in active.run.timings if timing[3])
        for _ in range(round(SPANS_GRACE_S / SPANS_POLL_S)):
            if len(active.run.spans) >= answered:
                return
            await asyncio.sleep(SPANS_POLL_S)

    async def _save_regularly(self, active: ActiveRun) -> None:
        """Keep what has arrived on disk, so a crash loses at most SAVE_EVERY_S of it."""
        saved = 0
        while True:
            await asyncio.sleep(SAVE_EVERY_S)
            if active.run.done == saved:
                continue
            saved = active.run.done
            active.fold()
            try:
                await active.run.asave(
                    update_fields=[
                        "timings",
                        "spans",
                        "done",
                        "errors",
                        "error_kinds",
                        "peaks",
                        "start_at",
                    ]
                )
            except Exception:
                logger.exception("run %s: saving its results so far failed", active.run.pk)
