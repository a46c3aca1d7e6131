"""Runs in progress: starting the load generator, following its results, saving them.

Each run is one child process (dashboard/loadgen.py) and one task that reads its lines on
the server's event loop. What the task learns updates the telemetry at once (in_flight) and
the database at most every SAVE_EVERY_S (a separate task, so a slow write never stalls the
reading and, through a full pipe, the load generator's own clock). A run still going when
the server stops is saved as interrupted with what it has received; one left `running` by
a crash is marked interrupted at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import sys
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.conf import settings

from dashboard import telemetry
from dashboard.broadcast import Broadcaster
from dashboard.models import Run

logger = logging.getLogger(__name__)

SAVE_EVERY_S = 1.0
DRAIN_S = 1.0
# The load generator starts this long after it is spawned: time enough for Python and aiohttp
# to load, so that it fires at the instant the server has noted as the run's start.
START_DELAY_S = 0.5
# How long past the run time limit a load generator may take to report and exit.
OVERRUN_S = 4.0
# Lines from the load generator can hold a thousand results.
LINE_LIMIT = 16 * 1024 * 1024


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


class ActiveRun:
    def __init__(self, run: Run, start_at: float) -> None:
        self.run = run
        # On the system-wide monotonic clock, the load generator's and the server's alike.
        self.started = start_at
        self.ended: float | None = None
        self.in_flight = 0
        # [end_s, duration_s, http_status] of the requests completed since the last frame.
        self.durations: list[list[float]] = []
        self.error_kinds: Counter[str] = Counter()
        self.peaks = {"in_flight": 0, "in_view": 0, "threads": 0, "loop_lag_ms": 0.0}
        self.task: asyncio.Task[None] | None = None

    def fold(self) -> None:
        """Copy what is counted here onto the run, for saving or showing it."""
        self.run.errors = sum(self.error_kinds.values())
        self.run.error_kinds = dict(self.error_kinds)
        self.run.peaks = dict(self.peaks)

    def summary(self) -> dict[str, Any]:
        self.fold()
        # Since the run was started, on the server's clock: with the frames' `t`, it places
        # the run's start and end on the live chart.
        elapsed_s = round((self.ended or time.monotonic()) - self.started, 3)
        return {**self.run.as_dict(with_timings=False), "elapsed_s": elapsed_s}

    def take(self, line: dict[str, Any]) -> None:
        slug = self.run.scenario
        sent = line.get("sent", 0)
        self.in_flight += sent
        telemetry.in_flight.add(slug, sent)
        self.peaks["in_flight"] = max(self.peaks["in_flight"], self.in_flight)
        for start, end, status, kind in line.get("done", []):
            self.run.timings.append([start, end, status])
            self.run.done += 1
            self.durations.append([end, round(end - start, 6), status])
            if kind is not None:
                self.error_kinds[kind] += 1
        finished = len(line.get("done", []))
        self.in_flight -= finished
        telemetry.in_flight.add(slug, -finished)

    def release_in_flight(self) -> None:
        telemetry.in_flight.add(self.run.scenario, -self.in_flight)
        self.in_flight = 0

    def conclude(self, status: str, wall_s: float | None) -> None:
        self.ended = time.monotonic()
        # A run shorter than a frame ends before any frame has observed it: fold in the
        # peak of the frame still being gathered.
        slug = self.run.scenario
        self.peaks["in_view"] = max(self.peaks["in_view"], telemetry.in_view.peak[slug])
        self.release_in_flight()
        durations = sorted(end - start for start, end, _ in self.run.timings)
        self.run.status = status
        self.run.wall_s = wall_s
        self.run.p50_s = percentile(durations, 0.50)
        self.run.p95_s = percentile(durations, 0.95)
        self.run.p99_s = percentile(durations, 0.99)
        self.run.max_s = durations[-1] if durations else None
        self.fold()


class AtCapacity(Exception):
    """A launch that must wait: too many requests in flight, or its scenario is busy."""

    def __init__(self, message: str, retry_after_s: int, field: str) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.field = field


class RunManager:
    def __init__(self, broadcaster: Broadcaster) -> None:
        self.broadcaster = broadcaster
        self.active: dict[int, ActiveRun] = {}
        # Requests and scenarios of launches admitted but whose runs are not started yet.
        self.reserved = 0
        self.reserved_scenarios: set[str] = set()
        # Durations of runs that ended since the last frame, still to be sent with it.
        self.ended_durations: dict[str, list[list[float]]] = {}

    async def recover(self) -> None:
        """Runs left `running` by a server that died cannot finish any more."""
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
        deadlines = [a.started + settings.RUN_TIME_LIMIT_S + OVERRUN_S for a in runs]
        return max(1, math.ceil(max(deadlines, default=now) - now))

    @contextlib.contextmanager
    def admitting(self, scenarios: Collection[str], n: int) -> Iterator[None]:
        """Hold room for n more requests of these scenarios while their runs start.

        Checked and reserved without awaiting anything, so two launches that arrive together
        cannot both take the last room; the room passes to the runs as they start. One
        scenario runs once at a time: its in-flight and in-view counts are per scenario, so
        two runs of it would count each other's requests.
        """
        busy = [a for a in self.active.values() if a.run.scenario in scenarios]
        if busy or self.reserved_scenarios & set(scenarios):
            going = ", ".join(
                f"run {a.run.pk} of {a.run.scenario} ({a.run.done} of {a.run.n} done)" for a in busy
            )
            retry_after_s = self._retry_after_s(busy)
            raise AtCapacity(
                f"scenario is busy: {going or 'a run of it is starting'}; one run of a "
                f"scenario at a time keeps its counts its own; retry when it ends, within "
                f"{retry_after_s} s",
                retry_after_s,
                "scenario",
            )
        limit: int = settings.MAX_IN_FLIGHT
        open_now = self.open_requests()
        if open_now + n > limit:
            retry_after_s = self._retry_after_s(self.active.values())
            going = ", ".join(
                f"run {a.run.pk} ({a.run.scenario}, {a.run.n - a.run.done} of {a.run.n} open)"
                for a in self.active.values()
            )
            raise AtCapacity(
                f"n={n} would make {open_now + n} requests in flight, over max_in_flight "
                f"{limit}: {going or 'other runs are starting'}; retry when they end, "
                f"within {retry_after_s} s",
                retry_after_s,
                "n",
            )
        self.reserved += n
        self.reserved_scenarios |= set(scenarios)
        try:
            yield
        finally:
            self.reserved -= n
            self.reserved_scenarios -= set(scenarios)

    def start(self, run: Run, url: str, start_at: float | None = None) -> None:
        """Start the run's load generator, firing at start_at (by default, as soon as it can).

        The two runs of a race are given the same start_at.
        """
        if start_at is None:
            start_at = time.monotonic() + START_DELAY_S
        active = ActiveRun(run, start_at)
        self.active[run.pk] = active
        active.task = asyncio.create_task(self._follow(active, url, start_at), name=f"run {run.pk}")
        active.task.add_done_callback(self._log_failure)
        self._announce(active)

    @staticmethod
    def _log_failure(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("%s: following it failed", task.get_name(), exc_info=error)

    def get(self, run_id: int) -> Run | None:
        active = self.active.get(run_id)
        if active is None:
            return None
        active.fold()
        return active.run

    def progress(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [
            {
                "id": active.run.pk,
                "scenario": active.run.scenario,
                "n": active.run.n,
                "done": active.run.done,
                "errors": sum(active.error_kinds.values()),
                "elapsed_s": round(now - active.started, 3),
            }
            for active in self.active.values()
        ]

    def active_summaries(self) -> list[str]:
        return [json.dumps(active.summary()) for active in self.active.values()]

    def take_durations(self) -> dict[str, list[list[float]]]:
        taken, self.ended_durations = self.ended_durations, {}
        for run_id, active in self.active.items():
            if active.durations:
                taken[str(run_id)] = active.durations
                active.durations = []
        return taken

    def observe(self, frame: dict[str, Any]) -> None:
        """Fold a frame's server-side measurements into the peaks of the runs in progress."""
        for active in self.active.values():
            peaks = active.peaks
            peaks["in_view"] = max(peaks["in_view"], frame["in_view"][active.run.scenario])
            peaks["threads"] = max(peaks["threads"], frame["threads"])
            peaks["loop_lag_ms"] = max(peaks["loop_lag_ms"], frame["loop_lag_ms"])

    def interrupt_all(self) -> None:
        """Stop every run in progress; each is saved as interrupted by its own task."""
        for active in self.active.values():
            if active.task is not None:
                active.task.cancel()

    async def shutdown(self) -> None:
        """Stop every run in progress and wait until each is saved as interrupted."""
        tasks = [active.task for active in self.active.values() if active.task is not None]
        self.interrupt_all()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _announce(self, active: ActiveRun) -> None:
        self.broadcaster.publish_run(json.dumps(active.summary()))

    async def _follow(self, active: ActiveRun, url: str, start_at: float) -> None:
        run = active.run
        saver = asyncio.create_task(self._save_regularly(active), name=f"run {run.pk} saver")
        process: asyncio.subprocess.Process | None = None
        wall_s: float | None = None
        status = Run.Status.FAILED
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "dashboard.loadgen",
                url,
                str(run.n),
                str(settings.RUN_TIME_LIMIT_S),
                repr(start_at),
                stdout=asyncio.subprocess.PIPE,
                limit=LINE_LIMIT,
            )
            assert process.stdout is not None
            # The load generator cancels its own requests at the run time limit; one that
            # is frozen or stuck would otherwise hold its requests' room for ever.
            async with asyncio.timeout(START_DELAY_S + settings.RUN_TIME_LIMIT_S + OVERRUN_S):
                wall_s = await self._read(active, process.stdout)
                returncode = await process.wait()
            if returncode == 0 and run.done == run.n and wall_s is not None:
                status = Run.Status.FINISHED
            else:
                logger.error(
                    "run %s: the load generator exited with %s after %d of %d results",
                    run.pk,
                    returncode,
                    run.done,
                    run.n,
                )
        except asyncio.CancelledError:
            status = Run.Status.INTERRUPTED
            if process is not None and process.stdout is not None:
                process.kill()
                # What the load generator wrote before it was stopped is still in the pipe.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._read(active, process.stdout), DRAIN_S)
            logger.warning("run %s interrupted with %d results", run.pk, run.done)
            raise
        except TimeoutError:
            logger.error(
                "run %s: the load generator still ran %g s past the run time limit; stopped it "
                "after %d of %d results",
                run.pk,
                OVERRUN_S,
                run.done,
                run.n,
            )
        except Exception:
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
                if active.durations:
                    self.ended_durations[str(run.pk)] = active.durations
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
                    update_fields=["timings", "done", "errors", "error_kinds", "peaks"]
                )
            except Exception:
                logger.exception("run %s: saving its results so far failed", active.run.pk)
