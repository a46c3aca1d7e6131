"""Checking a request to launch a run: which field is wrong, and what it may be."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from asyncviews.params import MAX_DELAY_S, parse_delay, shown
from asyncviews.scenarios import SCENARIOS
from dashboard.servers.registry import DEFAULT_SERVER, SERVERS, Config, Server


class InvalidLaunch(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Launch:
    scenario: str
    n: int
    delay: float
    config: Config


def parse_body(content_type: str, body: bytes, form: Mapping[str, Any]) -> Mapping[str, Any]:
    """The launch's fields, from a JSON object body or from a form."""
    if content_type != "application/json":
        return form
    try:
        data = json.loads(body)
    except ValueError as error:  # bad UTF-8, bad JSON, or an integer too long to read
        raise InvalidLaunch("body", f"body must be a JSON object: {error}") from None
    except RecursionError:
        raise InvalidLaunch("body", "body must be a JSON object, not nested this deep") from None
    if not isinstance(data, dict):
        raise InvalidLaunch("body", f"body must be a JSON object, got {type(data).__name__}")
    return data


def parse_launch(data: Mapping[str, Any]) -> Launch:
    """A run's fields: scenario, n, delay, and the server with its workers and threads."""
    max_n = settings.MAX_RUN_N
    scenario = data.get("scenario")
    if not isinstance(scenario, str) or scenario not in SCENARIOS:
        allowed = ", ".join(repr(slug) for slug in SCENARIOS)
        raise InvalidLaunch("scenario", f"scenario must be one of {allowed}; got {shown(scenario)}")

    raw_n = data.get("n")
    if raw_n is None or raw_n == "":
        raise InvalidLaunch("n", f"n is required: a whole number from 1 to {max_n}")
    n = whole_number(data, "n", 1, max_n)

    raw_delay = data.get("delay")
    if raw_delay == "":
        raw_delay = None
    if raw_delay is not None and (
        isinstance(raw_delay, bool) or not isinstance(raw_delay, str | int | float)
    ):
        raise InvalidLaunch(
            "delay",
            f"delay must be a number of seconds from 0 to {MAX_DELAY_S:g}, got {shown(raw_delay)}",
        )
    try:
        delay = parse_delay(None if raw_delay is None else str(raw_delay))
    except ValueError as error:
        raise InvalidLaunch("delay", str(error)) from None
    return Launch(scenario, n, delay, parse_config(data))


def whole_number(data: Mapping[str, Any], field: str, least: int, most: int) -> int:
    """data[field] as a whole number from least to most, given as a JSON number or a string."""
    raw = data.get(field)
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdecimal() and len(raw) <= len(str(most)):
        value = int(raw)
    else:
        value = least - 1
    if not least <= value <= most:
        allowed = str(least) if least == most else f"a whole number from {least} to {most}"
        raise InvalidLaunch(field, f"{field} must be {allowed}, got {shown(raw)}")
    return value


def _server(data: Mapping[str, Any], field: str, default: str) -> Server:
    slug = data.get(field)
    if slug is None or slug == "":
        slug = default
    if not isinstance(slug, str) or slug not in SERVERS:
        allowed = ", ".join(repr(slug) for slug in SERVERS)
        raise InvalidLaunch(field, f"{field} must be one of {allowed}; got {shown(slug)}")
    return SERVERS[slug]


def _setting(data: Mapping[str, Any], field: str, bounds: tuple[int, int], server: Server) -> int:
    """A server's workers or threads: the default when not given, else within its bounds."""
    default, most = bounds
    if data.get(field) is None or data.get(field) == "":
        return default
    if most == 1 and data.get(field) not in (1, "1"):
        what = field.removeprefix("versus_")
        raise InvalidLaunch(
            field,
            f"{field} must be 1 for {server.slug}, which has one {what[:-1]}; got "
            f"{shown(data.get(field))}",
        )
    return whole_number(data, field, 1, most)


def parse_config(
    data: Mapping[str, Any], prefix: str = "", default: str = DEFAULT_SERVER
) -> Config:
    """The server and its workers and threads, from the fields `server`, `workers` and `threads`
    (`versus_server`, ... with prefix "versus_"), each within that server's bounds."""
    server = _server(data, f"{prefix}server", default)
    return Config(
        server.slug,
        _setting(data, f"{prefix}workers", server.workers, server),
        _setting(data, f"{prefix}threads", server.threads, server),
    )


def parse_race(data: Mapping[str, Any]) -> tuple[Launch, Launch]:
    """Two launches with the same n and delay: two scenarios on one server (`versus`), or one
    scenario on two servers (`versus_server`), or both."""
    launch = parse_launch(data)
    versus = data.get("versus")
    if versus is None or versus == "":
        versus = launch.scenario
    if not isinstance(versus, str) or versus not in SCENARIOS:
        allowed = ", ".join(repr(slug) for slug in SCENARIOS)
        raise InvalidLaunch("versus", f"versus must be one of {allowed}; got {shown(versus)}")
    config = parse_config(data, "versus_", launch.config.server)
    if config.server == launch.config.server:
        if versus == launch.scenario:
            raise InvalidLaunch(
                "versus",
                "a race needs another scenario (versus) or another server (versus_server); "
                f"both are {launch.scenario!r} on {config.server!r}",
            )
        given = {f: data.get(f"versus_{f}") for f in ("workers", "threads")}
        if any(value not in (None, "") for value in given.values()):
            raise InvalidLaunch(
                "versus_workers" if given["workers"] not in (None, "") else "versus_threads",
                "a race on one server runs both scenarios on the same workers and threads: "
                "leave versus_workers and versus_threads out",
            )
        config = launch.config
    return launch, Launch(versus, launch.n, launch.delay, config)
