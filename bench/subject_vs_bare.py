"""The asyncviews subject against a bare `django-admin startproject` serving the same view.

Three subjects run at once on free loopback ports, each uvicorn with the registry's flags:
asyncviews with telemetry on (its probe publishing to a redis-server the benchmark starts),
asyncviews with telemetry off (no probe), and a bare project generated now (bench/bare.py:
the same async-sleep view and the same three Django middlewares, no probe). hey fires n=1000
concurrent 1 s async-sleep requests at each in turn, in each of their six orders in turn.
on/off is the probe's part of the difference, off/bare the rest's (asyncviews' settings,
URLconf, view wrapper and ASGI wrapper); bench.request_path lists both call by call.
Target: on/bare wall time <= 1.05.
Run `make bench`, or `.venv/bin/python -m bench.subject_vs_bare` from the repository root.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench import bare
from bench.bus import redis_server
from bench.compare import alternate, median_ratio, print_medians, print_ratios, verdict
from bench.hey import hey
from bench.measure import Timing, on_processes
from bench.subjects import ASYNC_SLEEP, asyncviews_env, migrated_data_dir, subject

N = 1000
REPETITIONS = 12
TARGET = 1.05
ON, OFF, BARE = "asyncviews on", "asyncviews off", "bare"
TARGET_PAIR = (ON, BARE)
PAIRS = [TARGET_PAIR, (OFF, BARE), (ON, OFF)]


def side(url: str, pid: int) -> Callable[[], Timing]:
    # Warm up: the first burst loads Django's URLconf and views and grows the threads.
    hey(url + ASYNC_SLEEP, N)
    return partial(on_processes, {"subject": pid}, partial(hey, url + ASYNC_SLEEP, N))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        directory = Path(tmp)
        data_dir = migrated_data_dir(directory / "data")
        redis_url = stack.enter_context(redis_server(directory))
        sides: dict[str, Callable[[], Timing]] = {}
        envs: Mapping[str, dict[str, str]] = {
            ON: asyncviews_env(data_dir, telemetry=True, redis_url=redis_url, name="on"),
            OFF: asyncviews_env(data_dir, telemetry=False, redis_url=redis_url, name="off"),
        }
        for name, env in envs.items():
            served = stack.enter_context(subject(env, directory / f"{name.replace(' ', '-')}.log"))
            sides[name] = side(served.url, served.pid)
        project = bare.generate(directory / "project")
        served = stack.enter_context(
            subject(
                {"DJANGO_SETTINGS_MODULE": f"{bare.NAME}.settings"},
                directory / "bare.log",
                app=bare.APP,
                cwd=project,
            )
        )
        sides[BARE] = side(served.url, served.pid)
        print(f"async-sleep delay 1, n={N}, hey, three subjects, every order in turn:", flush=True)
        timings = alternate(sides, REPETITIONS, PAIRS)
    print_medians(timings)
    print_ratios(timings, PAIRS)
    verdict("asyncviews (telemetry on)/bare wall time", median_ratio(timings, TARGET_PAIR), TARGET)


if __name__ == "__main__":
    main()
