from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tests.server import Server, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real uvicorn server of the site, shared by the tests that only make requests."""
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    if running.process.poll() is None:
        running.stop(signal.SIGINT)
