"""An audience of a thousand: 1000 clients on the dashboard's /events/, idle and during a run.

A real dashboard (harness.server.start_server, in a temporary data directory) starts its
children: Redis, the mock upstream and the default subject (uvicorn, probe on). This process
opens VIEWERS connections to /events/ at once, in one event loop (harness.sse.open_stream), and
times how long it takes until every one is connected, has its response head, and has its
whole replay (the `history` event, the first chunk of the body; its size is printed). Each
client reads on from its replay without a pause, as a browser does; once all have theirs, a
window of WINDOW_S opens, and what arrives within it is counted:

1. idle: nothing runs;
2. during a run: an async-sleep x500 run (delay 1) on the default subject, launched through
   the runs API at the start of the window, against the same run with no viewers, alternating
   (the viewers connect anew each time, after the previous run, as a room does mid-talk).

Every client counts its frame events; every SAMPLE_EVERY-th client also parses each frame's
"t" (seconds since the dashboard started, on its event loop's clock, which is this machine's
CLOCK_MONOTONIC as time.monotonic() is). A frame's delay is its receive time - t beyond the
client's offset, the smallest receive time - t among its frames: a lower bound, relative to
that client's fastest frame. The same beyond the smallest among all sampled clients' frames
(the fastest frame of all, within a millisecond or so of the dashboard's true clock at idle)
is printed too: it also sees a client that is always served late. The dashboard's own frame
rate is the number of distinct t the sampled clients received.

Printed for each window: the frames each client got per second (min / median over clients;
target >= 8), the p95 delay (target < 250 ms), the dashboard process's CPU % (of one core)
and the client's (this process), how long each one's event loop thread waited for a CPU (the
machine's load: /proc schedstat), the bytes sent to all, and the dashboard's RSS before the
clients connect, at its highest meanwhile and LEFT_S after the dashboard has closed every
one of their sockets. Last, the run's wall time (the load generator's, from the run JSON)
with viewers against none. Target: viewers/none <= 1.02. Nothing is asserted; exits 0.
Run `make bench`, or `.venv/bin/python -m bench.audience` from the repository root.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.compare import alternate, median_ratio, print_medians, print_ratios, verdict
from bench.measure import Timing, percentile, process_cpu_s, process_rss_bytes, thread_waited_s
from bench.viewers import CHUNK, FRAME
from dashboard.telemetry.broadcast import HISTORY_FRAMES
from harness.server import Server, child_pids, start_server
from harness.sse import Stream, open_stream

VIEWERS = 1000
WINDOW_S = 10.0
LEFT_S = 5.0
SAMPLE_EVERY = 10
SCENARIO, RUN_N, RUN_DELAY = "async-sleep", 500, 1.0
REPETITIONS = 4
FRAMES_TARGET = 8.0
DELAY_TARGET_S = 0.250
WALL_TARGET = 1.02
CONNECT_DEADLINE_S = 120.0
LEAVE_DEADLINE_S = 60.0
POLL_S = 0.1
RSS_EVERY_S = 0.25
MB = 1024 * 1024
WATCHED, NONE = f"{VIEWERS} viewers", "no viewers"
PAIR = (WATCHED, NONE)
# The ticker's frames come every 0.1 s (dashboard.telemetry.frames.TICK_S, not imported: that
# module needs Django's settings).
HISTORY_S = HISTORY_FRAMES * 0.1

# The beginning of every frame event: the ticker's frames put "t" first.
FRAME_T = FRAME + b'data: {"t":'
HISTORY = b"event: history"
# /proc/net/tcp states: the dashboard's side of a connection a client has not yet
# seen closed, or that the client closed and the dashboard has not.
ESTABLISHED, CLOSE_WAIT = "01", "08"


@dataclass
class Client:
    """One connection to /events/ and what it has received."""

    stream: Stream
    sampled: bool
    connected: float = 0.0
    headed: float = 0.0
    replayed: float = 0.0
    replay_bytes: int = 0
    frames: int = 0
    received_bytes: int = 0
    # (receive time, the frame's "t"), for sampled clients only.
    arrivals: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Window:
    """The figures of one window with the audience connected."""

    label: str
    connected_s: float
    headed_s: float
    replayed_s: float
    replay_bytes: list[int]
    connect_dashboard_cpu_s: float
    connect_dashboard_cpu_pct: float
    connect_client_cpu_pct: float
    window_s: float
    frames_per_s: list[float]
    ticks_per_s: float
    delays_own_s: list[float]
    delays_all_s: list[float]
    dashboard_cpu_pct: float
    client_cpu_pct: float
    # Of the window, how long each event loop's thread was ready to run but had no CPU.
    dashboard_waited_pct: float
    client_waited_pct: float
    sent_bytes: int
    rss_before: int
    rss_peak: int
    rss_after: int
    left_s: float
    run: dict[str, Any] | None = None
    # While the run ran (launch to its end seen): frames per client per second, delays.
    run_frames_per_s: list[float] = field(default_factory=list)
    run_ticks_per_s: float = 0.0
    run_delays_own_s: list[float] = field(default_factory=list)
    run_delays_all_s: list[float] = field(default_factory=list)


# ---- the runs API ---------------------------------------------------------------------------


def run_once(url: str) -> dict[str, Any]:
    """Launch the run through the runs API and wait for its end (polling without timings)."""
    body = {"scenario": SCENARIO, "n": RUN_N, "delay": RUN_DELAY}
    with httpx.Client(base_url=url, timeout=60) as client:
        while True:
            response = client.post("/runs/", json=body)
            if response.status_code != 409:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        if response.status_code != 201:
            raise SystemExit(f"the run did not launch: {response.status_code} {response.text}")
        run_id = response.json()["id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run: dict[str, Any] = client.get(f"/runs/{run_id}/?timings=no").json()
            if run["status"] != "running":
                if run["status"] != "finished" or run["errors"] or run["wall_s"] is None:
                    raise SystemExit(f"the run did not complete: {run}")
                return run
            time.sleep(POLL_S)
    raise SystemExit(f"run {run_id} did not end in 60 s")


def measured_run(url: str, pids: dict[str, int]) -> tuple[Timing, dict[str, Any]]:
    """One run: its wall time and latencies (the load generator's), this process's CPU and the
    named processes' CPU meanwhile."""
    before = {name: process_cpu_s(pid) for name, pid in pids.items()}
    own = process_cpu_s(os.getpid())
    run = run_once(url)
    timing = Timing(
        wall_s=run["wall_s"],
        p50_s=run["p50_s"],
        p99_s=run["p99_s"],
        cpu_s=process_cpu_s(os.getpid()) - own,
        cpu_of={name: process_cpu_s(pid) - before[name] for name, pid in pids.items()},
    )
    return timing, run


# ---- the audience ---------------------------------------------------------------------------


async def _connect(url: str, sampled: bool) -> Client:
    """Open /events/, read the response head and the whole replay (one chunk)."""
    stream = await open_stream(url, read_head=False)
    client = Client(stream, sampled, connected=time.monotonic())
    head = await stream.reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200 ") or b"transfer-encoding: chunked" not in head.lower():
        raise ConnectionError(f"/events/ did not answer a chunked 200: {head!r}")
    client.headed = time.monotonic()
    size = int((await stream.reader.readline()).strip(), 16)
    replay = await stream.reader.readexactly(size + 2)
    if not replay.startswith(HISTORY):
        raise ConnectionError(f"/events/ did not start with its history: {replay[:80]!r}")
    client.replayed = time.monotonic()
    client.replay_bytes = size
    return client


def _frame_times(data: bytes, received: float, arrivals: list[tuple[float, float]]) -> bytes:
    """Add (received, t) for every whole frame beginning in data; what to keep for the next
    read (a beginning not yet whole)."""
    keep = max(0, len(data) - (len(FRAME_T) - 1))
    position = 0
    while (start := data.find(FRAME_T, position)) >= 0:
        number = start + len(FRAME_T)
        end = data.find(b",", number)
        if end < 0:
            return data[start:]
        arrivals.append((received, float(data[number:end])))
        position = end
    return data[max(keep, position) :]


async def _read(client: Client) -> None:
    """Read to the stream's end, as a browser does; count frames, sampled clients time them."""
    reader = client.stream.reader
    tail = b""
    while True:
        chunk = await reader.read(CHUNK)
        if not chunk:
            raise ConnectionError("the dashboard closed the stream")
        received = time.monotonic()
        client.received_bytes += len(chunk)
        data = tail + chunk
        if client.sampled:
            tail = _frame_times(data, received, client.arrivals)
            client.frames = len(client.arrivals)
        else:
            # A marker may straddle two reads: keep what could be its beginning.
            client.frames += data.count(FRAME)
            tail = data[-(len(FRAME) - 1) :]


def _server_sockets(port: int) -> int:
    """The dashboard's side of connections to its port not yet closed (IPv4 loopback)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rpartition(":")[2], 16)
        if local_port == port and fields[3] in (ESTABLISHED, CLOSE_WAIT):
            count += 1
    return count


def _wait_left(port: int) -> float:
    """Wait until the dashboard has closed its side of every connection to it; the seconds."""
    started = time.monotonic()
    while _server_sockets(port) and time.monotonic() - started < LEAVE_DEADLINE_S:
        time.sleep(0.05)
    return time.monotonic() - started


def _in(client: Client, since: float, until: float) -> int:
    """How many frames a sampled client received within [since, until]."""
    return sum(1 for received, _ in client.arrivals if since <= received <= until)


def _ticks(sampled: Sequence[Client], since: float, until: float) -> int:
    """How many frames the dashboard sent within [since, until], as the sampled clients saw
    them: their distinct t."""
    return len({t for c in sampled for received, t in c.arrivals if since <= received <= until})


def _delays(
    clients: Sequence[Client], since: float, until: float
) -> tuple[list[float], list[float]]:
    """The sampled clients' frame delays received within [since, until]: beyond each client's
    own fastest frame (of the whole window), and beyond the fastest frame of them all."""
    offsets = {
        id(c): min(received - t for received, t in c.arrivals) for c in clients if c.arrivals
    }
    if not offsets:
        return [], []
    fastest = min(offsets.values())
    own, everyone = [], []
    for client in clients:
        for received, t in client.arrivals:
            if since <= received <= until:
                own.append(received - t - offsets[id(client)])
                everyone.append(received - t - fastest)
    return own, everyone


async def _attend(url: str, sampled: bool, replayed: asyncio.Future[Client]) -> None:
    """One viewer: connect, get the replay (then `replayed` has the client), and read on from
    there without a pause, as a browser does."""
    try:
        client = await _connect(url, sampled)
    except Exception as error:
        replayed.set_exception(error)
        return
    replayed.set_result(client)
    await _read(client)


async def _audience(
    server: Server, label: str, during: Callable[[], dict[str, Any] | None]
) -> Window:
    """Connect the audience; once every client has its replay, hold it for WINDOW_S while
    during() runs (in a thread); let it go, wait for the dashboard to close every socket,
    then LEFT_S more."""
    dashboard = server.process.pid
    port = int(server.url.rpartition(":")[2])
    me = os.getpid()
    rss_before = process_rss_bytes(dashboard)
    rss_peak = rss_before

    async def watch_rss() -> None:
        nonlocal rss_peak
        while True:
            rss_peak = max(rss_peak, process_rss_bytes(dashboard))
            await asyncio.sleep(RSS_EVERY_S)

    watcher = asyncio.create_task(watch_rss())
    loop = asyncio.get_running_loop()
    cpu_dashboard, cpu_me = process_cpu_s(dashboard), process_cpu_s(me)
    started = time.monotonic()
    futures: list[asyncio.Future[Client]] = [loop.create_future() for _ in range(VIEWERS)]
    attending = [
        asyncio.create_task(_attend(server.url, i % SAMPLE_EVERY == 0, future))
        for i, future in enumerate(futures)
    ]
    try:
        _, pending = await asyncio.wait(futures, timeout=CONNECT_DEADLINE_S)
        failed = [f.exception() for f in futures if f.done() and f.exception()]
        if failed or pending:
            raise SystemExit(
                f"{len(failed)} connects failed, {len(pending)} still pending: {failed[:1]!r}"
            )
        clients = [future.result() for future in futures]
        connect_s = time.monotonic() - started
        connect_dashboard = process_cpu_s(dashboard) - cpu_dashboard
        connect_me = process_cpu_s(me) - cpu_me

        cpu_dashboard, cpu_me = process_cpu_s(dashboard), process_cpu_s(me)
        waited_dashboard, waited_me = thread_waited_s(dashboard), thread_waited_s(me)
        opened = time.monotonic()
        counts_opened = [client.frames for client in clients]
        run = await asyncio.to_thread(during)
        ran = time.monotonic()
        await asyncio.sleep(max(0.0, opened + WINDOW_S - time.monotonic()))
        closed = time.monotonic()
        counts_closed = [client.frames for client in clients]
        window_dashboard = process_cpu_s(dashboard) - cpu_dashboard
        window_me = process_cpu_s(me) - cpu_me
        window_waited_dashboard = thread_waited_s(dashboard) - waited_dashboard
        window_waited_me = thread_waited_s(me) - waited_me
        sent = sum(client.received_bytes for client in clients)
    finally:
        for task in attending:
            task.cancel()
        ended = await asyncio.gather(*attending, return_exceptions=True)
        for future in futures:
            if future.done() and not future.exception():
                await future.result().stream.close()
        watcher.cancel()
    if broken := [e for e in ended if not isinstance(e, asyncio.CancelledError | type(None))]:
        print(f"     {len(broken)} streams ended before the window did: {broken[0]!r}", flush=True)
    left_s = await asyncio.to_thread(_wait_left, port)
    await asyncio.sleep(LEFT_S)
    rss_after = process_rss_bytes(dashboard)

    window_s = closed - opened
    sampled = [c for c in clients if c.sampled]
    own, everyone = _delays(clients, opened, closed)
    window = Window(
        label=label,
        connected_s=max(c.connected for c in clients) - started,
        headed_s=max(c.headed for c in clients) - started,
        replayed_s=max(c.replayed for c in clients) - started,
        replay_bytes=[c.replay_bytes for c in clients],
        connect_dashboard_cpu_s=connect_dashboard,
        connect_dashboard_cpu_pct=100 * connect_dashboard / connect_s,
        connect_client_cpu_pct=100 * connect_me / connect_s,
        window_s=window_s,
        frames_per_s=[
            (_in(c, opened, closed) if c.sampled else after - before) / window_s
            for c, before, after in zip(clients, counts_opened, counts_closed, strict=True)
        ],
        ticks_per_s=_ticks(sampled, opened, closed) / window_s,
        delays_own_s=own,
        delays_all_s=everyone,
        dashboard_cpu_pct=100 * window_dashboard / window_s,
        client_cpu_pct=100 * window_me / window_s,
        dashboard_waited_pct=100 * window_waited_dashboard / window_s,
        client_waited_pct=100 * window_waited_me / window_s,
        sent_bytes=sent,
        rss_before=rss_before,
        rss_peak=rss_peak,
        rss_after=rss_after,
        left_s=left_s,
        run=run,
    )
    if run is not None:
        # While the run ran: from the launch to its end being seen, the sampled clients.
        run_s = ran - opened
        window.run_frames_per_s = [_in(c, opened, ran) / run_s for c in sampled]
        window.run_ticks_per_s = _ticks(sampled, opened, ran) / run_s
        window.run_delays_own_s, window.run_delays_all_s = _delays(clients, opened, ran)
    return window


def audience(server: Server, label: str, during: Callable[[], dict[str, Any] | None]) -> Window:
    return asyncio.run(_audience(server, label, during))


# ---- printing -------------------------------------------------------------------------------


def _ms(values: Sequence[float], pct: int) -> str:
    return f"{1000 * percentile(values, pct):.0f} ms" if values else "none"


def print_window(window: Window) -> None:
    sizes = sorted(set(window.replay_bytes))
    size = f"{sizes[0]} bytes" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]} bytes"
    fps = window.frames_per_s
    print(
        f"   {window.label}:\n"
        f"     connect {VIEWERS}: all connected {window.connected_s:.2f} s, all heads"
        f" {window.headed_s:.2f} s, all replays {window.replayed_s:.2f} s; replay {size};"
        f" meanwhile dashboard cpu {window.connect_dashboard_cpu_pct:.0f} %"
        f" ({1000 * window.connect_dashboard_cpu_s / VIEWERS:.2f} ms a connect), client cpu"
        f" {window.connect_client_cpu_pct:.0f} %\n"
        f"     window {window.window_s:.1f} s: frames per client per second min"
        f" {min(fps):.2f} / median {statistics.median(fps):.2f} (target >= {FRAMES_TARGET:g});"
        f" the dashboard sent {window.ticks_per_s:.2f} frames a second\n"
        f"     frame delay beyond each client's fastest frame (a lower bound): p95"
        f" {_ms(window.delays_own_s, 95)}, p99 {_ms(window.delays_own_s, 99)}, max"
        f" {_ms(window.delays_own_s, 100)} (target p95 < {1000 * DELAY_TARGET_S:.0f} ms);"
        f" beyond the fastest frame of all: p95 {_ms(window.delays_all_s, 95)}, max"
        f" {_ms(window.delays_all_s, 100)} ({len(window.delays_own_s)} frames of"
        f" {VIEWERS // SAMPLE_EVERY} sampled clients)\n"
        f"     dashboard cpu {window.dashboard_cpu_pct:.0f} %, client cpu"
        f" {window.client_cpu_pct:.0f} % (of one core); their loops waited for a CPU"
        f" {window.dashboard_waited_pct:.0f} % and {window.client_waited_pct:.0f} % of the"
        f" window; sent {window.sent_bytes / window.window_s / MB:.1f} MB/s to all\n"
        f"     dashboard rss: before {window.rss_before / MB:.0f} MB, highest"
        f" {window.rss_peak / MB:.0f} MB, {LEFT_S:g} s after all left"
        f" {window.rss_after / MB:.0f} MB (the dashboard closed them all"
        f" {window.left_s:.2f} s after the clients did)",
        flush=True,
    )
    if window.run is not None:
        run_fps = window.run_frames_per_s
        print(
            f"     while the run ran: frames per sampled client per second min"
            f" {min(run_fps):.2f} / median {statistics.median(run_fps):.2f} (the dashboard"
            f" sent {window.run_ticks_per_s:.2f}); delay beyond each"
            f" client's fastest p95 {_ms(window.run_delays_own_s, 95)}, max"
            f" {_ms(window.run_delays_own_s, 100)}; beyond the fastest of all p95"
            f" {_ms(window.run_delays_all_s, 95)}",
            flush=True,
        )


def print_summary(windows: Sequence[Window]) -> None:
    """The medians over the run windows (each one's own figure, then the median)."""

    def median(figure: Callable[[Window], float]) -> float:
        return statistics.median(figure(w) for w in windows)

    print(
        f"  medians over the {len(windows)} windows with the run:\n"
        f"     all replays {median(lambda w: w.replayed_s):.2f} s, replay"
        f" {median(lambda w: statistics.median(w.replay_bytes)):.0f} bytes; frames per client"
        f" per second min {median(lambda w: min(w.frames_per_s)):.2f} / median"
        f" {median(lambda w: statistics.median(w.frames_per_s)):.2f}; delay p95 beyond each"
        f" client's fastest {1000 * median(lambda w: percentile(w.delays_own_s, 95)):.0f} ms,"
        f" beyond the fastest of all"
        f" {1000 * median(lambda w: percentile(w.delays_all_s, 95)):.0f} ms; while the run ran:"
        f" frames min {median(lambda w: min(w.run_frames_per_s)):.2f}, delay p95"
        f" {1000 * median(lambda w: percentile(w.run_delays_own_s, 95)):.0f} ms;"
        f" dashboard cpu {median(lambda w: w.dashboard_cpu_pct):.0f} %, client cpu"
        f" {median(lambda w: w.client_cpu_pct):.0f} %; the dashboard's loop waited for a CPU"
        f" {median(lambda w: w.dashboard_waited_pct):.0f} % of the window",
        flush=True,
    )


def print_newest(url: str) -> None:
    """What the replay is made of, from one more connection's history."""

    async def one() -> bytes:
        stream = await open_stream(url)
        try:
            size = int((await stream.reader.readline()).strip(), 16)
            return await stream.reader.readexactly(size)
        finally:
            await stream.close()

    event = asyncio.run(one())
    data = json.loads(event.partition(b"data: ")[2])
    frames = data["frames"]
    whole = len(json.dumps(frames[-1], separators=(",", ":"))) if frames else 0
    light = [len(json.dumps(f, separators=(",", ":"))) for f in frames[:-1]]
    print(
        f"  a replay now: {len(event)} bytes, {len(frames)} frames ({sum(light)} bytes of light"
        f" frames, median {statistics.median(light) if light else 0:.0f}; the newest whole"
        f" {whole} bytes), {len(data['runs'])} runs, servers {len(json.dumps(data['servers']))}"
        " bytes",
        flush=True,
    )


# ---- the benchmark --------------------------------------------------------------------------


def main() -> None:
    begun = time.monotonic()
    windows: list[Window] = []
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(Path(data_dir))
        try:
            (subject_pid,) = child_pids(server.process.pid, running="asyncviews.asgi:application")
            pids = {"dashboard": server.process.pid, "subject": subject_pid}
            print(
                f"{VIEWERS} clients on a dashboard's /events/ (one event loop, this process),"
                f" {WINDOW_S:g} s windows; every {SAMPLE_EVERY}th client times its frames.\n"
                "  A frame's delay is its receive time - its t beyond the client's fastest"
                " frame: a lower bound.\n"
                "1. idle (no run since the dashboard started):",
                flush=True,
            )
            # Let the ticker fill its history (HISTORY_FRAMES), as a dashboard does before a talk.
            time.sleep(max(0.0, HISTORY_S + 1 - (time.monotonic() - begun)))
            print_newest(server.url)
            print_window(audience(server, "idle", lambda: None))

            print(
                f"2. {SCENARIO} x{RUN_N} (delay {RUN_DELAY:g}) through the runs API, with"
                f" {VIEWERS} viewers connecting anew for each and with none, alternating:",
                flush=True,
            )
            # Warm up: the first run loads Django's URLconf and views and grows the threads.
            run_once(server.url)

            def with_viewers() -> Timing:
                timings: list[Timing] = []

                def during() -> dict[str, Any]:
                    timing, run = measured_run(server.url, pids)
                    timings.append(timing)
                    return run

                window = audience(server, f"{WATCHED}, run {len(windows) + 1}", during)
                windows.append(window)
                print_window(window)
                return timings[0]

            def without() -> Timing:
                return measured_run(server.url, pids)[0]

            timings = alternate({WATCHED: with_viewers, NONE: without}, REPETITIONS, [PAIR])
            print_newest(server.url)
        finally:
            server.stop()
    print_summary(windows)
    print_medians(timings)
    print_ratios(timings, [PAIR])
    print(f"  ({time.monotonic() - begun:.0f} s in all)", flush=True)
    verdict(f"the run's wall, {VIEWERS} viewers/none", median_ratio(timings, PAIR), WALL_TARGET)


if __name__ == "__main__":
    main()
