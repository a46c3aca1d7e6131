"""Django set up for in-process tests, the one real server shared by request-only tests, and
the browser fixtures of the page's tests (each module with its own `site`)."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator

import django
import pytest
from playwright.sync_api import Browser, Page

from harness.browser import Console, chromium, offline_page
from harness.server import Server, start_server

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


@pytest.fixture(scope="module")
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A dashboard of the module's own: the runs fired there stay out of other tests' histories."""
    running = start_server(tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2]))
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, site: Server, console: Console) -> Iterator[Page]:
    with offline_page(browser, console) as opened:
        opened.goto(site.url + "/")
        opened.wait_for_function("() => window.dashboard?.charts != null")
        yield opened
