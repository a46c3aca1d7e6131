"""The collector in-process: the probes' messages folded into what the next frame shows."""

from __future__ import annotations

import json
import time
from typing import Any

from dashboard.telemetry.collector import STALE_S, Collector
from dashboard.telemetry.frames import in_view_by_key


def message(pid: int, in_view: dict[str, int], lag: float | None = 1.0, **extra: Any) -> bytes:
    return json.dumps(
        {
            "server": "gunicorn-uvicorn",
            "pid": pid,
            "t": time.monotonic(),
            "in_view": in_view,
            "threads": 5,
            "cpu_pct": 40.0,
            "rss_bytes": 1 << 20,
            "loop_lag_ms": lag,
            "tasks": 3,
            "spans": [],
            "spans_dropped": 0,
            **extra,
        }
    ).encode()


def test_a_frame_shows_the_most_seen_since_the_last_one_summed_over_workers() -> None:
    spans: list[tuple[str, int, list[list[Any]]]] = []
    collector = Collector("unix:///nowhere", on_spans=lambda *args: spans.append(args))
    collector._take(message(1, {"async-sleep": 7}, lag=2.0))
    collector._take(message(1, {"async-sleep": 3}, lag=250.0))
    collector._take(message(2, {"async-sleep": 4}, spans=[["9.1", 1.0, 2.0, 77]]))

    servers = collector.take()

    first, _ = servers["gunicorn-uvicorn"]
    assert (first["pid"], first["in_view"], first["loop_lag_ms"]) == (1, {"async-sleep": 7}, 250.0)
    assert in_view_by_key(servers) == {"async-sleep@gunicorn-uvicorn": 11}
    assert spans == [("gunicorn-uvicorn", 2, [["9.1", 1.0, 2.0, 77]])]
    # The next frame starts from what the latest messages said, not from the peaks.
    assert in_view_by_key(collector.take()) == {"async-sleep@gunicorn-uvicorn": 7}


def test_processes_of_a_server_count_once_heard_and_leave_when_silent() -> None:
    collector = Collector("unix:///nowhere", on_spans=lambda *args: None)
    before = time.monotonic()
    collector._take(message(1, {}))
    collector._take(message(2, {}))

    assert collector.probes_seen("gunicorn-uvicorn", before) == 2
    assert collector.probes_seen("gunicorn-uvicorn", time.monotonic()) == 0
    assert collector.probes_seen("uvicorn", before) == 0
    for process in collector.processes.values():
        process.received_at -= STALE_S + 0.1
    assert collector.take() == {}


def test_a_message_that_is_not_a_probes_is_left_out() -> None:
    collector = Collector("unix:///nowhere", on_spans=lambda *args: None)
    collector._take(b"not json")
    collector._take(b'{"server": "uvicorn"}')
    collector._take(message(2, {"api": 1}, cpu_pct=None))
    collector._take(message(1, {"api": 1}))

    assert collector.malformed == 3
    assert in_view_by_key(collector.take()) == {"api@gunicorn-uvicorn": 1}
