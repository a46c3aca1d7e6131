"""The data the ORM scenarios query: a small catalogue of books the project creates itself."""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import Func, Value


class Book(models.Model):
    title = models.CharField(max_length=200)
    year = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.title


class Sleep(Func):
    """SQL `sleep(seconds)`: a query that takes as long as a slow one would on a real server.

    SQLite has no such function; apps.py registers it on every SQLite connection. It runs in
    whatever thread runs the query, as a slow query's wait would.
    """

    function = "sleep"
    output_field = models.FloatField()

    def __init__(self, seconds: float) -> None:
        super().__init__(Value(seconds))
