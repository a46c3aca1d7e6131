"""The broadcaster's promises, in-process: bounded buffers, replay, and release on disconnect."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from django.conf import settings
from sse_starlette import ServerSentEvent

from dashboard import instrument
from dashboard.runs.manager import RunManager
from dashboard.servers.pool import ServerPool
from dashboard.telemetry.broadcast import (
    EVENT_BUFFER,
    FRAME_BUFFER,
    HISTORY_FRAMES,
    Broadcaster,
)
from dashboard.telemetry.collector import Collector
from dashboard.telemetry.frames import TICK_S
from dashboard.web.events import stream


def events_in(chunk: bytes) -> list[tuple[str, str]]:
    """The (event, data) pairs in a chunk of Server-Sent Events."""
    pairs = []
    for block in chunk.decode().split("\r\n\r\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields:
            pairs.append((fields["event"], fields["data"]))
    return pairs


def test_a_subscriber_that_does_not_read_keeps_only_the_newest_frames() -> None:
    async def scenario() -> list[tuple[str, str]]:
        broadcaster = Broadcaster()
        slow = broadcaster.subscribe()
        for i in range(FRAME_BUFFER * 4):
            broadcaster.publish_frame(str(i), str(i))
        return events_in(await slow.next_batch())

    batch = asyncio.run(scenario())

    assert batch == [("frame", str(i)) for i in range(FRAME_BUFFER * 3, FRAME_BUFFER * 4)]


@pytest.mark.parametrize("name", ["run", "server"])
def test_events_are_kept_until_the_buffer_is_full_then_the_subscriber_is_cut_off(
    name: str,
) -> None:
    async def scenario() -> tuple[bool, bool, list[tuple[str, str]]]:
        broadcaster = Broadcaster()
        subscriber = broadcaster.subscribe()
        for i in range(EVENT_BUFFER):
            broadcaster.publish_event(name, str(i))
        kept_all = not subscriber.cut_off
        broadcaster.publish_event(name, "one too many")
        batch = events_in(await subscriber.next_batch())
        return kept_all, subscriber.cut_off, batch

    kept_all, cut_off, delivered = asyncio.run(scenario())

    assert kept_all
    assert cut_off
    assert delivered == [(name, str(i)) for i in range(EVENT_BUFFER)]


def test_events_come_before_the_frames_kept_beside_them() -> None:
    async def scenario() -> list[tuple[str, str]]:
        broadcaster = Broadcaster()
        subscriber = broadcaster.subscribe()
        broadcaster.publish_frame("f1", "f1")
        broadcaster.publish_event("server", "s")
        broadcaster.publish_frame("f2", "f2")
        broadcaster.publish_event("run", "r")
        return events_in(await subscriber.next_batch())

    assert asyncio.run(scenario()) == [
        ("server", "s"),
        ("run", "r"),
        ("frame", "f1"),
        ("frame", "f2"),
    ]


def test_history_holds_the_live_charts_half_minute_light_but_the_newest_whole() -> None:
    broadcaster = Broadcaster()
    assert json.loads(broadcaster.history_json()) == []
    for i in range(3000):
        whole = {"t": i, "servers": {"uvicorn": {"processes": [{"pid": 7}]}}}
        broadcaster.publish_frame(json.dumps(whole), json.dumps({"t": i}))

    history = json.loads(broadcaster.history_json())

    assert round(HISTORY_FRAMES * TICK_S) == 30  # seconds: the live chart's window
    assert len(history) == HISTORY_FRAMES
    assert history[0] == {"t": 3000 - HISTORY_FRAMES}
    assert history[-2] == {"t": 2998}
    assert history[-1]["servers"]["uvicorn"]["processes"] == [{"pid": 7}]


def test_closing_a_stream_releases_its_subscriber(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The stream's generator, on the instrument's real parts (none of them started)."""
    broadcaster = Broadcaster()

    def announce(data: dict[str, object]) -> None:
        broadcaster.publish_event("run", json.dumps(data))

    parts = instrument.Instrument(
        broadcaster=broadcaster,
        runs=RunManager(announce),
        pool=ServerPool(env={}, data_dir=tmp_path, announce=announce, probes_seen=None),
        collector=Collector(settings.REDIS_URL, on_spans=lambda *args: None),
    )
    monkeypatch.setattr(instrument, "_current", parts)

    async def scenario() -> tuple[int, int, str, object]:
        events = stream()
        first = await anext(events)
        during = len(broadcaster.subscribers)
        await events.aclose()
        assert isinstance(first, ServerSentEvent)
        return during, len(broadcaster.subscribers), str(first.event), first.data

    during, left, first_event, data = asyncio.run(scenario())

    assert (during, left, first_event) == (1, 0, "history")
    assert json.loads(str(data)) == {"frames": [], "runs": [], "servers": {}}


def test_closing_the_broadcaster_ends_every_stream_at_once() -> None:
    """Ctrl-C: the streams end now, so the browsers' connections do not hold the exit up."""

    async def scenario() -> tuple[bytes, bool, bool]:
        broadcaster = Broadcaster()
        waiting = broadcaster.subscribe()
        batch = asyncio.create_task(waiting.next_batch())
        await asyncio.sleep(0)  # the subscriber waits for news
        broadcaster.close()
        late = broadcaster.subscribe()
        return await asyncio.wait_for(batch, 1), waiting.cut_off, late.cut_off

    batch, cut_off, late_cut_off = asyncio.run(scenario())

    assert (batch, cut_off, late_cut_off) == (b"", True, True)
