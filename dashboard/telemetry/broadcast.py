"""Fan-out of frames and run events to every connected browser.

Design choices:
- Publishing never waits on a subscriber: each one has its own bounded buffer, filled by
  the publisher and drained by that subscriber's stream. A slow browser only loses its own
  stale frames (the newest FRAME_BUFFER are kept).
- Each frame and event is encoded once, for every subscriber, and a subscriber's stream sends
  what piled up since it last woke as one chunk: with a thousand viewers, encoding per viewer
  cost 7 to 16 % of a core.
- Run and server events are not dropped. A subscriber that lets EVENT_BUFFER of them pile up is cut
  off instead; its browser's EventSource reconnects and gets the replay below.
- The last HISTORY_FRAMES frames are kept, already encoded, so a browser that connects or
  reconnects mid-run redraws the live chart from one `history` event; the runs' own figures
  come from the runs API. Kept light: without the servers' processes, which the page draws
  from the newest frame only (sent whole). Six servers' processes made a frame 2.2 KB, and a
  replay of them 678 KB per viewer that connects.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
from collections import deque

from sse_starlette import ServerSentEvent

FRAME_BUFFER = 50
EVENT_BUFFER = 500
# Thirty seconds at ten frames a second: what the live chart shows. A browser that connects
# mid-run redraws that much; an audience of a thousand phones connecting at once must not get
# minutes each (two minutes of frames made 664 KB per connect).
HISTORY_FRAMES = 300
# An audience this large leaving (down to a tenth of it) gives its memory back.
TRIM_AFTER = 100


def give_back_memory() -> None:
    """Collect what departed viewers left, then have glibc return freed memory to the system."""
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)


def sse(name: str, data: str) -> bytes:
    """One Server-Sent Event, encoded by sse-starlette once for every subscriber."""
    return ServerSentEvent(data=data, event=name).encode()


class Subscriber:
    def __init__(self) -> None:
        self.frames: deque[bytes] = deque(maxlen=FRAME_BUFFER)
        self.events: deque[bytes] = deque()
        self.cut_off = False
        self._wake = asyncio.Event()

    async def next_batch(self) -> bytes:
        """Wait for news, then take it all, as one chunk: events first, then the frames kept."""
        await self._wake.wait()
        self._wake.clear()
        batch = b"".join([*self.events, *self.frames])
        self.events.clear()
        self.frames.clear()
        return batch


class Broadcaster:
    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.history: deque[str] = deque(maxlen=HISTORY_FRAMES)
        self.newest = ""
        self.closed = False
        # The most subscribers at once since memory was last given back.
        self.peak = 0

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        subscriber.cut_off = self.closed
        self.subscribers.add(subscriber)
        self.peak = max(self.peak, len(self.subscribers))
        return subscriber

    def close(self) -> None:
        """The dashboard is stopping: every stream ends now, not at sse-starlette's next poll
        for shutdown (every 0.5 s), which would hold up Ctrl-C with a browser connected."""
        self.closed = True
        for subscriber in self.subscribers:
            subscriber.cut_off = True
            subscriber._wake.set()

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        if self.peak >= TRIM_AFTER and len(self.subscribers) <= self.peak // 10:
            # An audience has left: give its memory back to the system, or the process
            # keeps it (measured: 181 MB kept after 1000 viewers left, 109 MB once trimmed).
            self.peak = len(self.subscribers)
            give_back_memory()

    def history_json(self) -> str:
        """The frames kept, as one JSON array: the newest whole, the others light."""
        if not self.history:
            return "[]"
        older = list(self.history)[:-1]
        return "[" + ",".join([*older, self.newest]) + "]"

    def publish_frame(self, encoded: str, light: str) -> None:
        """A frame to every subscriber; its light encoding (without the servers' processes,
        which only the newest frame's are drawn from) kept for the replay."""
        self.history.append(light)
        self.newest = encoded
        event = sse("frame", encoded)
        for subscriber in self.subscribers:
            subscriber.frames.append(event)
            subscriber._wake.set()

    def publish_event(self, name: str, encoded: str) -> None:
        """A run or server event: every subscriber gets it, or is cut off."""
        event = sse(name, encoded)
        for subscriber in self.subscribers:
            if len(subscriber.events) >= EVENT_BUFFER:
                subscriber.cut_off = True
            else:
                subscriber.events.append(event)
            subscriber._wake.set()
