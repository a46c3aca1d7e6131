"""Dashboard viewers: many clients holding the dashboard's /events/ open in one event loop,
each reading every frame as a browser's EventSource would, counting them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from harness.sse import Stream, open_stream

T = TypeVar("T")

FRAME = b"event: frame\r\n"
CHUNK = 1 << 16


async def _read_frames(stream: Stream, counts: list[int], index: int) -> None:
    """Read the stream to its end, adding to counts[index] each frame event seen."""
    tail = b""
    while True:
        chunk = await stream.reader.read(CHUNK)
        if not chunk:
            raise ConnectionError("the dashboard closed the stream")
        # A marker may straddle two reads: keep what could be its beginning.
        data = tail + chunk
        counts[index] += data.count(FRAME)
        tail = data[-(len(FRAME) - 1) :]


async def _live(stream: Stream) -> None:
    """Read past the history a stream starts with, to its first live frame."""
    seen = [0]
    reader = asyncio.ensure_future(_read_frames(stream, seen, 0))
    try:
        while not seen[0]:
            if reader.done():
                reader.result()
            await asyncio.sleep(0.01)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def _watched(url: str, viewers: int, measure: Callable[[], T]) -> tuple[T, list[int]]:
    streams = [await open_stream(url) for _ in range(viewers)]
    try:
        await asyncio.gather(*(_live(stream) for stream in streams))
        counts = [0] * viewers
        readers = [
            asyncio.create_task(_read_frames(stream, counts, i)) for i, stream in enumerate(streams)
        ]
        try:
            result = await asyncio.to_thread(measure)
        finally:
            for reader in readers:
                reader.cancel()
            ended = await asyncio.gather(*readers, return_exceptions=True)
        if failed := [e for e in ended if not isinstance(e, asyncio.CancelledError)]:
            raise SystemExit(f"a viewer's stream ended during the burst: {failed[0]!r}")
        return result, counts
    finally:
        for stream in streams:
            await stream.close()


def watched(url: str, viewers: int, measure: Callable[[], T]) -> tuple[T, list[int]]:
    """measure() while `viewers` clients read url's /events/ (connected, past their history,
    before it starts); its result and how many frames each viewer received meanwhile."""
    return asyncio.run(_watched(url, viewers, measure))
