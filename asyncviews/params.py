"""Parsing of the one parameter every scenario takes: a delay in seconds, bounded."""

from __future__ import annotations

import math

MAX_DELAY_S = 10.0


SHOWN_CHARS = 40


def shown(value: object) -> str:
    """repr(value) for an error message, cut short: a bad value may be megabytes long."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def parse_delay(raw: str | None, *, name: str = "delay", default: float = 1.0) -> float:
    """The delay in seconds, or ValueError with a message naming the parameter and its range."""
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_DELAY_S:
        raise ValueError(
            f"{name} must be a number of seconds from 0 to {MAX_DELAY_S:g}, got {shown(raw)}"
        )
    return value
