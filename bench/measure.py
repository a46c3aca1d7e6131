"""Timing two sides against each other on a noisy machine: alternate them, compare ratios.

Each repetition measures both sides back to back, the side that went first going second in
the next, so drift in the machine's load falls on both alike. Only ratios within one run
mean anything; the result is the median of the per-repetition ratios.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

HEY_INSTALL = "hey is not installed: `apt-get install hey` (Debian, Ubuntu) or `make bench`"
# Let the last burst's connections and threads wind down before the next one starts.
SETTLE_S = 1.0


@dataclass(frozen=True)
class Timing:
    """A side's own wall time; its process's wall and CPU seconds; the server's CPU seconds."""

    wall_s: float
    process_s: float
    cpu_s: float
    server_cpu_s: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.wall_s:.3f} s (process {self.process_s:.2f} s, cpu {self.cpu_s:.2f} s,"
            f" server cpu {self.server_cpu_s:.2f} s)"
        )


def run_timed(command: list[str]) -> tuple[str, float, float]:
    """Run command to the end; its stdout, wall seconds and CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    process_s = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout, process_s, cpu_s


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a running process has used, from Linux's /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def on_server(pid: int, measure: Callable[[], Timing]) -> Timing:
    """measure(), with the CPU seconds the server process pid used meanwhile."""
    before = process_cpu_s(pid)
    timing = measure()
    return replace(timing, server_cpu_s=process_cpu_s(pid) - before)


def hey(url: str, n: int) -> Timing:
    """`hey -n N -c N URL`: N requests at once, each on its own connection; its Total time."""
    executable = shutil.which("hey")
    if executable is None:
        raise SystemExit(HEY_INSTALL)
    output, process_s, cpu_s = run_timed([executable, "-n", str(n), "-c", str(n), url])
    answered = re.search(r"\[200\]\s+(\d+) responses", output)
    if answered is None or int(answered.group(1)) != n or "Error distribution" in output:
        raise SystemExit(f"hey did not get {n} answers with status 200:\n{output}")
    total = re.search(r"Total:\s+([\d.]+) secs", output)
    assert total is not None, output
    return Timing(float(total.group(1)), process_s, cpu_s)


def alternate(
    sides: Mapping[str, Callable[[], Timing]], repetitions: int
) -> dict[str, list[Timing]]:
    """Measure two sides repetitions times, swapping their order each time; print each pair."""
    first, second = sides
    timings: dict[str, list[Timing]] = {first: [], second: []}
    for repetition in range(repetitions):
        for name in (first, second) if repetition % 2 == 0 else (second, first):
            time.sleep(SETTLE_S)
            timings[name].append(sides[name]())
        a, b = timings[first][-1], timings[second][-1]
        print(
            f"  {repetition + 1}: {first} {a}   {second} {b}   ratio {a.wall_s / b.wall_s:.3f}",
            flush=True,
        )
    return timings


def median_ratio(
    timings: dict[str, list[Timing]], figure: Callable[[Timing], float] = lambda t: t.wall_s
) -> float:
    """The median over repetitions of first side / second side, of wall time by default."""
    first, second = timings.values()
    return statistics.median(figure(a) / figure(b) for a, b in zip(first, second, strict=True))


def medians(timings: dict[str, list[Timing]]) -> str:
    return "   ".join(
        f"{name} {statistics.median(t.wall_s for t in ts):.3f} s"
        f" (cpu {statistics.median(t.cpu_s for t in ts):.2f} s,"
        f" server cpu {statistics.median(t.server_cpu_s for t in ts):.2f} s)"
        for name, ts in timings.items()
    )
