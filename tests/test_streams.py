"""The event stream under stress, measured by what the server holds (GET /health/).

Each test prints its figures (`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.server import Server, start_server, wait_for
from harness.sse import Stream, open_stream, stalled_client
from tests.runs import finish, launch, wait_all_in_flight

CYCLES = 500
AT_ONCE = 50
STALLED = 20
SUBSCRIBERS = 200
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def stressed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("stressed"))
    yield server
    server.stop()


def health(server: Server) -> dict[str, Any]:
    response = httpx.get(server.url + "/health/", timeout=10)
    assert response.status_code == 200
    figures: dict[str, Any] = response.json()
    return figures


def _settled(server: Server, baseline: dict[str, Any]) -> bool:
    now = health(server)
    return bool(
        now["subscribers"] == 0
        and now["tasks"] <= baseline["tasks"]
        and now["open_fds"] <= baseline["open_fds"]
    )


def _show(what: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    print(
        f"\n{what}: tasks {before['tasks']} -> {after['tasks']}, "
        f"subscribers {before['subscribers']} -> {after['subscribers']}, "
        f"open fds {before['open_fds']} -> {after['open_fds']}, "
        f"rss {before['rss_bytes'] / MIB:.1f} -> {after['rss_bytes'] / MIB:.1f} MiB"
    )


def test_500_connects_and_disconnects_leave_nothing_behind(stressed: Server) -> None:
    async def warm_up() -> None:
        # The first stream starts sse-starlette's one shutdown watcher task for good.
        await (await open_stream(stressed.url)).close()

    asyncio.run(warm_up())
    wait_for(lambda: health(stressed)["subscribers"] == 0, deadline_s=5, what="the warm-up")
    baseline = health(stressed)

    async def cycle(i: int) -> None:
        # Leave at each stage: before the answer, after its head, after the first event.
        stream = await open_stream(stressed.url, read_head=i % 3 != 0)
        if i % 3 == 2:
            assert await stream.next_event() == "history"
        await stream.close()

    async def cycles() -> None:
        for first in range(0, CYCLES, AT_ONCE):
            await asyncio.gather(*(cycle(i) for i in range(first, first + AT_ONCE)))

    asyncio.run(cycles())
    wait_for(lambda: _settled(stressed, baseline), deadline_s=10, what="the streams to be released")

    after = health(stressed)
    _show(f"{CYCLES} connect/disconnect cycles", baseline, after)
    assert after["rss_bytes"] - baseline["rss_bytes"] < 32 * MIB


def test_clients_that_stop_reading_do_not_grow_memory_or_delay_the_others(
    stressed: Server,
) -> None:
    async def scenario() -> tuple[list[float], dict[str, Any], dict[str, Any]]:
        loop = asyncio.get_running_loop()
        reader = await open_stream(stressed.url)
        assert await reader.next_event() == "history"
        before = await asyncio.to_thread(health, stressed)
        stalled = [stalled_client(stressed.url) for _ in range(STALLED)]
        frames: list[float] = []
        end = loop.time() + 4
        while loop.time() < end:
            if await asyncio.wait_for(reader.next_event(), 2) == "frame":
                frames.append(loop.time())
        during = await asyncio.to_thread(health, stressed)
        for sock in stalled:
            sock.close()
        await reader.close()
        return frames, before, during

    frames, before, during = asyncio.run(scenario())

    gaps = [b - a for a, b in itertools.pairwise(frames)]
    _show(f"{STALLED} subscribers that stopped reading", before, during)
    print(f"the reading subscriber: {len(frames)} frames in 4 s, longest gap {max(gaps):.3f} s")
    assert during["subscribers"] == STALLED + 1
    # Ten frames a second are sent. A stream held up by the stalled ones would freeze for up to
    # their send timeout (SEND_TIMEOUT_S, 10 s); a busy machine's stalls are well under 2 s.
    assert len(frames) >= 15
    assert max(gaps) < 2.0
    assert during["rss_bytes"] - before["rss_bytes"] < 8 * MIB


def test_200_subscribers_all_receive_frames_while_a_500_run_goes_on(stressed: Server) -> None:
    async def scenario() -> tuple[list[int], float, dict[str, Any], dict[str, Any], int]:
        loop = asyncio.get_running_loop()
        streams = await asyncio.gather(*(open_stream(stressed.url) for _ in range(SUBSCRIBERS)))
        assert {await s.next_event() for s in streams} == {"history"}
        before = await asyncio.to_thread(health, stressed)
        window: dict[str, float] = {}

        async def count_frames(stream: Stream) -> int:
            """Frames received from the moment all the run's calls are in flight to its end."""
            frames = 0
            while "end" not in window:
                if await asyncio.wait_for(stream.next_event(), 2) == "frame" and window:
                    frames += 1
            return frames

        counting = [asyncio.create_task(count_frames(s)) for s in streams]
        run = await asyncio.to_thread(launch, stressed.url, "async-sleep", 500, 3.0)
        # The run's load generator is a process of its own: count from when it has fired.
        await asyncio.to_thread(wait_all_in_flight, stressed.url, run)
        window["start"] = loop.time()
        # Still within the run's 3 s: its 500 requests are in flight.
        during = await asyncio.to_thread(health, stressed)
        await asyncio.to_thread(finish, stressed.url, run["id"])
        window["end"] = loop.time()
        counts = await asyncio.gather(*counting)
        for stream in streams:
            await stream.close()
        return list(counts), window["end"] - window["start"], before, during, run["id"]

    counts, window_s, before, during, run_id = asyncio.run(scenario())
    run = finish(stressed.url, run_id)

    _show(f"{SUBSCRIBERS} subscribers and an n=500 run", before, during)
    print(
        f"frames each subscriber received in the run's {window_s:.1f} s in flight: "
        f"min {min(counts)}, max {max(counts)}"
    )
    assert during["subscribers"] == SUBSCRIBERS
    assert during["runs_in_progress"] == 1
    assert during["requests_in_flight"] == 500
    assert window_s > 1.5
    # Ten a second are sent: every subscriber gets a good share of them on two busy cores,
    # where a stream held up by the others would get about none.
    assert min(counts) >= 2 * window_s
    assert (run["status"], run["errors"]) == ("finished", 0)
