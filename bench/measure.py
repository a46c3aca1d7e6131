"""What one burst measures: the client's wall time and latencies, and CPU seconds, the
client's and those of the processes it loads (from Linux's /proc)."""

from __future__ import annotations

import os
import resource
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    """One burst: the client's own wall time and latency percentiles, the CPU seconds of the
    client's process, and those other processes (by name) used meanwhile."""

    wall_s: float
    p50_s: float
    p99_s: float
    cpu_s: float
    cpu_of: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        others = "".join(f", {name} cpu {s:.2f} s" for name, s in self.cpu_of.items())
        return f"{self.wall_s:.3f} s (client cpu {self.cpu_s:.2f} s{others})"


def percentile(values: Sequence[float], pct: int) -> float:
    """hey's percentile: the first of the sorted values at or past pct percent of them."""
    ordered = sorted(values)
    n = len(ordered)
    return next((v for i, v in enumerate(ordered) if i * 100 // n >= pct), ordered[-1])


def run_timed(command: list[str]) -> tuple[str, float]:
    """Run command to the end; its stdout and its CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout, children_cpu_s(before)


def children_cpu_s(before: resource.struct_rusage) -> float:
    """CPU seconds (user + system) of the children waited for since `before` was taken."""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a running process has used, from Linux's /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def on_processes(pids: Mapping[str, int], measure: Callable[[], Timing]) -> Timing:
    """measure(), with the CPU seconds each named process used meanwhile."""
    before = {name: process_cpu_s(pid) for name, pid in pids.items()}
    timing = measure()
    used = {name: process_cpu_s(pid) - before[name] for name, pid in pids.items()}
    return replace(timing, cpu_of={**timing.cpu_of, **used})


def process_rss_bytes(pid: int) -> int:
    """A running process's resident memory now (VmRSS), from Linux's /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"process {pid} has no VmRSS (a zombie?)")


def thread_waited_s(pid: int) -> float:
    """Seconds a process's main thread (its event loop's, for the dashboard) has spent ready to
    run but waiting for a CPU, from Linux's /proc schedstat: how much the machine held it up."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
