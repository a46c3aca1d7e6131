"""The load generator against `hey`, both firing N concurrent 1 s async-sleep requests.

The target is a subject as the dashboard starts it (uvicorn, asyncviews, probe on, publishing
to a redis-server the benchmark starts). The load generator runs as the dashboard runs it
(`python -m dashboard.runs.loadgen URL N DEADLINE_S PREFIX`, the ready/start_at handshake);
its wall time is its own wall_s, hey's its Total; p50 and p99 are from each request's sent to
answered (hey's percentile definition for both). Target: loadgen/hey wall time <= 1.05 at
n=500 and at n=1000. Run `make bench`, or `.venv/bin/python -m bench.loadgen_vs_hey` from the
repository root.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench.bus import redis_server
from bench.compare import alternate, median_ratio, print_medians, print_ratios, verdict
from bench.hey import hey
from bench.measure import Timing, children_cpu_s, on_processes, percentile
from bench.subjects import ASYNC_SLEEP, ROOT, asyncviews_env, migrated_data_dir, subject

NS = (500, 1000)
REPETITIONS = 7
TARGET = 1.05
DEADLINE_S = 60.0
PREFIX = "1"
PAIR = ("loadgen", "hey")


def loadgen(url: str, n: int) -> Timing:
    """dashboard/runs/loadgen.py as the dashboard runs it, told to fire as soon as it is ready."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.runs.loadgen", url, str(n), str(DEADLINE_S), PREFIX],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    if json.loads(process.stdout.readline()) != {"ready": True}:
        raise SystemExit("the load generator did not say it was ready")
    process.stdin.write(json.dumps({"start_at": time.monotonic()}) + "\n")
    process.stdin.close()
    lines = [json.loads(line) for line in process.stdout.read().splitlines()]
    if process.wait() != 0:
        raise SystemExit(f"the load generator exited with {process.returncode}")
    timings = [timing for line in lines for timing in line.get("done", [])]
    if [timing[3] for timing in timings].count(200) != n:
        raise SystemExit(f"the load generator did not get {n} answers with status 200")
    latencies = [answered - sent for _, sent, answered, _, _ in timings]
    return Timing(
        wall_s=lines[-1]["wall_s"],
        p50_s=percentile(latencies, 50),
        p99_s=percentile(latencies, 99),
        cpu_s=children_cpu_s(before),
    )


def main() -> None:
    worst = (0.0, 0)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        directory = Path(tmp)
        data_dir = migrated_data_dir(directory / "data")
        redis_url = stack.enter_context(redis_server(directory))
        env = asyncviews_env(data_dir, telemetry=True, redis_url=redis_url, name="uvicorn")
        served = stack.enter_context(subject(env, directory / "subject.log"))
        url = served.url + ASYNC_SLEEP
        # Warm up: the first burst loads Django's URLconf and views and grows the threads.
        hey(url, max(NS))
        for n in NS:
            print(f"async-sleep delay 1, n={n}, loadgen and hey, alternating:", flush=True)
            sides: dict[str, Callable[[], Timing]] = {
                name: partial(on_processes, {"subject": served.pid}, partial(client, url, n))
                for name, client in (("loadgen", loadgen), ("hey", hey))
            }
            timings = alternate(sides, REPETITIONS, [PAIR])
            print_medians(timings)
            print_ratios(timings, [PAIR])
            worst = max(worst, (median_ratio(timings, PAIR), n))
    ratio, n = worst
    verdict(f"loadgen/hey wall time, the worse of n={NS} (n={n})", ratio, TARGET)


if __name__ == "__main__":
    main()
