"""The catalogue the ORM scenarios query, created by the project itself."""

from __future__ import annotations

from typing import Any

from django.db import migrations

BOOKS = 200


def add_books(apps: Any, schema_editor: Any) -> None:
    book = apps.get_model("asyncviews", "Book")
    book.objects.bulk_create(
        book(title=f"Concurrency, volume {i}", year=1950 + i % 75) for i in range(1, BOOKS + 1)
    )


def remove_books(apps: Any, schema_editor: Any) -> None:
    apps.get_model("asyncviews", "Book").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("asyncviews", "0001_books")]
    operations = [migrations.RunPython(add_books, remove_books)]
