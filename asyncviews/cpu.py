"""CPU-bound work for the CPU scenarios: real computation, measured by the thread's own clock.

burn(seconds) hashes until the calling thread has used `seconds` of CPU time, so a delay
means the same work on any machine and under any load: a thread that waits for the GIL or
for a core does not count that wait as work. It hashes in blocks of BLOCK_BYTES, below the
2 KiB from which hashlib releases the GIL: the work holds the GIL as pure-Python work would,
which is the point the CPU scenarios make. It imports nothing of Django, so a process pool
can run it without loading the project.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

BLOCK_BYTES = 1024
BLOCK = bytes(range(256)) * (BLOCK_BYTES // 256)
# Blocks hashed between two looks at the clock: a look costs about as much as a block.
BLOCKS_PER_LOOK = 200


def burn(seconds: float) -> float:
    """Compute for `seconds` of this thread's CPU time; answers the CPU seconds used."""
    started = time.thread_time()
    digest = hashlib.sha256()
    while time.thread_time() - started < seconds:
        for _ in range(BLOCKS_PER_LOOK):
            digest.update(BLOCK)
    return time.thread_time() - started


_pool: ProcessPoolExecutor | None = None
_pool_pid = 0


def process_pool() -> ProcessPoolExecutor:
    """This server process's pool, one worker per core, started on first use.

    Its workers are spawned, not forked: forking a process that runs threads (every server
    here does) can copy a lock held by another thread and deadlock the child.
    """
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool = ProcessPoolExecutor(os.cpu_count(), mp_context=multiprocessing.get_context("spawn"))
        _pool_pid = os.getpid()
    return _pool


def shutdown_pool() -> None:
    """Stop the pool's workers (the ASGI lifespan's shutdown; at exit, the pool stops itself)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None
