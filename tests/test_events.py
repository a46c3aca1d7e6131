"""The event stream, read over a real connection while runs go on."""

from __future__ import annotations

import threading
from typing import Any

from asyncviews.scenarios import SCENARIOS
from tests.runs import launch, launch_and_finish
from tests.server import Server
from tests.sse import events


def test_the_stream_starts_with_history_then_frames_at_ten_a_second(server: Server) -> None:
    received = list(events(server.url, deadline_s=3))

    assert received[0].name == "history"
    frames = [e for e in received if e.name == "frame"]
    span = frames[-1].received - frames[0].received
    assert len(frames) >= 5 * span
    assert len(frames) >= 10
    frame = frames[-1].data
    assert set(frame) >= {"t", "in_flight", "in_view", "threads", "loop_lag_ms", "runs"}
    assert set(frame["in_view"]) == set(SCENARIOS)


def test_frames_and_run_events_follow_a_run(server: Server) -> None:
    seen: list[Any] = []
    fired: dict[str, Any] = {}

    def fire() -> None:
        fired.update(launch_and_finish(server.url, "async-sleep", 100, 1.0))

    caller = threading.Thread(target=fire)
    finished = False
    for event in events(server.url, deadline_s=15):
        if event.name == "history":
            caller.start()
            continue
        seen.append(event)
        # The frame after the run's last event carries the durations of its last results.
        if finished and event.name == "frame":
            break
        finished = finished or (event.name == "run" and event.data["status"] == "finished")
    caller.join(timeout=30)

    frames = [e.data for e in seen if e.name == "frame"]
    runs = [e.data for e in seen if e.name == "run" and e.data["id"] == fired["id"]]
    assert runs[0]["status"] == "running"
    assert runs[-1]["status"] == "finished"
    assert runs[-1]["wall_s"] == fired["wall_s"]
    assert max(f["in_flight"]["async-sleep"] for f in frames) >= 50
    assert max(f["in_view"]["async-sleep"] for f in frames) >= 50
    answers = [a for f in frames for a in f["durations"].get(str(fired["id"]), [])]
    assert len(answers) == 100
    # Each answer as [end_s, duration_s, http_status], on the run's own clock.
    expected = [[end, round(end - start, 6), status] for start, end, status in fired["timings"]]
    assert sorted(answers) == sorted(expected)
    assert all(0.9 < duration < 3 and status == 200 for _, duration, status in answers)


def test_a_browser_that_connects_mid_run_gets_history_and_the_run(server: Server) -> None:
    run = launch(server.url, "async-sleep", 50, 2.0)

    first = next(iter(events(server.url, deadline_s=5)))

    assert first.name == "history"
    assert [r["id"] for r in first.data["runs"]] == [run["id"]]
    assert len(first.data["frames"]) >= 10
    assert any(f["in_view"]["async-sleep"] > 0 for f in first.data["frames"][-15:])
