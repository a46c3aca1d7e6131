"""Runs: N concurrent calls fired at one scenario, and everything measured about them."""

from __future__ import annotations

from typing import Any

from django.db import models

from asyncviews.scenarios import SCENARIOS


class Run(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"
        INTERRUPTED = "interrupted"

    scenario = models.CharField(max_length=64)
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
    # [start_s, end_s, http_status] per request, relative to the run's start; 0 = no answer.
    timings = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.pk}: {self.scenario} x{self.n}"

    def as_dict(self, *, with_timings: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.pk,
            "scenario": self.scenario,
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
            "ideal_wall_s": SCENARIOS[self.scenario].ideal_wall_s(self.n, self.delay)
            if self.scenario in SCENARIOS
            else None,
        }
        if with_timings:
            data["timings"] = self.timings
        return data
