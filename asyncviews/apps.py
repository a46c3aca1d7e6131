"""The scenarios' app: gives SQLite connections a sleep() function for the slow ORM query."""

from __future__ import annotations

import time
from typing import Any

from django.apps import AppConfig
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


def _add_sleep(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("sleep", 1, time.sleep)


class AsyncviewsConfig(AppConfig):
    name = "asyncviews"
    verbose_name = "asyncviews scenarios"

    def ready(self) -> None:
        connection_created.connect(_add_sleep)
