"""Bad input never gives a 500: generated and hand-picked requests against a real server."""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from asyncviews.params import shown
from asyncviews.scenarios import SCENARIOS
from asyncviews.settings import DATA_UPLOAD_MAX_MEMORY_SIZE as BODY_LIMIT
from tests.server import Server, start_server

MAX_RUN_N = 3
LAUNCH_TYPES = "'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'"
# Real requests to a real server: a few dozen examples each keep the suite fast.
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server where every launch the generated input manages is small and short."""
    server = start_server(
        tmp_path_factory.mktemp("target"),
        env={
            "ASYNCVIEWS_MAX_RUN_N": str(MAX_RUN_N),
            "ASYNCVIEWS_MAX_IN_FLIGHT": str(2 * MAX_RUN_N),
            "ASYNCVIEWS_RUN_TIME_LIMIT_S": "0.5",
        },
    )
    yield server
    server.stop()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
launch_fields = st.fixed_dictionaries(
    {},
    optional={
        "scenario": st.sampled_from(list(SCENARIOS)) | json_values,
        "versus": st.sampled_from(list(SCENARIOS)) | json_values,
        "n": st.integers(-2, MAX_RUN_N + 2) | json_values,
        "delay": st.floats(-1, 11) | st.sampled_from(["0", "0.1", "", "1e1", "nan"]) | json_values,
        "url": json_values,
    },
)


def _assert_clear_refusal(response: httpx.Response, fields: set[str]) -> None:
    assert response.headers["content-type"] == "application/json", response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["field"] in fields


@EXAMPLES
@given(fields=launch_fields, path=st.sampled_from(["/runs/", "/races/"]))
def test_generated_launches_are_launched_or_refused_clearly(
    target: Server, fields: dict[str, Any], path: str
) -> None:
    # Python's own encoding, which writes NaN and Infinity as JavaScript would.
    response = httpx.post(
        target.url + path,
        content=json.dumps(fields),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    assert response.status_code in {201, 400, 409}, response.text
    if response.status_code == 201:
        created = response.json()
        for run in created.get("runs", [created]):
            assert run["scenario"] in SCENARIOS
            assert 1 <= run["n"] <= MAX_RUN_N
            assert 0 <= run["delay"] <= 10
    else:
        _assert_clear_refusal(response, {"scenario", "versus", "n", "delay", "body"})


@EXAMPLES
@given(body=st.binary(max_size=300))
def test_generated_bodies_are_refused_clearly(target: Server, body: bytes) -> None:
    response = httpx.post(
        target.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code in {400, 409} or response.status_code == 201, response.text
    if response.status_code == 400:
        _assert_clear_refusal(response, {"scenario", "n", "delay", "body"})


def _small_enough(raw: str) -> bool:
    """Whether a delay parameter is either refused or short enough to wait for."""
    try:
        value = float(raw)
    except ValueError:
        return True
    return not 0 <= value <= 10 or value <= 0.05 or math.isnan(value)


@EXAMPLES
@given(
    slug=st.sampled_from(list(SCENARIOS)),
    raw=st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
    | st.floats().map(str)
    | st.sampled_from(["0", "0.0", "1e-9", "-0", "10.0001", "0x1", "1_0"]),
)
def test_generated_delays_are_answered_or_refused_clearly(
    target: Server, slug: str, raw: str
) -> None:
    assume(_small_enough(raw))

    response = httpx.get(f"{target.url}/scenarios/{slug}/", params={"delay": raw}, timeout=10)

    try:
        valid = 0 <= float(raw) <= 10
    except ValueError:
        valid = False
    if not valid:
        assert response.status_code == 400
        assert response.json() == {
            "error": f"delay must be a number of seconds from 0 to 10, got {shown(raw)}",
            "field": "delay",
        }
    elif slug == "orm-mistake":  # fails on every call by design, and says how
        assert response.status_code == 500
        assert response.json()["error"].startswith("SynchronousOnlyOperation: ")
    else:
        assert response.status_code == (202 if slug == "fire-and-forget" else 200), response.text


@EXAMPLES
@given(run_id=st.integers(min_value=0, max_value=10**40))
def test_unknown_run_ids_are_404s(target: Server, run_id: int) -> None:
    assume(run_id > 10_000)

    response = httpx.get(f"{target.url}/runs/{run_id}/")

    assert response.status_code == 404
    assert response.json() == {"error": f"no run with id {run_id}", "field": "id"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"[" * 50_000, "body must be a JSON object, not nested this deep"),
        (b'{"n": ' * 10_000, "body must be a JSON object, not nested this deep"),
        (b"", "body must be a JSON object: Expecting value: line 1 column 1 (char 0)"),
        (b'"scenario"', "body must be a JSON object, got str"),
    ],
)
def test_malformed_json_is_a_400_naming_the_body(target: Server, body: bytes, error: str) -> None:
    response = httpx.post(
        target.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == {"error": error, "field": "body"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_content_types_are_415s_naming_the_allowed_ones(
    target: Server, content_type: str
) -> None:
    response = httpx.post(
        target.url + "/runs/",
        content=b'{"scenario": "async-sleep", "n": 1}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 415
    assert response.json() == {
        "error": f"Content-Type must be one of {LAUNCH_TYPES}; got {content_type!r}",
        "field": "body",
    }


def test_a_huge_body_is_a_413_before_it_is_sent(target: Server) -> None:
    host, port = target.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /runs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000000\r\n\r\n"
        )
        # The answer says `connection: close`: read until the server closes it.
        head = b"".join(iter(lambda: sock.recv(65536), b"")).decode()

    assert head.startswith("HTTP/1.1 413 ")
    assert head.endswith(
        '{"error": "the request body must be at most 65536 bytes, got Content-Length '
        '10000000000", "field": "body"}'
    )


def test_a_huge_streamed_body_is_cut_off_with_a_413(target: Server) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 10_000

    response = httpx.post(
        target.url + "/runs/", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {
        "error": f"the request body must be at most {BODY_LIMIT} bytes, "
        f"got more than {BODY_LIMIT} bytes",
        "field": "body",
    }


def test_a_body_just_under_the_limit_is_read(target: Server) -> None:
    body = b'{"scenario": "nope", "n": 1}'.ljust(BODY_LIMIT, b" ")

    response = httpx.post(
        target.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "scenario"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/runs/"),
        ("PATCH", "/runs/"),
        ("DELETE", "/runs/"),
        ("GET", "/races/"),
        ("DELETE", "/runs/1/"),
        ("GET", "/presenter/"),
        ("POST", "/health/"),
        ("POST", "/events/"),
        ("POST", "/scenarios/async-sleep/"),
    ],
)
def test_wrong_methods_are_405s(target: Server, method: str, path: str) -> None:
    response = httpx.request(method, target.url + path)

    assert response.status_code == 405
    assert response.headers["allow"]


def test_the_token_form_without_a_token_configured_says_so(target: Server) -> None:
    with httpx.Client(base_url=target.url) as browser:
        browser.get("/")
        response = browser.post(
            "/presenter/",
            data={"token": "anything"},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        )

    assert response.status_code == 400
    assert response.json() == {
        "error": "this server has no dashboard token: launching is open to all",
        "field": "token",
    }
