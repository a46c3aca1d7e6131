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
import json
import logging
import math
import sys
import time
from collections import Counter
from typing import Any

from django.conf import settings

from dashboard import telemetry
from dashboard.broadcast import Broadcaster
from dashboard.models import Run

logger = logging.getLogger(__name__)

SAVE_EVERY_S = 1.0
DRAIN_S = 1.0
# Lines from the load generator can hold a thousand results.
LINE_LIMIT = 16 * 1024 * 1024


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


class ActiveRun:
    def __init__(self, run: Run, broadcaster: Broadcaster) -> None:
        self.run = run
        self.broadcaster = broadcaster
        self.started = time.monotonic()
        self.in_flight = 0
        self.durations: list[float] = []  # completed since the last frame
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
        return self.run.as_dict(with_timings=False)

    def take(self, line: dict[str, Any]) -> None:
        slug = self.run.scenario
        sent = line.get("sent", 0)
        self.in_flight += sent
        telemetry.in_flight.add(slug, sent)
        self.peaks["in_flight"] = max(self.peaks["in_flight"], self.in_flight)
        for start, end, status, kind in line.get("done", []):
            self.run.timings.append([start, end, status])
            self.run.done += 1
            self.durations.append(round(end - start, 6))
            if kind is not None:
                self.error_kinds[kind] += 1
        finished = len(line.get("done", []))
        self.in_flight -= finished
        telemetry.in_flight.add(slug, -finished)

    def release_in_flight(self) -> None:
        telemetry.in_flight.add(self.run.scenario, -self.in_flight)
        self.in_flight = 0

    def conclude(self, status: str, wall_s: float | None) -> None:
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


class RunManager:
    def __init__(self, broadcaster: Broadcaster) -> None:
        self.broadcaster = broadcaster
        self.active: dict[int, ActiveRun] = {}
        # Durations of runs that ended since the last frame, still to be sent with it.
        self.ended_durations: dict[str, list[float]] = {}

    async def recover(self) -> None:
        """Runs left `running` by a server that died cannot finish any more."""
        count = await Run.objects.filter(status=Run.Status.RUNNING).aupdate(
            status=Run.Status.INTERRUPTED
        )
        if count:
            logger.warning("marked %d run(s) left running by the last server as interrupted", count)

    async def start(self, run: Run, url: str) -> None:
        active = ActiveRun(run, self.broadcaster)
        self.active[run.pk] = active
        active.task = asyncio.create_task(self._follow(active, url), name=f"run {run.pk}")
        self._announce(active)

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

    def take_durations(self) -> dict[str, list[float]]:
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

    async def _follow(self, active: ActiveRun, url: str) -> None:
        run = active.run
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "dashboard.loadgen",
            url,
            str(run.n),
            str(settings.RUN_TIME_LIMIT_S),
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        assert process.stdout is not None
        saver = asyncio.create_task(self._save_regularly(active), name=f"run {run.pk} saver")
        wall_s: float | None = None
        status = Run.Status.FAILED
        try:
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
            process.kill()
            # What the load generator wrote before it was stopped is still in the pipe.
            await asyncio.wait_for(self._read(active, process.stdout), DRAIN_S)
            logger.warning("run %s interrupted with %d results", run.pk, run.done)
            raise
        except Exception:
            logger.exception("run %s failed", run.pk)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            saver.cancel()
            await asyncio.gather(saver, return_exceptions=True)
            active.conclude(status, wall_s)
            await run.asave()
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
