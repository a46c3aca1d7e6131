"""200 dashboard viewers against none, measured on the subject the dashboard measures.

A real dashboard (harness.server.start_server, in a temporary data directory) starts its
children: Redis, the mock upstream and the default subject (uvicorn, probe on). hey fires
n=1000 concurrent 1 s async-sleep requests at that subject, with VIEWERS clients reading the
dashboard's /events/ (every frame, as browsers do) or with none, alternating. The viewers
connect, and read past their history, before the burst starts. Beside the wall time it prints
the CPU seconds of the subject, the dashboard and the viewers (this process) in each burst.
Target: viewers/none wall time <= 1.02.
Run `make bench`, or `.venv/bin/python -m bench.dashboard_viewers` from the repository root.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.compare import alternate, median_ratio, print_medians, print_ratios, verdict
from bench.hey import hey
from bench.measure import Timing, on_processes
from bench.subjects import ASYNC_SLEEP
from bench.viewers import watched
from harness.server import child_pids, start_server

N = 1000
REPETITIONS = 9
TARGET = 1.02
VIEWERS = 200
WATCHED, NONE = f"{VIEWERS} viewers", "no viewers"
PAIR = (WATCHED, NONE)


def main() -> None:
    frames: list[int] = []

    def with_viewers(url: str, burst: Callable[[], Timing]) -> Timing:
        timing, counts = watched(url, VIEWERS, burst)
        frames.extend(counts)
        return timing

    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(Path(data_dir))
        try:
            (subject_pid,) = child_pids(server.process.pid, running="asyncviews.asgi:application")
            pids = {"subject": subject_pid, "dashboard": server.process.pid, "viewers": os.getpid()}
            url = server.subject_url + ASYNC_SLEEP
            # Warm up: the first burst loads Django's URLconf and views and grows the threads.
            hey(url, N)
            burst = partial(on_processes, pids, partial(hey, url, N))
            sides = {WATCHED: partial(with_viewers, server.url, burst), NONE: burst}
            print(
                f"async-sleep delay 1, n={N}, hey at the dashboard's subject, with {VIEWERS}"
                " clients reading the dashboard's /events/ and with none, alternating:",
                flush=True,
            )
            timings = alternate(sides, REPETITIONS, [PAIR])
        finally:
            server.stop()
    print_medians(timings)
    print_ratios(timings, [PAIR])
    print(
        f"  frames each viewer received per burst: median {statistics.median(frames):g},"
        f" fewest {min(frames)}",
        flush=True,
    )
    verdict(f"{VIEWERS} viewers/none wall time", median_ratio(timings, PAIR), TARGET)


if __name__ == "__main__":
    main()
