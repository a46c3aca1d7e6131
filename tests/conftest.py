"""Django set up for in-process tests, and the one real server shared by request-only tests."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator

import django
import pytest

from tests.server import Server, start_server

# In-process tests import the site's modules; servers get their own data directory.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
os.environ.setdefault("ASYNCVIEWS_DATA_DIR", tempfile.mkdtemp(prefix="asyncviews-tests-"))
django.setup()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real uvicorn server of the site, shared by the tests that only make requests."""
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    if running.process.poll() is None:
        running.stop(signal.SIGINT)
