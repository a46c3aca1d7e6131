"""Checking a request to launch a run: which field is wrong, and what it may be."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from asyncviews.params import MAX_DELAY_S, parse_delay, shown
from asyncviews.scenarios import SCENARIOS


class InvalidLaunch(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Launch:
    scenario: str
    n: int
    delay: float


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
    max_n = settings.MAX_RUN_N
    scenario = data.get("scenario")
    if not isinstance(scenario, str) or scenario not in SCENARIOS:
        allowed = ", ".join(repr(slug) for slug in SCENARIOS)
        raise InvalidLaunch("scenario", f"scenario must be one of {allowed}; got {shown(scenario)}")

    raw_n = data.get("n")
    n_range = f"a whole number from 1 to {max_n}"
    if raw_n is None or raw_n == "":
        raise InvalidLaunch("n", f"n is required: {n_range}")
    if isinstance(raw_n, int) and not isinstance(raw_n, bool):
        n = raw_n
    elif isinstance(raw_n, str) and raw_n.strip().isdecimal() and len(raw_n) <= len(str(max_n)):
        n = int(raw_n)
    else:
        n = 0
    if not 1 <= n <= max_n:
        raise InvalidLaunch("n", f"n must be {n_range}, got {shown(raw_n)}")

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
    return Launch(scenario, n, delay)


def parse_race(data: Mapping[str, Any]) -> tuple[Launch, Launch]:
    """Two launches with the same n and delay: `scenario` against `versus`."""
    launch = parse_launch(data)
    versus = data.get("versus")
    if not isinstance(versus, str) or versus not in SCENARIOS or versus == launch.scenario:
        allowed = ", ".join(repr(slug) for slug in SCENARIOS if slug != launch.scenario)
        raise InvalidLaunch("versus", f"versus must be one of {allowed}; got {shown(versus)}")
    return launch, Launch(versus, launch.n, launch.delay)
