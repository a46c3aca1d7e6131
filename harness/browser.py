"""Playwright on Debian's Chromium, offline, with every console message kept for checking.

Playwright's own browser builds need a download CI cannot make, so Debian's Chromium is
driven instead (`make browser` installs it). Pages get no network but the test server's, as
on a conference Wi-Fi that lets nothing out: the CDN copy of Chart.js fails to load and the
dashboard has to use its own. That failure is the one console message a page may log.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
INDEX_TEMPLATE = ROOT / "dashboard/templates/dashboard/index.html"
VIEWPORT = ViewportSize(width=1280, height=720)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL = re.compile(r"^http://127\.0\.0\.1[:/]")


def chartjs_pin() -> dict[str, str]:
    """The CDN URL (a setting) and the dashboard's integrity hash and local copy."""
    text = INDEX_TEMPLATE.read_text()
    pin = dict(re.findall(r'data-chartjs-(\w+)="([^"]*)"', text))
    pin["cdn"] = settings.CHARTJS_CDN_URL
    return pin


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("the browser tests need Chromium: `make browser` installs Debian's")
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """What a page logged, and the uncaught errors it threw."""

    messages: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self, *, also_expected: tuple[tuple[str, str], ...] = ()) -> list[str]:
        """Errors and warnings, except the CDN's failure and the (text, url) pairs given."""
        cdn = chartjs_pin()["cdn"]
        found = [f"page error: {error}" for error in self.page_errors]
        for message in self.messages:
            if message.type not in {"error", "warning"}:
                continue
            url = message.location.get("url", "")
            if url == cdn and message.text.startswith("Failed to load resource: net::ERR_"):
                continue
            if (message.text, url) in also_expected:
                continue
            found.append(f"{message.type}: {message.text} ({url})")
        return found


def _cut_off(route: Route) -> None:
    route.abort("internetdisconnected")


@contextmanager
def offline_page(browser: Browser, console: Console) -> Iterator[Page]:
    """A 1280x720 page that can reach 127.0.0.1 only, logging into console."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.route(lambda url: not LOCAL.match(url), _cut_off)
    page = context.new_page()
    page.on("console", lambda message: console.messages.append(message))
    page.on("pageerror", lambda error: console.page_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the page as test-artifacts/<name>.png (git-ignored, kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    return path
