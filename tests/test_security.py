"""Production settings, security headers on every response, and a page the CSP lets work."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.browser import Console, chromium, offline_page
from harness.server import ROOT, Server, start_server, wait_for
from harness.sse import open_stream

TOKEN = "production-token-0123456789"
PRODUCTION = {
    "ASYNCVIEWS_HTTPS": "on",
    "ASYNCVIEWS_DASHBOARD_TOKEN": TOKEN,
    "ASYNCVIEWS_ALLOWED_HOSTS": "asyncviews.example.org,127.0.0.1",
}
HEADERS = {
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
}


def check_deploy(data_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASYNCVIEWS_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, "ASYNCVIEWS_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_the_production_settings(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("System check identified no issues")


@pytest.mark.parametrize(
    ("left_out", "check"),
    [("ASYNCVIEWS_DASHBOARD_TOKEN", "dashboard.W001"), ("ASYNCVIEWS_HTTPS", "security.W008")],
)
def test_check_deploy_names_what_production_lacks(
    tmp_path: Path, left_out: str, check: str
) -> None:
    result = check_deploy(tmp_path, {k: v for k, v in PRODUCTION.items() if k != left_out})

    assert result.returncode != 0
    assert f"({check})" in result.stderr


def test_limits_that_do_not_fit_together_stop_the_server(tmp_path: Path) -> None:
    result = check_deploy(
        tmp_path, {**PRODUCTION, "ASYNCVIEWS_MAX_RUN_N": "100", "ASYNCVIEWS_MAX_IN_FLIGHT": "50"}
    )

    assert result.returncode != 0
    assert (
        "(dashboard.E001) ASYNCVIEWS_MAX_IN_FLIGHT (50) is below ASYNCVIEWS_MAX_RUN_N (100): "
        "the largest run could never start"
    ) in result.stderr


@pytest.mark.parametrize(
    "path", ["/", "/runs/", "/servers/", "/static/site.css", "/health/", "/no-such-page/"]
)
def test_every_response_carries_the_security_headers(server: Server, path: str) -> None:
    response = httpx.get(server.url + path)

    assert set(response.headers) >= HEADERS
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_the_event_stream_carries_the_security_headers(server: Server) -> None:
    async def head() -> bytes:
        stream = await open_stream(server.url, read_head=False)
        try:
            return await stream.reader.readuntil(b"\r\n\r\n")
        finally:
            await stream.close()

    lines = asyncio.run(head()).decode().lower().splitlines()

    assert {line.partition(":")[0] for line in lines} >= HEADERS


def test_the_csp_allows_exactly_the_pages_pinned_chartjs(server: Server) -> None:
    response = httpx.get(server.url + "/")
    cdn = re.search(r'data-chartjs-cdn="([^"]+)"', response.text)
    directives = dict(
        part.strip().partition(" ")[::2]
        for part in response.headers["content-security-policy"].split(";")
    )

    assert cdn is not None
    assert directives["script-src"].split() == ["'self'", cdn.group(1)]
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_page_works_under_its_csp(server: Server) -> None:
    console = Console()
    with chromium() as browser, offline_page(browser, console) as page:
        page.add_init_script(
            "window.cspViolations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.goto(server.url + "/")
        page.wait_for_function("() => window.dashboard?.charts != null")
        violations = page.evaluate("window.cspViolations")

    assert violations == []
    assert console.problems() == []


def test_production_redirects_to_https_but_not_the_load(tmp_path: Path) -> None:
    server = start_server(tmp_path, env=PRODUCTION)
    behind_proxy = {"X-Forwarded-Proto": "https"}
    try:
        plain = httpx.get(server.url + "/")
        secure = httpx.get(server.url + "/", headers=behind_proxy)
        launched = httpx.post(
            server.url + "/runs/",
            json={"scenario": "async-sleep", "n": 5, "delay": 0},
            headers={**behind_proxy, "Authorization": f"Bearer {TOKEN}"},
        )
        run_url = f"{server.url}/runs/{launched.json()['id']}/"
        wait_for(
            lambda: httpx.get(run_url, headers=behind_proxy).json()["status"] != "running",
            deadline_s=30,
            what="the run to end",
        )
        run = httpx.get(run_url, headers=behind_proxy).json()
    finally:
        server.stop(signal.SIGINT)

    assert plain.status_code == 301
    assert plain.headers["location"] == server.url.replace("http://", "https://") + "/"
    assert secure.status_code == 200
    assert secure.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "; secure;" in secure.headers["set-cookie"].lower() + ";"
    assert launched.status_code == 201
    # The load goes to the subject on loopback, over plain HTTP, never to the redirect.
    assert {status for _, _, _, status, _ in run["timings"]} == {200}
