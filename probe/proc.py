"""The process's own figures, read from /proc as the operating system counts them.

Threads come from /proc/self/status, not threading.active_count(), which misses threads
Python did not start (uvloop's libuv threads, a C library's pool).
"""

from __future__ import annotations

import multiprocessing
import os
import time

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# utime and stime in /proc/<pid>/stat, counted from the field after the command's ")".
UTIME, STIME = 11, 12


def threads() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def rss_bytes() -> int:
    """Resident memory now (not the peak that getrusage reports)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def cpu_s() -> float:
    """CPU seconds this process and its children have used, user and system.

    Its children are the worker processes of a pool its views hand work to: the work of
    async-cpu-process is done there, and a figure without it would show an idle server while
    both cores compute. Children still running are read from /proc; those already reaped are
    in os.times(), so a child's seconds move from one sum to the other, never vanish.

    The process's own seconds come from its CPU clock (nanoseconds), not from os.times(),
    which counts in ticks of 10 ms: a tenth of every 100 ms sample, enough to show a process
    at 110 % and two cores' worth of workers above 200 %.
    """
    times = os.times()
    total = time.process_time() + times.children_user + times.children_system
    for child in multiprocessing.active_children():
        try:
            with open(f"/proc/{child.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue  # exited meanwhile: counted by os.times() once it is reaped
        total += (int(fields[UTIME]) + int(fields[STIME])) / CLOCK_TICKS
    return total
