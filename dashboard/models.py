"""Runs: N concurrent calls fired at one scenario, and everything measured about them."""

from __future__ import annotations

from typing import Any

from django.db import models

from asyncviews.scenarios import SCENARIOS
from dashboard.servers.ideal import CORES, Yardstick, ideal_wall_s, written_well_s
from dashboard.servers.registry import SERVERS, Config


class Run(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"
        INTERRUPTED = "interrupted"

    scenario = models.CharField(max_length=64)
    # The server it ran under and how that was configured (dashboard/servers/registry.py).
    server = models.CharField(max_length=32, default="uvicorn")
    workers = models.PositiveSmallIntegerField(default=1)
    threads = models.PositiveSmallIntegerField(default=1)
    n = models.PositiveIntegerField()
    delay = models.FloatField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    wall_s = models.FloatField(null=True)
    p50_s = models.FloatField(null=True)
    p95_s = models.FloatField(null=True)
    p99_s = models.FloatField(null=True)
    max_s = models.FloatField(null=True)
    # len(timings), stored so that listing runs need not load every run's timings.
    done = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error_kinds = models.JSONField(default=dict)
    peaks = models.JSONField(default=dict)
    # The other run of a race: both were fired at the same moment with the same n and delay.
    rival = models.OneToOneField("self", null=True, on_delete=models.SET_NULL, related_name="+")
    # The instant it fired, on the system-wide monotonic clock the probes' spans use.
    start_at = models.FloatField(null=True)
    # How long, while it ran, no probe of its server reported (Redis or the server gone).
    telemetry_missing_s = models.FloatField(default=0.0)
    # One timing per request, in the shape of dashboard/runs/timing.py.
    timings = models.JSONField(default=list)
    # One span per request that reached a view, from the probe: [index, entered_s, left_s,
    # pid, thread id], in seconds after the run fired.
    spans = models.JSONField(default=list)
    # Derived from timings and spans when the run ends (dashboard/runs/phases.py): waiting and
    # in-view spreads, how many processes and threads ran the views.
    phases = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.pk}: {self.scenario} x{self.n} on {self.server}"

    @property
    def config(self) -> Config:
        """The server configuration it ran on."""
        return Config(self.server, self.workers, self.threads)

    def ideal_wall_s(self) -> float | None:
        return self._yardstick(ideal_wall_s)

    def written_well_s(self) -> float | None:
        return self._yardstick(written_well_s)

    def _yardstick(self, measure: Yardstick) -> float | None:
        """measure for this run; None for a scenario or server this registry does not know."""
        scenario, server = SCENARIOS.get(self.scenario), SERVERS.get(self.server)
        if scenario is None or server is None:
            return None
        return measure(scenario, server, self.config, self.n, self.delay)

    def as_dict(self, *, with_timings: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.pk,
            "scenario": self.scenario,
            "server": self.server,
            "workers": self.workers,
            "threads": self.threads,
            "n": self.n,
            "delay": self.delay,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "done": self.done,
            "wall_s": self.wall_s,
            "p50_s": self.p50_s,
            "p95_s": self.p95_s,
            "p99_s": self.p99_s,
            "max_s": self.max_s,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "peaks": self.peaks,
            "rival": self.rival_id,
            "start_at": self.start_at,
            "ideal_wall_s": self.ideal_wall_s(),
            # The same work in a view written well: the yardstick for the mistakes.
            "written_well_s": self.written_well_s(),
            # The ideal of the CPU scenarios depends on them.
            "cores": CORES,
            "telemetry_missing_s": self.telemetry_missing_s,
            "phases": self.phases,
        }
        if with_timings:
            data["timings"] = self.timings
            data["spans"] = self.spans
        return data
