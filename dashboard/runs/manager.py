"""Runs in progress: firing their load generators, following them, saving them.

Each run is one child process (dashboard/runs/generator.py) and one task that reads its lines
on the dashboard's event loop. What it learns updates the run at once and the database at most
every second (a separate task, so a slow write never stalls the reading and, through a full
pipe, the load generator's own clock). A run still going when the dashboard stops is saved as
interrupted with what it has received; one left `running` by a crash is marked interrupted at
the next start. Nothing here knows about frames or the stream: what happens is handed out
through `announce`, and the frame ticker reads and observes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings

from dashboard.models import Run
from dashboard.runs import generator
from dashboard.runs.active import ActiveRun
from dashboard.runs.admission import OVERRUN_S, Admission
from dashboard.runs.timing import Timing
from dashboard.runs.volley import Volley

logger = logging.getLogger(__name__)

DRAIN_S = 1.0
# How long after its last answer (and its last spans) a run waits, at most, for the next frame.
SETTLE_S = 0.5
# The last spans come with a probe's next report, 100 ms later unless the machine is busy;
# only a run whose telemetry was lost on the way waits this long for them.
SPANS_WAIT_S = 1.5
SETTLE_POLL_S = 0.02


class RunManager:
    def __init__(self, announce: Callable[[dict[str, Any]], None]) -> None:
        self.announce = announce
        self.active: dict[int, ActiveRun] = {}
        self.admission = Admission(self.active)
        # Timings of runs that ended since the last frame, still to be sent with it.
        self.ended_recent: dict[str, list[Timing]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Set by each frame observed, then replaced: what a run settling waits for.
        self._frame_observed = asyncio.Event()

    async def recover(self) -> None:
        """Runs left `running` by a dashboard that died cannot finish any more."""
        count = await Run.objects.filter(status=Run.Status.RUNNING).aupdate(
            status=Run.Status.INTERRUPTED
        )
        if count:
            logger.warning("marked %d run(s) left running by the last server as interrupted", count)

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
            if active.ended is not None:  # concluded: its spans are final, as saved
                continue
            t0 = active.start_at
            active.run.spans.append(
                [int(index), round(entered - t0, 6), round(left - t0, 6), pid, thread]
            )

    def observe(self, frame: dict[str, Any], tick_s: float) -> None:
        """Fold a frame's server-side measurements into the peaks of the runs in progress."""
        self._frame_observed.set()
        self._frame_observed = asyncio.Event()
        now = time.monotonic()
        for active in self.active.values():
            if active.ended is not None:
                # Concluded and being saved: its figures are final, as saved and as answered.
                continue
            if active.start_at is None or now < active.start_at:
                # Not fired yet: what the server shows now is what ran before this run.
                continue
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

    async def _follow(self, active: ActiveRun, url: str, volley: Volley) -> None:
        run = active.run
        saver = asyncio.create_task(generator.save_regularly(active), name=f"run {run.pk} saver")
        process: asyncio.subprocess.Process | None = None
        wall_s: float | None = None
        status = Run.Status.FAILED
        try:
            process = await generator.spawn(active, url)
            await generator.fire(active, process, volley)
            self._announce(active)
            assert process.stdout is not None
            # The load generator cancels its own requests at the run time limit; one that
            # is frozen or stuck would otherwise hold its requests' room for ever.
            async with asyncio.timeout(settings.RUN_TIME_LIMIT_S + OVERRUN_S):
                wall_s = await generator.read(active, process.stdout)
                returncode = await process.wait()
            await self._settle(active)
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
                    await asyncio.wait_for(generator.read(active, process.stdout), DRAIN_S)
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

    async def _settle(self, active: ActiveRun) -> None:
        """The probes report every 100 ms: the spans of the last answers, and the peaks of the
        views they ran, may still be on their way. Wait (a little) for the spans, then for the
        next frame to fold the probes' last figures into the run's peaks."""
        # Every request the server answered ran a view, so it has a span (the page draws the
        # run from them only then).
        answered = {timing[0] for timing in active.run.timings if timing[3]}
        for _ in range(round(SPANS_WAIT_S / SETTLE_POLL_S) if settings.TELEMETRY else 0):
            if answered <= {span[0] for span in active.run.spans}:
                break
            await asyncio.sleep(SETTLE_POLL_S)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._frame_observed.wait(), SETTLE_S)
