"""The probe's cost: `hey` against a subject with telemetry on, and the same with it off.

Two subjects (uvicorn serving asyncviews.asgi:application, as the dashboard starts them) run
at once on free loopback ports: one with ASYNCVIEWS_TELEMETRY=on, its sampler publishing to a
redis-server the benchmark starts on a Unix socket (and listens to, to count what the probe
published); one with it off, so no probe in MIDDLEWARE. hey fires n=1000 concurrent 1 s
async-sleep requests at one, then the other, alternating. Target: on/off wall time <= 1.05.
Run `make bench`, or `.venv/bin/python -m bench.telemetry_cost` from the repository root.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench.bus import listening, redis_server
from bench.compare import alternate, median_ratio, print_medians, print_ratios, verdict
from bench.hey import hey
from bench.measure import Timing, on_processes
from bench.subjects import ASYNC_SLEEP, asyncviews_env, migrated_data_dir, subject
from probe.sampler import TICK_S

N = 1000
REPETITIONS = 11
TARGET = 1.05
SIDES = {"on": True, "off": False}
PAIR = ("on", "off")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        directory = Path(tmp)
        data_dir = migrated_data_dir(directory / "data")
        redis_url = stack.enter_context(redis_server(directory))
        published = stack.enter_context(listening(redis_url))
        sides: dict[str, Callable[[], Timing]] = {}
        for name, telemetry in SIDES.items():
            env = asyncviews_env(data_dir, telemetry=telemetry, redis_url=redis_url, name=name)
            served = stack.enter_context(subject(env, directory / f"subject-{name}.log"))
            url = served.url + ASYNC_SLEEP
            # Warm up: the first burst loads Django's URLconf and views and grows the threads.
            hey(url, N)
            sides[name] = partial(on_processes, {"subject": served.pid}, partial(hey, url, N))
        time.sleep(2 * TICK_S)
        spans_before = {name: published.counts(name)[1] for name in SIDES}
        print(f"async-sleep delay 1, n={N}, hey, telemetry on and off, alternating:", flush=True)
        timings = alternate(sides, REPETITIONS, [PAIR])
        time.sleep(2 * TICK_S)
        spans = {name: published.counts(name)[1] - spans_before[name] for name in SIDES}
    print_medians(timings)
    print_ratios(timings, [PAIR])
    print(
        f"  spans the probes published during the bursts: on {spans['on']}, off {spans['off']}"
        f" (requests per side: {N * REPETITIONS})",
        flush=True,
    )
    verdict("telemetry on/off wall time", median_ratio(timings, PAIR), TARGET)


if __name__ == "__main__":
    main()
