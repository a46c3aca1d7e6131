"""No open relay: the load generator only ever calls this server's own scenario URLs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from tests.runs import finish
from tests.server import Server, free_port, http_server, start_server


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


def test_no_header_or_field_of_the_request_redirects_the_load(
    server: Server, bystander: str
) -> None:
    port = httpx.URL(bystander).port
    elsewhere = f"127.0.0.1:{port}"
    response = httpx.post(
        server.url + "/runs/",
        json={
            "scenario": "async-sleep",
            "n": 5,
            "delay": 0,
            "url": f"{bystander}/",
            "host": "127.0.0.1",
            "port": port,
            "headers": {"Host": elsewhere},
        },
        headers={
            "Host": elsewhere,
            "X-Forwarded-Host": elsewhere,
            "X-Forwarded-Port": str(port),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Forwarded": f"for=127.0.0.1;host={elsewhere};proto=http",
        },
    )

    assert response.status_code == 201, response.text
    run = finish(server.url, response.json()["id"])
    assert run["status"] == "finished"
    assert {status for _, _, status in run["timings"]} == {200}
    assert run["peaks"]["in_view"] >= 1
    assert _Bystander.paths == []


def test_a_server_that_does_not_know_its_own_address_launches_nothing(tmp_path: Path) -> None:
    server = start_server(tmp_path, plain_uvicorn=True)
    try:
        response = httpx.post(
            server.url + "/runs/", json={"scenario": "async-sleep", "n": 1, "delay": 0}
        )
        listed = httpx.get(server.url + "/runs/").json()["runs"]
    finally:
        server.stop(signal.SIGINT)

    assert response.status_code == 503
    assert response.json() == {
        "error": "this server does not know its own address, the only one the load generator "
        "calls: serve with `manage.py serve` or set ASYNCVIEWS_SELF_URL"
    }
    assert listed == []


def test_another_asgi_server_is_told_its_address_by_the_environment(tmp_path: Path) -> None:
    port = free_port()
    server = start_server(
        tmp_path,
        env={"ASYNCVIEWS_SELF_URL": f"http://127.0.0.1:{port}"},
        port=port,
        plain_uvicorn=True,
    )
    try:
        response = httpx.post(
            server.url + "/runs/", json={"scenario": "async-sleep", "n": 2, "delay": 0}
        )
        run = finish(server.url, response.json()["id"])
    finally:
        server.stop(signal.SIGINT)

    assert response.status_code == 201
    assert run["status"] == "finished"
    assert run["peaks"]["in_view"] >= 1
