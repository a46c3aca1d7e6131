"""No open relay: the load only ever goes to a subject the dashboard itself started on loopback.

Whatever a launch request carries (a Host header, X-Forwarded-* headers, extra fields naming a
URL, a host or a port, a server given as an address), the load generator calls the subject's
scenario URL and nothing else: a bystander server on this machine never hears from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import pytest

from harness.server import Server, http_server
from tests.runs import finish


class _Bystander(BaseHTTPRequestHandler):
    """Another server on this machine, which the load must never reach."""

    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bystander() -> Iterator[str]:
    _Bystander.paths = []
    with http_server(_Bystander) as url:
        yield url


def _pointing_at(url: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field and header of a launch that might name where the load goes: all at url."""
    port = httpx.URL(url).port
    elsewhere = f"127.0.0.1:{port}"
    fields = {
        "url": f"{url}/",
        "subject_url": url,
        "versus_url": url,
        "host": "127.0.0.1",
        "port": port,
        "headers": {"Host": elsewhere},
    }
    headers = {
        "Host": elsewhere,
        "X-Forwarded-Host": elsewhere,
        "X-Forwarded-Port": str(port),
        "X-Forwarded-Proto": "http",
        "X-Forwarded-For": "127.0.0.1",
        "Forwarded": f"for=127.0.0.1;host={elsewhere};proto=http",
    }
    return fields, headers


def _assert_reached_the_subject(server: Server, run_id: int, n: int) -> None:
    run = finish(server.url, run_id)
    assert (run["status"], run["server"]) == ("finished", "uvicorn")
    assert {status for _, _, _, status, _ in run["timings"]} == {200}
    # The subject's own probe saw every request in its view, by the run's request ids.
    assert sorted(index for index, *_ in run["spans"]) == list(range(n))


def test_no_header_or_field_of_a_launch_redirects_the_load(server: Server, bystander: str) -> None:
    fields, headers = _pointing_at(bystander)

    response = httpx.post(
        server.url + "/runs/",
        json={"scenario": "async-sleep", "n": 5, "delay": 0, **fields},
        headers=headers,
        timeout=60,
    )

    assert response.status_code == 201, response.text
    _assert_reached_the_subject(server, response.json()["id"], 5)
    assert _Bystander.paths == []


def test_no_header_or_field_of_a_race_redirects_the_load(server: Server, bystander: str) -> None:
    fields, headers = _pointing_at(bystander)

    response = httpx.post(
        server.url + "/races/",
        json={"scenario": "async-sleep", "versus": "sync-sleep", "n": 3, "delay": 0, **fields},
        headers=headers,
        timeout=60,
    )

    assert response.status_code == 201, response.text
    for run in response.json()["runs"]:
        _assert_reached_the_subject(server, run["id"], 3)
    assert _Bystander.paths == []


@pytest.mark.parametrize("field", ["server", "versus_server"])
def test_a_server_given_as_an_address_is_refused(
    server: Server, bystander: str, field: str
) -> None:
    before = httpx.get(server.url + "/runs/").json()
    port = httpx.URL(bystander).port

    answers = [
        httpx.post(
            server.url + "/races/",
            json={"scenario": "async-sleep", "versus": "sync-sleep", "n": 1, field: address},
            timeout=10,
        )
        for address in (bystander, f"127.0.0.1:{port}", str(port))
    ]

    assert [(a.status_code, a.json()["field"]) for a in answers] == [(400, field)] * 3
    assert httpx.get(server.url + "/runs/").json() == before
    assert _Bystander.paths == []
