"""Runs record their server and its configuration, and the probe's spans; timings take the one
shape of a timing.

Earlier runs ran under uvicorn with one worker. Their timings were [start_s, end_s,
http_status]; they become [index, sent_s, answered_s, http_status, error_kind], the index being
the order the answers came in, and the error kind unknown (None) where the status was fine or
"unknown" where it was not.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def reshape_timings(apps: Any, schema_editor: Any) -> None:
    run_model = apps.get_model("dashboard", "Run")
    for run in run_model.objects.all():
        run.timings = [
            [i, start, end, status, None if 0 < status < 400 else "unknown"]
            for i, (start, end, status) in enumerate(run.timings)
        ]
        run.save(update_fields=["timings"])


def unshape_timings(apps: Any, schema_editor: Any) -> None:
    run_model = apps.get_model("dashboard", "Run")
    for run in run_model.objects.all():
        run.timings = [[sent, answered, status] for _, sent, answered, status, _ in run.timings]
        run.save(update_fields=["timings"])


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_rival")]

    operations = [
        migrations.AddField(
            model_name="run",
            name="server",
            field=models.CharField(default="uvicorn", max_length=32),
        ),
        migrations.AddField(
            model_name="run",
            name="workers",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="run",
            name="threads",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="run",
            name="start_at",
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name="run",
            name="telemetry_missing_s",
            field=models.FloatField(default=0.0),
        ),
        migrations.AddField(
            model_name="run",
            name="spans",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="run",
            name="phases",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(reshape_timings, unshape_timings),
    ]
