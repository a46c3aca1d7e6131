"""What measuring costs: `hey` against a server with telemetry on and one with it off.

Both servers run at once on free local ports; hey fires n=1000 concurrent 1 s async-sleep
requests at one, then the other, alternating. Target: on/off wall time at most 1.10.
Run `make bench`, or `.venv/bin/python -m bench.telemetry_cost` from the repository root
(hey: `apt-get install hey`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench.measure import Timing, alternate, hey, median_ratio, medians, on_server
from tests.server import start_server

N = 1000
REPETITIONS = 9
TARGET = 1.10
SERVERS = {"telemetry on": {}, "off": {"ASYNCVIEWS_TELEMETRY": "off"}}


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir, ExitStack() as servers:
        sides: dict[str, Callable[[], Timing]] = {}
        for name, env in SERVERS.items():
            server = start_server(Path(data_dir, name.replace(" ", "-")), env=env)
            servers.callback(server.stop)
            url = server.url + "/scenarios/async-sleep/?delay=1"
            # Warm up: the first burst loads Django's URLconf and views and grows the threads.
            hey(url, N)
            sides[name] = partial(on_server, server.process.pid, partial(hey, url, N))
        print(f"async-sleep delay 1, n={N}, hey, alternating servers:", flush=True)
        timings = alternate(sides, REPETITIONS)
    ratio = median_ratio(timings)
    cpu_ratio = median_ratio(timings, lambda t: t.server_cpu_s)
    print(f"  medians: {medians(timings)}")
    print(f"  server cpu on/off: median ratio {cpu_ratio:.2f}")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(
        f"telemetry on/off wall time: median ratio {ratio:.2f}, target <= {TARGET:.2f}: {verdict}"
    )


if __name__ == "__main__":
    main()
