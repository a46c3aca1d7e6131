"""What the asyncviews subject adds to a bare project's request path, call by call.

Each of three projects serves the same N async-sleep requests (delay 0) in-process, its ASGI
application driven without a server (bench/asgi_calls.py, one child process each): the bare
startproject (bench/bare.py), asyncviews with telemetry off, asyncviews with the probe on (no
Redis: the sampler thread is off the request path and is measured by bench.telemetry_cost).
It prints the Python calls per request of each and the functions whose counts differ. Counts
are deterministic: nothing here is timed, so nothing alternates.
Run `make bench`, or `.venv/bin/python -m bench.request_path` from the repository root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import bare
from bench.subjects import ROOT, asyncviews_env, migrated_data_dir

N = 1000
# Per-function differences smaller than this (calls per request) are not shown.
SHOWN = 0.5


def calls(app: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.asgi_calls", app, str(N)],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT)])},
        capture_output=True,
        text=True,
        check=True,
    )
    counted: dict[str, Any] = json.loads(result.stdout)
    return counted


def print_difference(name: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    print(f"  {name}: {after['calls'] - before['calls']:+.1f} calls per request")
    functions = before["by_function"].keys() | after["by_function"].keys()
    for function in sorted(functions):
        change = after["by_function"].get(function, 0) - before["by_function"].get(function, 0)
        if abs(change) >= SHOWN:
            print(f"     {change:+5.1f} {function}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        data_dir = migrated_data_dir(directory / "data")
        project = bare.generate(directory / "project")
        counted = {
            "bare": calls(bare.APP, {"DJANGO_SETTINGS_MODULE": f"{bare.NAME}.settings"}, project),
            **{
                f"asyncviews {name}": calls(
                    "asyncviews.asgi:application",
                    asyncviews_env(data_dir, telemetry=telemetry, redis_url="", name=name),
                    ROOT,
                )
                for name, telemetry in (("off", False), ("on", True))
            },
        }
    print(f"async-sleep delay 0, n={N}, in-process, Python calls per request (all threads):")
    for name, count in counted.items():
        print(f"  {name}: {count['calls']:.1f}")
    print("what differs:")
    print_difference("asyncviews off - bare", counted["bare"], counted["asyncviews off"])
    print_difference("asyncviews on - off", counted["asyncviews off"], counted["asyncviews on"])


if __name__ == "__main__":
    main()
