"""The process's own figures, read from /proc as the operating system counts them.

Threads come from /proc/self/status, not threading.active_count(), which misses threads
Python did not start (uvloop's libuv threads, a C library's pool).
"""

from __future__ import annotations

import os

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


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
    """CPU seconds this process has used, in every thread, user and system."""
    times = os.times()
    return times.user + times.system
