"""Admitting launches: room for their requests, and their servers and scenarios free.

Checked and reserved without awaiting anything, so two launches that arrive together cannot
both take the last room. One scenario runs once per server at a time: its in-flight and
in-view counts are per scenario and server, so two runs of it would count each other's
requests. A server restarts for another configuration only when no run uses it.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings

from dashboard.runs.active import ActiveRun
from dashboard.servers.registry import Config

# How long past the run time limit a load generator may take to report and exit.
OVERRUN_S = 4.0


class AtCapacity(Exception):
    """A launch that must wait: too many requests in flight, or its server or scenario is busy."""

    def __init__(self, message: str, retry_after_s: int, field: str) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.field = field


class Admission:
    def __init__(self, active: dict[int, ActiveRun]) -> None:
        self.active = active
        # Requests, (scenario, server) pairs and server configurations of launches admitted
        # but whose runs are not started yet.
        self.reserved = 0
        self.reserved_pairs: set[tuple[str, str]] = set()
        self.reserved_configs: list[Config] = []

    def _going(self) -> list[ActiveRun]:
        """The runs still going: one that has concluded is only being saved, its answers all in."""
        return [a for a in self.active.values() if a.ended is None]

    def open_requests(self) -> int:
        """Requests sent or about to be sent by the runs in progress, not answered yet."""
        return self.reserved + sum(a.run.n - a.run.done for a in self._going())

    def _retry_after_s(self, runs: Iterable[ActiveRun]) -> int:
        """When the slowest of these runs will have ended at the latest."""
        now = time.monotonic()
        deadlines = [(a.start_at or now) + settings.RUN_TIME_LIMIT_S + OVERRUN_S for a in runs]
        return max(1, math.ceil(max(deadlines, default=now) - now))

    def _refuse_busy(self, launches: Sequence[tuple[str, Config]]) -> None:
        pairs = {(scenario, config.server) for scenario, config in launches}
        busy = [a for a in self._going() if (a.run.scenario, a.run.server) in pairs]
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
        in_use = [a.run.config for a in self._going()] + self.reserved_configs
        for _, config in launches:
            other = next((c for c in in_use if c.server == config.server and c != config), None)
            if other is not None:
                users = [a for a in self._going() if a.run.server == config.server]
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
        """Hold room for n more requests of these launches while their runs start; the room
        passes to the runs as they start. AtCapacity when they must wait."""
        self._refuse_busy(launches)
        limit: int = settings.MAX_IN_FLIGHT
        open_now = self.open_requests()
        if open_now + n > limit:
            retry_after_s = self._retry_after_s(self._going())
            going = ", ".join(
                f"run {a.run.pk} ({a.key}, {a.run.n - a.run.done} of {a.run.n} open)"
                for a in self._going()
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
