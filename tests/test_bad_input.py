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
from dashboard.servers.registry import SERVERS
from dashboard.settings import DATA_UPLOAD_MAX_MEMORY_SIZE as BODY_LIMIT
from harness.server import Server, start_server
from tests.runs import finish

MAX_RUN_N = 3
LAUNCH_TYPES = "'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'"
# Real requests to a real server: a few dozen examples each keep the file well under a minute.
EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
# Values of any JSON type but these, which stand for "not given": the field's default.
NOT_GIVEN = (None, "")
RUN_FIELDS = ("scenario", "n", "delay", "server", "workers", "threads")
RACE_FIELDS = (*RUN_FIELDS, "versus", "versus_server", "versus_workers", "versus_threads")
ADDRESSES = ["http://127.0.0.1:8001", "127.0.0.1", "Uvicorn", "uvicorn ", "gunicorn"]


def _is(value: object, *allowed: object) -> bool:
    """Whether value is one of allowed, as JSON sees it: True is not 1, nor 1.0 1."""
    return any(type(value) is type(a) and value == a for a in allowed)


def _delay_in_range(raw: str) -> bool:
    try:
        return 0 <= float(raw) <= 10
    except ValueError:
        return False


def _out_of(least: int, most: int) -> st.SearchStrategy[object]:
    """Anything but a whole number from least to most, as a JSON number or a string."""
    outside = st.integers(max_value=least - 1) | st.integers(min_value=most + 1)
    return (
        outside
        | outside.map(str)
        | st.floats()
        | st.booleans()
        | st.text(max_size=8).filter(lambda t: t != "" and not t.strip().isdecimal())
        | st.lists(json_values, max_size=2)
        | st.dictionaries(st.text(max_size=3), json_values, max_size=2)
    )


BAD_VALUES: dict[str, st.SearchStrategy[object]] = {
    "scenario": json_values.filter(lambda v: not (isinstance(v, str) and v in SCENARIOS)),
    "n": _out_of(1, MAX_RUN_N) | st.sampled_from(NOT_GIVEN),  # n is required
    "delay": st.floats().filter(lambda x: not 0 <= x <= 10)
    | st.integers().filter(lambda x: not 0 <= x <= 10)
    | st.booleans()
    | st.text(max_size=12).filter(lambda t: t != "" and not _delay_in_range(t))
    | st.lists(json_values, max_size=2)
    | st.dictionaries(st.text(max_size=3), json_values, max_size=2),
    "server": json_values.filter(
        lambda v: not _is(v, *NOT_GIVEN) and not (isinstance(v, str) and v in SERVERS)
    )
    | st.sampled_from(ADDRESSES),
}
BAD_VALUES["versus_server"] = BAD_VALUES["server"]


def _most(slug: object, field: str) -> int:
    """The most workers or threads the server named slug takes (1 for a bad name)."""
    server = SERVERS.get(slug) if isinstance(slug, str) else None
    if server is None:
        return 1
    return (server.threads if field.endswith("threads") else server.workers)[1]


@st.composite
def bad_launches(draw: st.DrawFn) -> tuple[str, dict[str, Any], frozenset[str]]:
    """A launch (path, fields) with at least one bad field, and which fields are bad.

    It starts from a good one (n=1, delay 0, the default server; a race of two scenarios)
    and spoils some fields; where a spoiled workers or threads needs another server to be
    out of bounds, it names that server, itself a good value.
    """
    path = draw(st.sampled_from(["/runs/", "/races/"]))
    scenario, versus = draw(
        st.lists(st.sampled_from(list(SCENARIOS)), min_size=2, max_size=2, unique=True)
    )
    fields: dict[str, Any] = {"scenario": scenario, "n": 1, "delay": 0}
    if path == "/races/":
        fields["versus"] = versus
    names = RACE_FIELDS if path == "/races/" else RUN_FIELDS
    bad = draw(st.sets(st.sampled_from(names), min_size=1, max_size=3))
    for field in sorted(bad):
        if field in BAD_VALUES:
            fields[field] = draw(BAD_VALUES[field])
        elif field in ("workers", "threads"):
            # Out of the bounds of the run's server: the default, or one named for it.
            if "server" not in fields:
                fields["server"] = draw(st.sampled_from(list(SERVERS)))
            fields[field] = draw(_out_of(1, _most(fields["server"], field)))
        elif field == "versus":
            # Not another scenario's name; left out, it is the same scenario on one server.
            fields[field] = draw(
                BAD_VALUES["scenario"].filter(lambda v: not _is(v, *NOT_GIVEN))
                | st.sampled_from([*NOT_GIVEN, scenario])
            )
        elif "versus_server" not in fields and draw(st.booleans()):
            # versus_workers or versus_threads on one server: they must be left out.
            fields[field] = draw(json_values.filter(lambda v: not _is(v, *NOT_GIVEN)))
        else:
            # ... and on another server, within its bounds.
            if "versus_server" not in fields:
                others = [slug for slug in SERVERS if slug != fields.get("server", "uvicorn")]
                fields["versus_server"] = draw(st.sampled_from(others))
            fields[field] = draw(_out_of(1, _most(fields["versus_server"], field)))
    fields |= draw(st.fixed_dictionaries({}, optional={"url": json_values}))
    return path, fields, frozenset(bad)


def _assert_clear_refusal(response: httpx.Response, fields: set[str]) -> None:
    assert response.headers["content-type"] == "application/json", response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["field"] in fields, body


def _run_ids(server: Server) -> list[int]:
    return [run["id"] for run in httpx.get(server.url + "/runs/", timeout=10).json()["runs"]]


def _post_json(server: Server, path: str, fields: dict[str, Any]) -> httpx.Response:
    # Python's own encoding, which writes NaN and Infinity as JavaScript would.
    return httpx.post(
        server.url + path,
        content=json.dumps(fields),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )


@pytest.fixture(scope="module")
def untouched(target: Server) -> tuple[list[int], dict[str, dict[str, Any]]]:
    """The runs listed and the servers' states before any bad launch: they must stay so."""
    return _run_ids(target), target.servers()


@EXAMPLES
@given(launch=bad_launches())
def test_generated_bad_launches_are_refused_naming_a_bad_field(
    target: Server,
    untouched: tuple[list[int], dict[str, dict[str, Any]]],
    launch: tuple[str, dict[str, Any], frozenset[str]],
) -> None:
    path, fields, bad = launch

    response = _post_json(target, path, fields)

    assert response.status_code == 400, response.text
    _assert_clear_refusal(response, set(bad))
    # Nothing started: no run, and no server (nor another configuration of one).
    assert (_run_ids(target), target.servers()) == untouched


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(["/runs/", "/races/"]),
    pair=st.lists(st.sampled_from(list(SCENARIOS)), min_size=2, max_size=2, unique=True),
    given_as=st.fixed_dictionaries(
        {"n": st.sampled_from([1, "1"]), "delay": st.sampled_from([0, 0.0, "0", "0.0", "-0"])},
        optional={
            "server": st.sampled_from([None, "", "uvicorn"]),
            "workers": st.sampled_from([None, "", 1, "1"]),
            "threads": st.sampled_from([None, "", 1, "1"]),
            "versus_server": st.sampled_from([None, "", "uvicorn"]),
            "url": json_values,
        },
    ),
)
def test_generated_good_launches_run_on_the_default_server(
    target: Server, path: str, pair: list[str], given_as: dict[str, Any]
) -> None:
    scenario, versus = pair
    fields = {"scenario": scenario, **given_as}
    if path == "/races/":
        fields["versus"] = versus

    response = _post_json(target, path, fields)

    # 409: a run of the scenario from an earlier example has not ended yet.
    assert response.status_code in {201, 409}, response.text
    if response.status_code == 409:
        _assert_clear_refusal(response, {"scenario"})
        return
    created = response.json()
    runs = created.get("runs", [created])
    assert [run["scenario"] for run in runs] == pair[: len(runs)]
    for run in runs:
        assert (run["server"], run["workers"], run["threads"]) == ("uvicorn", 1, 1)
        assert (run["n"], run["delay"]) == (1, 0)
        assert finish(target.url, run["id"])["done"] == 1


@EXAMPLES
@given(body=st.binary(max_size=300))
def test_generated_bodies_are_refused_clearly(target: Server, body: bytes) -> None:
    response = httpx.post(
        target.url + "/runs/", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code in {400, 409} or response.status_code == 201, response.text
    if response.status_code == 400:
        _assert_clear_refusal(response, {*RUN_FIELDS, "body"})


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

    response = httpx.get(
        f"{target.subject_url}/scenarios/{slug}/", params={"delay": raw}, timeout=10
    )

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
        ("POST", "/servers/"),
    ],
)
def test_wrong_methods_are_405s(target: Server, method: str, path: str) -> None:
    response = httpx.request(method, target.url + path)

    assert response.status_code == 405
    assert response.headers["allow"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_wrong_methods_on_a_scenario_are_405s(target: Server, method: str) -> None:
    response = httpx.request(method, target.subject_url + "/scenarios/async-sleep/")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


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
