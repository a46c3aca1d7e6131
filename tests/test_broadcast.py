"""The broadcaster's promises, in-process: bounded buffers, replay, and release on disconnect."""

from __future__ import annotations

import asyncio
import json

from dashboard.broadcast import EVENT_BUFFER, FRAME_BUFFER, HISTORY_S, Broadcaster
from dashboard.telemetry import TICK_S


def test_a_subscriber_that_does_not_read_keeps_only_the_newest_frames() -> None:
    async def scenario() -> list[tuple[str, str]]:
        broadcaster = Broadcaster()
        slow = broadcaster.subscribe()
        for i in range(FRAME_BUFFER * 4):
            broadcaster.publish_frame(str(i))
        return await slow.next_batch()

    batch = asyncio.run(scenario())

    assert batch == [("frame", str(i)) for i in range(FRAME_BUFFER * 3, FRAME_BUFFER * 4)]


def test_run_events_are_kept_until_the_buffer_is_full_then_the_subscriber_is_cut_off() -> None:
    async def scenario() -> tuple[bool, bool, int]:
        broadcaster = Broadcaster()
        subscriber = broadcaster.subscribe()
        for i in range(EVENT_BUFFER):
            broadcaster.publish_run(str(i))
        kept_all = not subscriber.cut_off
        broadcaster.publish_run("one too many")
        batch = await subscriber.next_batch()
        return kept_all, subscriber.cut_off, len(batch)

    kept_all, cut_off, delivered = asyncio.run(scenario())

    assert kept_all
    assert cut_off
    assert delivered == EVENT_BUFFER


def test_history_holds_the_last_two_minutes_as_one_json_array() -> None:
    broadcaster = Broadcaster()
    for i in range(3000):
        broadcaster.publish_frame(json.dumps({"t": i}))

    history = json.loads(broadcaster.history_json())

    assert len(history) == round(HISTORY_S / TICK_S)
    assert history[-1] == {"t": 2999}


def test_closing_a_stream_releases_its_subscriber() -> None:
    from dashboard.events import stream
    from dashboard.instrument import broadcaster

    async def scenario() -> tuple[int, int, str]:
        before = len(broadcaster.subscribers)
        events = stream()
        first = await anext(events)
        during = len(broadcaster.subscribers)
        await events.aclose()
        return during - before, len(broadcaster.subscribers) - before, str(first.event)

    added, left, first_event = asyncio.run(scenario())

    assert (added, left, first_event) == (1, 0, "history")
