"""The load generator against `hey`, both firing N concurrent 1 s async-sleep requests.

Target: the load generator's wall time at most 1.10 times hey's, at n=500 and at n=1000.
Run `make bench`, or `.venv/bin/python -m bench.loadgen_vs_hey` from the repository root
(hey: `apt-get install hey`). It starts and stops its own server on a free local port.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from bench.measure import Timing, alternate, hey, median_ratio, medians, on_server, run_timed
from tests.server import start_server

NS = (500, 1000)
REPETITIONS = 5
TARGET = 1.10
DEADLINE_S = 60.0


def loadgen(url: str, n: int) -> Timing:
    """dashboard/loadgen.py as the server runs it; its own wall_s, first start to last end."""
    # Starting at an instant already past: it fires as soon as it is ready.
    start_at = str(time.monotonic())
    command = [sys.executable, "-m", "dashboard.loadgen", url, str(n), str(DEADLINE_S), start_at]
    output, process_s, cpu_s = run_timed(command)
    lines = [json.loads(line) for line in output.splitlines()]
    statuses = [result[2] for line in lines for result in line.get("done", [])]
    if statuses.count(200) != n:
        raise SystemExit(f"the load generator got {statuses.count(200)} of {n} answers 200")
    return Timing(lines[-1]["wall_s"], process_s, cpu_s)


def main() -> None:
    worst = (0.0, 0)
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(Path(data_dir))
        try:
            url = server.url + "/scenarios/async-sleep/?delay=1"
            pid = server.process.pid
            # Warm up: the first burst loads Django's URLconf and views and grows the threads.
            hey(url, max(NS))
            for n in NS:
                print(f"async-sleep delay 1, n={n}, alternating sides:", flush=True)
                sides = {
                    "loadgen": partial(on_server, pid, partial(loadgen, url, n)),
                    "hey": partial(on_server, pid, partial(hey, url, n)),
                }
                timings = alternate(sides, REPETITIONS)
                ratio = median_ratio(timings)
                print(f"  medians: {medians(timings)}   median ratio {ratio:.3f}", flush=True)
                worst = max(worst, (ratio, n))
        finally:
            server.stop()
    ratio, n = worst
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(
        f"loadgen/hey wall time: worst median ratio {ratio:.2f} (n={n}),"
        f" target <= {TARGET:.2f}: {verdict}"
    )


if __name__ == "__main__":
    main()
