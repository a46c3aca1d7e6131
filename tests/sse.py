"""Reading the site's event stream in tests, over a real connection."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Event:
    name: str
    data: Any
    received: float


def events(url: str, *, deadline_s: float) -> Iterator[Event]:
    """The events of /events/ as they arrive, until deadline_s has passed."""
    end = time.monotonic() + deadline_s
    with httpx.stream("GET", url + "/events/", timeout=deadline_s) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "message", []
        for line in response.iter_lines():
            if time.monotonic() > end:
                return
            if line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data.append(line.partition(":")[2].strip())
            elif line == "" and data:
                yield Event(name, json.loads("\n".join(data)), time.monotonic())
                name, data = "message", []
