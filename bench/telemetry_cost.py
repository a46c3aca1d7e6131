"""What measuring costs: `hey` against a server with telemetry on and one with it off.

Both servers run at once on free local ports; hey fires n=1000 concurrent 1 s async-sleep
requests at one, then the other, alternating. During each burst at the telemetry side,
SUBSCRIBERS clients read its event stream, as dashboards open in browsers do: the frames
are sampled, broadcast and sent while the burst goes on. Target: on/off wall time at most 1.10.
Run `make bench`, or `.venv/bin/python -m bench.telemetry_cost` from the repository root
(hey: `apt-get install hey`).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench.measure import Timing, alternate, hey, median_ratio, medians, on_server
from tests.server import start_server
from tests.sse import Stream, open_stream

N = 1000
REPETITIONS = 9
TARGET = 1.10
TELEMETRY_ON = "telemetry on"
SERVERS = {TELEMETRY_ON: {}, "off": {"ASYNCVIEWS_TELEMETRY": "off"}}
SUBSCRIBERS = 5


async def _count_frames(stream: Stream, frames: list[int], index: int) -> None:
    while True:
        if await stream.next_event() == "frame":
            frames[index] += 1


async def _subscribed(url: str, measure: Callable[[], Timing], frames: list[int]) -> Timing:
    """measure(), while SUBSCRIBERS clients read url's event stream; adds to frames how many
    each received during it."""
    streams = [await open_stream(url) for _ in range(SUBSCRIBERS)]
    try:
        # Past the history each gets on connect, to the live frames, before the burst starts.
        for stream in streams:
            while await stream.next_event() != "frame":
                pass
        counts = [0] * SUBSCRIBERS
        readers = [asyncio.create_task(_count_frames(s, counts, i)) for i, s in enumerate(streams)]
        try:
            timing = await asyncio.to_thread(measure)
        finally:
            for reader in readers:
                reader.cancel()
            ended = await asyncio.gather(*readers, return_exceptions=True)
        if failed := [e for e in ended if not isinstance(e, asyncio.CancelledError)]:
            raise SystemExit(f"a subscriber's stream ended during the burst: {failed[0]!r}")
        frames.extend(counts)
        return timing
    finally:
        for stream in streams:
            await stream.close()


def subscribed(url: str, measure: Callable[[], Timing], frames: list[int]) -> Timing:
    return asyncio.run(_subscribed(url, measure, frames))


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir, ExitStack() as servers:
        sides: dict[str, Callable[[], Timing]] = {}
        frames: list[int] = []
        for name, env in SERVERS.items():
            server = start_server(Path(data_dir, name.replace(" ", "-")), env=env)
            servers.callback(server.stop)
            url = server.url + "/scenarios/async-sleep/?delay=1"
            # Warm up: the first burst loads Django's URLconf and views and grows the threads.
            hey(url, N)
            side = partial(on_server, server.process.pid, partial(hey, url, N))
            if name == TELEMETRY_ON:
                side = partial(subscribed, server.url, side, frames)
            sides[name] = side
        print(
            f"async-sleep delay 1, n={N}, hey, alternating servers, {TELEMETRY_ON} with "
            f"{SUBSCRIBERS} stream subscribers:",
            flush=True,
        )
        timings = alternate(sides, REPETITIONS)
    ratio = median_ratio(timings)
    cpu_ratio = median_ratio(timings, lambda t: t.server_cpu_s)
    print(f"  medians: {medians(timings)}")
    print(
        f"  frames each subscriber received per burst: median {statistics.median(frames):g},"
        f" fewest {min(frames)}"
    )
    print(f"  server cpu on/off: median ratio {cpu_ratio:.2f}")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(
        f"telemetry on/off wall time: median ratio {ratio:.2f}, target <= {TARGET:.2f}: {verdict}"
    )


if __name__ == "__main__":
    main()
