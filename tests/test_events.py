"""The event stream, read over a real connection while runs go on."""

from __future__ import annotations

import threading
from typing import Any

from harness.server import Server, wait_for
from harness.sse import events
from tests.runs import finish, get_run, launch, launch_and_finish

KEY = "async-sleep@uvicorn"
FRAME_KEYS = {"t", "telemetry", "in_flight", "in_view", "servers", "runs", "timings"}
PROCESS_KEYS = {
    "pid",
    "in_view",
    "threads",
    "cpu_pct",
    "rss_bytes",
    "loop_lag_ms",
    "tasks",
    "age_ms",
}


def test_the_stream_starts_with_history_then_frames_at_ten_a_second(server: Server) -> None:
    received = list(events(server.url, deadline_s=3))

    assert received[0].name == "history"
    history = received[0].data
    assert set(history) == {"frames", "runs", "servers"}
    assert history["servers"]["uvicorn"]["state"] == "ready"
    assert history["servers"]["uvicorn"]["url"] == server.subject_url
    frames = [e for e in received if e.name == "frame"]
    span = frames[-1].received - frames[0].received
    assert len(frames) >= 5 * span
    assert len(frames) >= 10
    frame = frames[-1].data
    assert set(frame) == FRAME_KEYS
    assert frame["telemetry"] is True
    subject = frame["servers"]["uvicorn"]
    assert (subject["state"], subject["url"]) == ("ready", server.subject_url)
    # The default subject's one worker process, as its probe reports it.
    assert len(subject["processes"]) == 1
    assert set(subject["processes"][0]) == PROCESS_KEYS
    assert subject["processes"][0]["threads"] >= 1


def test_frames_and_run_events_follow_a_run(server: Server) -> None:
    seen: list[Any] = []
    fired: dict[str, Any] = {}

    def fire() -> None:
        fired.update(launch_and_finish(server.url, "async-sleep", 100, 1.0))

    caller = threading.Thread(target=fire)
    finished = False
    for event in events(server.url, deadline_s=30):
        if event.name == "history":
            caller.start()
            continue
        seen.append(event)
        # The frame after the run's last event carries the timings of its last results.
        if finished and event.name == "frame":
            break
        finished = finished or (event.name == "run" and event.data["status"] == "finished")
    caller.join(timeout=30)

    frames = [e.data for e in seen if e.name == "frame"]
    runs = [e.data for e in seen if e.name == "run" and e.data["id"] == fired["id"]]
    assert runs[0]["status"] == "running"
    assert runs[-1]["status"] == "finished"
    assert runs[-1]["wall_s"] == fired["wall_s"]
    assert max(f["in_flight"].get(KEY, 0) for f in frames) >= 50
    assert max(f["in_view"].get(KEY, 0) for f in frames) >= 50
    progress = [r for f in frames for r in f["runs"] if r["id"] == fired["id"]]
    assert {r["key"] for r in progress} == {KEY}
    assert max(r["done"] for r in progress) <= 100
    # Every answer once, as the run itself has it: [index, sent_s, answered_s, status, kind].
    answers = [a for f in frames for a in f["timings"].get(str(fired["id"]), [])]
    assert len(answers) == 100
    assert sorted(answers) == sorted(fired["timings"])
    assert sorted(a[0] for a in answers) == list(range(100))
    assert all(0.9 < answered - sent < 3 for _, sent, answered, _, _ in answers)
    assert {(status, kind) for _, _, _, status, kind in answers} == {(200, None)}


def test_a_browser_that_connects_mid_run_gets_history_and_the_run(server: Server) -> None:
    run = launch(server.url, "async-sleep", 50, 3.0)
    # The load generator starts as a process of its own: wait until the subject's probe
    # has reported the views running, so the frames so far show them.
    wait_for(
        lambda: get_run(server.url, run["id"])["peaks"]["in_view"] > 0,
        deadline_s=10,
        what="the run's views to be seen running",
    )

    first = next(iter(events(server.url, deadline_s=5)))
    # Not left running for the next test of this shared server.
    finish(server.url, run["id"])

    assert first.name == "history"
    assert [r["id"] for r in first.data["runs"]] == [run["id"]]
    assert first.data["runs"][0]["status"] == "running"
    assert first.data["servers"]["uvicorn"]["state"] == "ready"
    frames = first.data["frames"]
    assert len(frames) >= 10
    during = [f for f in frames if run["id"] in {r["id"] for r in f["runs"]}]
    assert any(f["in_view"].get(KEY, 0) > 0 for f in during)
