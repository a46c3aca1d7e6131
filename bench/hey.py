"""`hey` (Debian's package hey), the reference client: N requests at once, its own timings."""

from __future__ import annotations

import re
import shutil

from bench.measure import Timing, run_timed

HEY_INSTALL = "hey is not installed: `apt-get install hey` (Debian, Ubuntu) or `make bench`"
# As the load generator's calls, each carries a request id, so the probe records its span
# (without one it only counts). hey sends the same header with every request.
REQUEST_ID = "X-Request-Id: bench.0"


def _seconds(pattern: str, output: str) -> float:
    found = re.search(pattern, output)
    if found is None:
        raise SystemExit(f"hey's output has no {pattern!r}:\n{output}")
    return float(found.group(1))


def hey(url: str, n: int) -> Timing:
    """`hey -n N -c N URL`: N requests at once, each on its own connection; its Total time
    and its 50% and 99% latencies."""
    executable = shutil.which("hey")
    if executable is None:
        raise SystemExit(HEY_INSTALL)
    command = [executable, "-n", str(n), "-c", str(n), "-H", REQUEST_ID, url]
    output, cpu_s = run_timed(command)
    answered = re.search(r"\[200\]\s+(\d+) responses", output)
    if answered is None or int(answered.group(1)) != n or "Error distribution" in output:
        raise SystemExit(f"hey did not get {n} answers with status 200:\n{output}")
    return Timing(
        wall_s=_seconds(r"Total:\s+([\d.]+) secs", output),
        p50_s=_seconds(r"\b50% in ([\d.]+) secs", output),
        p99_s=_seconds(r"\b99% in ([\d.]+) secs", output),
        cpu_s=cpu_s,
    )
